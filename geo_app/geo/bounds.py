"""The one China bounding box: where input may lie, and where GCJ-02 shifts apply.

Also where imported coordinates may lie (WGS-84 ranges, a CRS's area of use) and a guess at the CRS that
would put them in place. Those checks take an (n, 4) array of feature bounds (minx, miny, maxx, maxy), as
shapely.bounds returns, and answer with a boolean mask.
"""

import functools
import logging
from typing import NamedTuple

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

logger = logging.getLogger(__name__)


class Box(NamedTuple):
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon, lat):
        """Tell whether a point lies inside the box (edges included)."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


# The rough box every public GCJ-02 implementation uses (72.004–137.8347 E, 0.8293–55.8271 N). It is generous
# (it takes in the South China Sea islands and some neighbours' land), which suits both of its uses: deciding
# whether a point is shifted, and refusing input that cannot be in a Chinese community (swapped axes, metres).
CHINA = Box(72.004, 0.8293, 137.8347, 55.8271)

# CHINA is a product rule checked at the edges (with feature numbers and a hint), not a database
# constraint: the database only enforces WGS-84 ranges (migration 0006).
WGS84_BBOX = (-180.0, -90.0, 180.0, 90.0)
# How far (degrees) outside a CRS's published area of use coordinates may still be accepted: data
# in UTM or Gauss-Krüger often runs a little past its zone (Wuhan straddles UTM 49/50 at 114°E).
AREA_OF_USE_MARGIN_DEG = 1.0


def outside(bounds, box):
    """Return a mask of the rows of bounds not inside box (non-finite bounds are outside)."""
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    xmin, ymin, xmax, ymax = box
    with np.errstate(invalid="ignore"):
        inside = ((bounds[:, 0] >= xmin) & (bounds[:, 2] <= xmax) & (bounds[:, 1] >= ymin)
                  & (bounds[:, 3] <= ymax))
    return ~(inside & np.isfinite(bounds).all(axis=1))


def widen(box, degrees):
    """Return a lon/lat box widened by degrees on every side (clamped to WGS-84 ranges)."""
    west, south, east, north = box
    return (max(west - degrees, -180.0), max(south - degrees, -90.0), min(east + degrees, 180.0),
            min(north + degrees, 90.0))


def crs_label(crs):
    """Return 'EPSG:32649（WGS 84 / UTM zone 49N）' or the CRS's name when it has no EPSG code."""
    code = epsg_code(crs)
    return f"EPSG:{code}（{crs.name}）" if code else crs.name


def epsg_code(crs):
    """Return the CRS's EPSG code when pyproj can identify it, else None."""
    try:
        return crs.to_epsg(min_confidence=70)
    except CRSError:
        return None


def area_of_use(crs):
    """Return the CRS's area of use as a lon/lat box, or None when unknown or crossing the antimeridian."""
    area = crs.area_of_use
    if area is None:
        code = epsg_code(crs)
        area = CRS.from_epsg(code).area_of_use if code else None
    if area is None or area.west > area.east:
        return None
    return area.bounds


def area_box_in_crs(crs, margin=AREA_OF_USE_MARGIN_DEG):
    """Return the CRS's area of use, widened by margin degrees, in the CRS's own units (or None if unknown)."""
    area = area_of_use(crs)
    if area is None:
        return None
    west, south, east, north = widen(area, margin)
    if crs.is_geographic:
        return west, south, east, north
    south, north = max(south, -89.0), min(north, 89.0)  # Mercator-like projections diverge at the poles
    try:
        box = _to_crs(crs.to_wkt()).transform_bounds(west, south, east, north, densify_pts=21)
    except (ProjError, CRSError) as exc:
        logger.info("no area-of-use box for %s: %s", crs.name, exc)
        return None
    return tuple(b if np.isfinite(b) else (np.inf if i >= 2 else -np.inf) for i, b in enumerate(box))


@functools.lru_cache(maxsize=32)
def _to_crs(wkt):
    crs = CRS.from_wkt(wkt)
    return Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)


@functools.lru_cache(maxsize=64)
def _to_wgs84(code):
    return Transformer.from_crs(CRS.from_epsg(code), CRS.from_epsg(4326), always_xy=True)


def looks_like(x, y):
    """Describe typical coordinates (x, y) in the source's own units: degrees, axis-swapped degrees or metres."""
    west, south, east, north = CHINA
    if south <= x <= north and west <= y <= east and not west <= x <= east:
        return "swapped"
    if abs(x) <= 180 and abs(y) <= 90:
        return "degrees"
    return "metres"


def candidate_crs(x, y, anchor_lon=None):
    """Return EPSG codes that could explain typical coordinates (x, y) of Chinese data, most likely first."""
    kind = looks_like(x, y)
    if kind == "degrees":
        return [4326, 4490]
    if kind == "swapped":
        return []
    candidates = []
    zone = int(abs(x) // 1_000_000)
    if 25 <= zone <= 45:  # CGCS2000 3° Gauss-Krüger with the zone number in front of x
        candidates.append(4513 + zone - 25)
    if 13 <= zone <= 23:  # CGCS2000 6° Gauss-Krüger with the zone number in front of x
        candidates.append(4491 + zone - 13)
    if 7_500_000 <= x <= 15_500_000 and 0 <= y <= 7_500_000:
        candidates.insert(0, 3857)
    if 100_000 <= x < 1_000_000 and 0 <= y <= 7_000_000 and anchor_lon is not None:
        cm3 = int(round(anchor_lon / 3.0)) * 3
        if 75 <= cm3 <= 135:
            candidates.append(4534 + (cm3 - 75) // 3)  # CGCS2000 3° GK, central meridian cm3, no zone prefix
        candidates.append(32600 + int((anchor_lon + 180) // 6) + 1)  # WGS 84 / UTM north
        cm6 = (int(anchor_lon // 6) + 1) * 6 - 3
        if 75 <= cm6 <= 135:
            candidates.append(4502 + (cm6 - 75) // 6)  # CGCS2000 6° GK, central meridian cm6, no zone prefix
    return candidates


def crs_hint(points, target_box, target_name):
    """Return a Chinese sentence guessing the CRS of points (array of x, y in source units) that belong in target_box."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return "坐标不是有限数值"
    x, y = np.median(points[:, 0]), np.median(points[:, 1])
    shown = f"x≈{_short(x)}, y≈{_short(y)}"
    kind = looks_like(x, y)
    if kind == "swapped":
        return f"{shown} 像是经纬度颠倒（x 应为经度、y 应为纬度）——请交换坐标轴后再导入"
    anchor_lon = (target_box[0] + target_box[2]) / 2.0
    fitting = [code for code in candidate_crs(x, y, anchor_lon) if _fits(code, points, target_box)]
    what = "经纬度（度）" if kind == "degrees" else "米制投影坐标"
    if fitting:
        codes = " 或 ".join(f"EPSG:{c}" for c in fitting[:3])
        return f"{shown} 像{what}；按 {codes} 解读时落在{target_name}内——请加 --crs EPSG:{fitting[0]}"
    if kind == "degrees":
        return f"{shown} 像{what}，但不在{target_name}内——请检查数据位置或 --crs"
    return (f"{shown} 像{what}：可能是 EPSG:3857（Web 墨卡托）或 CGCS2000 高斯-克吕格投影（EPSG:4491–4554）"
            "——请用 --crs 指定")


def _fits(code, points, box, share=0.9):
    sample = points[:: max(1, len(points) // 200)]
    try:
        lon, lat = _to_wgs84(code).transform(sample[:, 0], sample[:, 1])
    except (ProjError, CRSError):
        return False
    lonlat = np.column_stack([lon, lat, lon, lat])
    return float(np.mean(~outside(lonlat, box))) >= share


def _short(value):
    if abs(value) >= 10_000:
        return f"{value:.3g}".replace("e+0", "e").replace("e+", "e")
    return f"{value:.4g}"
