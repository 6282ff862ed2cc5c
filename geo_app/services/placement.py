"""Geometry that is where it claims to be: the CRS a file is read in, and the places its features may lie.

Checked in this order, each refusal naming the features and guessing the CRS that would fit:
the source CRS's area of use (before reprojection), WGS-84 ranges and the China box (after), and for
units the community's boundary (with a tolerance in metres).
"""

import logging
import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import ImportRefused
from ..geo.bounds import (
    AREA_OF_USE_MARGIN_DEG,
    CHINA,
    WGS84_BBOX,
    area_box_in_crs,
    area_of_use,
    crs_hint,
    crs_label,
    outside,
    widen,
)

logger = logging.getLogger(__name__)

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
SHOWN_NUMBERS = 12


@dataclass(frozen=True)
class Target:
    """Where a file's features belong: a lon/lat box, and how messages name it."""

    box: tuple
    name: str


IN_CHINA = Target(CHINA, "中国范围")


def community_target(boundary, code):
    """Return the target of a community: its boundary's box, widened by about 2 km."""
    return Target(widen(boundary.bounds, 0.02), f"社区 {code} 的边界范围")


def parse_crs(value):
    """Return the pyproj CRS named by a --crs option, or refuse."""
    text = str(value).strip()
    if "://" in text or text.startswith(("/", ".", "\\")):
        raise ImportRefused(f"--crs {value!r}：请写坐标系代码，例如 EPSG:4490、EPSG:4547、EPSG:3857", field="crs")
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise ImportRefused(f"--crs {value!r} 不是 pyproj 认识的坐标系（{exc}）", field="crs") from None


def resolve_crs(frame, fmt, declares_crs, crs_option, name, notices):
    """Set the CRS to read frame in: --crs wins over a declared or implied one (with a notice); refuse none."""
    declared = frame.crs
    if crs_option:
        wanted = parse_crs(crs_option)
        if declared is not None and not declared.equals(wanted):
            if fmt == "geojson" and not declares_crs:
                before = "GeoJSON 未声明坐标系（按规范默认 WGS-84）"
            else:
                before = f"文件声明的坐标系是 {crs_label(declared)}"
            notice = f"{name}：{before}，已按 --crs 改用 {crs_label(wanted)}读取"
            logger.warning("%s", notice)
            notices.append(notice)
        return frame.set_crs(wanted, allow_override=True)
    if declared is None:
        if fmt == "shp":
            raise ImportRefused(f"{name}：Shapefile 没有 .prj 文件，坐标系未知；请加 --crs（例如 EPSG:4490）")
        raise ImportRefused(f"{name}：文件没有声明坐标系；请加 --crs（例如 EPSG:4326，CGCS2000 用 EPSG:4490）")
    return frame


def numbers(mask):
    """Return the 1-based numbers of the true entries of mask as compact ranges: '1–39' or '3、7、9–12 等 40 个'."""
    indices = np.flatnonzero(mask) + 1
    if not len(indices):
        return ""
    breaks = np.flatnonzero(np.diff(indices) != 1)
    starts, ends = np.r_[indices[0], indices[breaks + 1]], np.r_[indices[breaks], indices[-1]]
    groups = [f"{s}" if s == e else f"{s}–{e}" for s, e in zip(starts[:SHOWN_NUMBERS], ends[:SHOWN_NUMBERS],
                                                                 strict=True)]
    return "、".join(groups) + (f" 等 {len(indices)} 个" if len(starts) > SHOWN_NUMBERS else "")


def _centres(bounds):
    return np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0])


def _describe_area(crs):
    west, south, east, north = area_of_use(crs)
    lon = lambda v: f"{abs(v):g}°{'E' if v >= 0 else 'W'}"  # noqa: E731
    lat = lambda v: f"{abs(v):g}°{'N' if v >= 0 else 'S'}"  # noqa: E731
    return f"{lon(west)}–{lon(east)}, {lat(south)}–{lat(north)}"


def check_area_of_use(frame, name, target=IN_CHINA):
    """Refuse features whose coordinates lie outside their CRS's area of use (widened by a small margin)."""
    box = area_box_in_crs(frame.crs)
    if box is None:
        return
    bounds = shapely.bounds(np.asarray(frame.geometry.values, dtype=object))
    present = ~np.isnan(bounds).any(axis=1)
    bad = outside(bounds, box) & present
    if bad.any():
        raise ImportRefused(
            f"{name}：第 {numbers(bad)} 个要素（共 {len(frame)} 个）的坐标不在 {crs_label(frame.crs)}的适用范围"
            f"（{_describe_area(frame.crs)}，已放宽 {AREA_OF_USE_MARGIN_DEG:g}°）内；"
            f"{crs_hint(_centres(bounds[bad]), target.box, target.name)}")


def check_wgs84(geoms, source_geoms, name, target=IN_CHINA):
    """Refuse reprojected features outside WGS-84 ranges or the China box, hinting from their source coordinates."""
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    out_of_range = outside(bounds, WGS84_BBOX)
    not_china = outside(bounds, CHINA)
    if not not_china.any():
        return
    where = "超出经纬度范围（经度 −180…180，纬度 −90…90）" if out_of_range.any() else "不在中国境内"
    bad = out_of_range if out_of_range.any() else not_china
    source = shapely.bounds(np.asarray(source_geoms, dtype=object)[bad])
    raise ImportRefused(f"{name}：第 {numbers(bad)} 个要素（共 {len(bounds)} 个）换算到 WGS-84 后{where}；"
                        f"{crs_hint(_centres(source), target.box, target.name)}")


def check_within(geoms, boundary, tolerance_m, name, community, source_geoms, target):
    """Refuse units not covered by the community's boundary widened by tolerance_m metres."""
    geoms = np.asarray(geoms, dtype=object)
    lat0 = boundary.centroid.y
    scale = np.array([METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(lat0)), METRES_PER_DEGREE_LAT])
    metric = shapely.transform(boundary, lambda xy: xy * scale)  # local equirectangular metres
    zone = shapely.transform(shapely.buffer(metric, tolerance_m), lambda xy: xy / scale)
    shapely.prepare(zone)
    bad = ~shapely.covered_by(geoms, zone)
    if not bad.any():
        return
    coords = shapely.get_coordinates(np.asarray(geoms[bad], dtype=object)) * scale
    farthest = float(np.max(shapely.distance(shapely.points(coords), metric)))
    message = (f"{name}：第 {numbers(bad)} 个要素（共 {len(geoms)} 个）超出社区 {community} 的边界"
               f"（容差 {tolerance_m:g} 米，可调 IMPORT_BOUNDARY_TOLERANCE_M），最远约 {farthest:,.0f} 米")
    if farthest > 1000:
        source = shapely.bounds(np.asarray(source_geoms, dtype=object)[bad])
        message += f"；{crs_hint(_centres(source), target.box, target.name)}"
    raise ImportRefused(message)
