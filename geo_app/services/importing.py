"""Import and export unit layers (GeoJSON, GeoPackage, Shapefile, zipped Shapefile, KML).

A file is read whole (through layer_files, which lets GDAL see only that file) and checked whole before
anything is written: limits, its CRS and where its features lie (placement), the geometries themselves.
Columns are handled as arrays (pandas, shapely 2's vectorised functions), never feature by feature in Python;
parents are resolved to ids before writing, so every feature, its parent included, goes to the database
through one COPY into a temporary table and one INSERT … ON CONFLICT, inside the caller's transaction.
Re-importing the same file changes nothing.

geopandas and pandas are imported by the functions that use them: every process imports this module (through
``community_id``), few read or write a layer file, and the two cost a third of the app's start-up.
"""

import csv
import io
import logging
import os
import sys

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import text
from tqdm import tqdm

from ..errors import ImportRefused
from ..models import UNIT_KIND_LABELS, UNIT_KINDS
from .layer_files import ImportLimits, check_zip, read_layer_file
from .placement import IN_CHINA, check_area_of_use, check_wgs84, check_within, community_target, resolve_crs

__all__ = ["ImportLimits", "check_zip", "community_id", "export_layer", "import_layer", "prepare_polygons",
           "read_features"]

logger = logging.getLogger(__name__)

DEFAULT_WIDTH_M = {"street": 20.0, "lane": 6.0}
PARENT_KIND = {"lane": "street", "shop": "lane", "building": "lane"}
NAME_FIELDS = ("name", "NAME", "Name", "名称", "名字")
CODE_FIELDS = ("code", "CODE", "Code", "编码", "编号")
MAX_VERTICES_PER_FEATURE = 100_000
KIND_LABELS = {**UNIT_KIND_LABELS, "community": "社区边界"}
FIELD_LABELS = {"name": "名称", "code": "编码", "parent": "上级编码", "address": "地址"}


def read_features(path, layer=None, crs=None, limits=None, target=IN_CHINA):
    """Read a layer file in its source CRS (--crs winning), checked against the limits and the CRS's area of use.

    Notices for the user (e.g. that --crs replaced a declared CRS) are in ``frame.attrs["notices"]``.
    """
    limits = limits or ImportLimits.from_config()
    name = str(path)
    frame, fmt, declares_crs = read_layer_file(path, layer=layer, limits=limits)
    notices = []
    frame = resolve_crs(frame, fmt, declares_crs, crs, name, notices)
    vertices = int(shapely.get_num_coordinates(np.asarray(frame.geometry.values, dtype=object)).sum())
    if vertices > limits.max_vertices:
        raise ImportRefused(f"{name}：共 {vertices:,} 个顶点，超过每个文件的上限 {limits.max_vertices:,} 个"
                            "（IMPORT_MAX_VERTICES，可由管理员在环境变量或 instance/config.py 中调整）；"
                            "请先简化几何或分文件导入")
    check_area_of_use(frame, name, target)
    frame.attrs["notices"] = notices
    return frame


def _pick_field(frame, wanted, fallbacks, path, what, required):
    if wanted:
        if wanted not in frame.columns:
            raise ImportRefused(f"{path}：没有{FIELD_LABELS[what]}字段 {wanted!r}；文件的字段有 {_columns(frame)}")
        return wanted
    for name in fallbacks:
        if name in frame.columns:
            return name
    if required:
        raise ImportRefused(f"{path}：找不到{FIELD_LABELS[what]}字段（找过 {', '.join(fallbacks)}）；"
                            f"请用 --{what}-field 指定；文件的字段有 {_columns(frame)}")
    return None


def _columns(frame):
    return ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)


def prepare_polygons(frame, path, kind, street_width=None, make_valid=False, progress=False, target=IN_CHINA):
    """Return a list of MultiPolygons in WGS-84, one per feature, or refuse naming the feature."""
    import geopandas as gpd

    source = np.array(frame.geometry.values, dtype=object)
    geoms = source.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise ImportRefused(f"{path}：第 {int(np.argmax(missing)) + 1} 个要素没有几何")
    vertices = shapely.get_num_coordinates(geoms)
    if (vertices > MAX_VERTICES_PER_FEATURE).any():
        number = int(np.argmax(vertices > MAX_VERTICES_PER_FEATURE))
        raise ImportRefused(f"{path}：第 {number + 1} 个要素有 {vertices[number]:,} 个顶点，超过每个要素的上限 "
                            f"{MAX_VERTICES_PER_FEATURE:,} 个（请先简化）")
    types = shapely.get_type_id(geoms)  # 1 LineString, 3 Polygon, 5 MultiLineString, 6 MultiPolygon
    lines = np.isin(types, (1, 5))
    other = ~np.isin(types, (1, 3, 5, 6))
    label = KIND_LABELS.get(kind, kind)
    if other.any():
        number = int(np.argmax(other))
        raise ImportRefused(f"{path}：第 {number + 1} 个要素是 {geoms[number].geom_type}，{label}需要面（Polygon）")
    if lines.any():
        if kind not in ("street", "lane"):
            number = int(np.argmax(lines))
            raise ImportRefused(f"{path}：第 {number + 1} 个要素是线；只有街/路和巷的中心线会按宽度缓冲成面，"
                                f"{label}需要面（Polygon）")
        metric = frame.estimate_utm_crs()
        width = street_width or DEFAULT_WIDTH_M[kind]
        buffered = gpd.GeoSeries(geoms[lines], crs=frame.crs).to_crs(metric).buffer(width / 2.0, cap_style="flat")
        geoms[lines] = np.array(buffered.to_crs(frame.crs).values, dtype=object)
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    iterator = (tqdm(invalid, desc=f"repairing {os.path.basename(str(path))}", unit="feature")
                if progress and len(invalid) else invalid)
    for index in iterator:
        reason = shapely.is_valid_reason(geoms[index])
        if not make_valid:
            raise ImportRefused(f"{path}：第 {index + 1} 个要素的几何无效：{reason}（请修正，或加 --make-valid 自动修复）")
        repaired = _polygonal_part(shapely.make_valid(geoms[index]))
        if repaired is None:
            raise ImportRefused(f"{path}：第 {index + 1} 个要素修复后没有面状部分（{reason}）")
        geoms[index] = repaired
    series = gpd.GeoSeries(geoms, crs=frame.crs)
    if series.crs and not series.crs.equals(CRS.from_epsg(4326)):
        series = series.to_crs(4326)
    result = np.array(series.values, dtype=object)
    check_wgs84(result, source, str(path), target)
    for index in np.flatnonzero(~shapely.is_valid(result)):
        repaired = _polygonal_part(shapely.make_valid(result[index]))
        if repaired is None:
            raise ImportRefused(f"{path}：第 {index + 1} 个要素换算到 WGS-84 后退化（没有面积）")
        result[index] = repaired
    single = np.flatnonzero(shapely.get_type_id(result) == 3)
    if len(single):
        result[single] = shapely.multipolygons(result[single], indices=np.arange(len(single)))
    return list(result)


def _polygonal_part(geom):
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    if not parts:
        return None
    return shapely.union_all(parts)


def community_id(session, code):
    """Return the id of the community with this code, or refuse."""
    found = session.execute(text("SELECT id FROM community WHERE code = :code"), {"code": code}).scalar()
    if found is None:
        known = [r[0] for r in session.execute(text("SELECT code FROM community ORDER BY code"))]
        raise ImportRefused(f"没有编码为 {code!r} 的社区（已有：{', '.join(known) or '无'}）",
                            field="community", status=404)
    return found


def community_boundary(session, cid):
    """Return a community's boundary as a shapely geometry in WGS-84."""
    wkb = session.execute(text("SELECT ST_AsBinary(boundary) FROM community WHERE id = :id"), {"id": cid}).scalar()
    return shapely.from_wkb(bytes(wkb))


def import_layer(session, path, kind, community_code, *, name_field=None, code_field=None, parent_field=None,
                 layer=None, street_width=None, make_valid=False, crs=None, progress=None, limits=None):
    """Import one layer file of units; return counts of inserted, updated and unchanged features (and notices)."""
    import pandas as pd

    if kind not in UNIT_KINDS:
        raise ImportRefused(f"kind 应为 {', '.join(UNIT_KINDS)} 之一，收到 {kind!r}", field="kind")
    if street_width is not None and not (0 < street_width <= 200):
        raise ImportRefused(f"--street-width 应在 0 到 200 米之间，收到 {street_width}", field="street_width")
    progress = sys.stderr.isatty() if progress is None else progress
    limits = limits or ImportLimits.from_config()
    cid = community_id(session, community_code)
    boundary = community_boundary(session, cid)
    target = community_target(boundary, community_code)
    frame = read_features(path, layer=layer, crs=crs, limits=limits, target=target)
    if frame.empty:
        raise ImportRefused(f"{path}：图层里没有要素")
    name_col = _pick_field(frame, name_field, NAME_FIELDS, path, "name", required=True)
    code_col = _pick_field(frame, code_field, CODE_FIELDS, path, "code", required=False)
    parent_col = _pick_field(frame, parent_field, ("parent", "parent_code"), path, "parent", required=False)
    address_col = _pick_field(frame, None, ("address", "ADDRESS", "地址"), path, "address", required=False)

    names, codes, addresses, parents = (_text_column(frame, col) for col in (name_col, code_col, address_col, parent_col))
    blank = names.isna().to_numpy()
    if blank.any():
        raise ImportRefused(f"{path}：第 {int(np.argmax(blank)) + 1} 个要素的 {name_col!r} 为空")
    keys = codes.fillna(names)
    repeated = keys.duplicated().to_numpy()
    if repeated.any():
        second = int(np.argmax(repeated))
        first = int(np.argmax((keys == keys.iloc[second]).to_numpy()))
        raise ImportRefused(f"{path}：第 {first + 1} 和第 {second + 1} 个要素的编码（或名称）都是 {keys.iloc[second]!r}")
    geoms = prepare_polygons(frame, path, kind, street_width, make_valid, progress, target=target)
    check_within(geoms, boundary, limits.boundary_tolerance_m, str(path), community_code,
                 frame.geometry.values, target)
    units = pd.DataFrame({"natural_key": keys, "code": codes, "name": names.str.slice(0, 200), "address": addresses,
                          "geom_hex": shapely.to_wkb(np.array(geoms, dtype=object), hex=True, include_srid=False),
                          "source_file": os.path.basename(str(path)), "source_feature": np.arange(1, len(frame) + 1),
                          "parent_id": _parent_ids(session, cid, kind, parents, geoms, path)})
    counts = _upsert_units(session, cid, kind, units)
    logger.info("imported %s as %s into %s: %s", path, kind, community_code, counts)
    return {**counts, "notices": frame.attrs.get("notices", [])}


def _text_column(frame, name):
    """Return a column as stripped text, blanks and NaN as missing (all missing without a column)."""
    import pandas as pd

    if not name:
        return pd.Series([None] * len(frame), dtype=object)
    values = frame[name].reset_index(drop=True)
    cleaned = values[values.notna()].astype(str).str.strip()
    cleaned = cleaned[cleaned != ""]
    result = pd.Series([None] * len(values), dtype=object)
    result[cleaned.index] = cleaned.to_numpy(dtype=object)
    return result


def _upsert_units(session, cid, kind, units):
    """COPY the features, their parents already resolved, into a temporary table; upsert them in one statement."""
    buffer = io.StringIO()
    # Every field quoted (a bare carriage return is refused by COPY); "" is NULL (FORCE_NULL): no text is blank.
    units.astype({"parent_id": "Int64"}).to_csv(buffer, sep="\t", header=False, index=False, lineterminator="\n",
                                                quoting=csv.QUOTE_ALL)
    buffer.seek(0)
    raw = session.connection().connection
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS unit_import (natural_key text, code text, name text, address text, "
            "geom_hex text, source_file text, source_feature int, parent_id int) ON COMMIT DROP"
        )
        cur.execute("TRUNCATE unit_import")
        cur.copy_expert("COPY unit_import FROM STDIN (FORMAT csv, DELIMITER E'\\t', "
                        "FORCE_NULL (natural_key, code, name, address, parent_id))", buffer)
    result = session.execute(
        text(
            """
            WITH incoming AS (
                SELECT natural_key, code, name, address,
                       ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(geom_hex, 'hex')), 4326)) AS geom,
                       source_file, source_feature, parent_id
                FROM unit_import
            ), upserted AS (
                INSERT INTO unit (community_id, kind, natural_key, code, name, address, geom, source_file, source_feature,
                                  parent_id)
                SELECT :cid, :kind, natural_key, code, name, address, geom, source_file, source_feature, parent_id
                FROM incoming
                ON CONFLICT (community_id, kind, natural_key) DO UPDATE
                SET code = EXCLUDED.code, name = EXCLUDED.name, address = EXCLUDED.address, geom = EXCLUDED.geom,
                    source_file = EXCLUDED.source_file, source_feature = EXCLUDED.source_feature,
                    parent_id = EXCLUDED.parent_id, updated_at = now()
                WHERE (unit.code, unit.name, unit.address, unit.source_file, unit.source_feature, unit.parent_id)
                      IS DISTINCT FROM (EXCLUDED.code, EXCLUDED.name, EXCLUDED.address, EXCLUDED.source_file,
                                        EXCLUDED.source_feature, EXCLUDED.parent_id)
                   OR NOT ST_Equals(unit.geom, EXCLUDED.geom)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
            """
        ),
        {"cid": cid, "kind": kind},
    ).one()
    inserted, updated = result
    return {"features": len(units), "inserted": inserted, "updated": updated,
            "unchanged": len(units) - inserted - updated}


def _parent_ids(session, cid, kind, parents, geoms, path):
    """Return each feature's parent unit id: by the file's parent code, else the smallest parent-kind unit covering
    a point on it (None where neither finds one); refuse a parent code that names no unit yet."""
    import pandas as pd

    parent_kind = PARENT_KIND.get(kind)
    if parent_kind is None:
        return pd.array([None] * len(parents), dtype="Int64")
    orphans = np.flatnonzero(parents.isna().to_numpy())
    found = session.execute(
        text("SELECT id, natural_key, ST_Area(geom) AS area"
             + (", ST_AsBinary(geom) AS wkb" if len(orphans) else "")
             + " FROM unit WHERE community_id = :cid AND kind = :pk ORDER BY id"),
        {"cid": cid, "pk": parent_kind},
    ).all()
    ids = parents.map({row.natural_key: row.id for row in found})
    unknown = (parents.notna() & ids.isna()).to_numpy()
    if unknown.any():
        number = int(np.argmax(unknown))
        label = KIND_LABELS[parent_kind]
        raise ImportRefused(f"{path}：第 {number + 1} 个要素的上级{label} {parents.iloc[number]!r} 还没有导入"
                            f"（请先导入{label}图层）")
    ids = ids.astype("Int64").array
    if len(orphans) and found:
        tree = shapely.STRtree(shapely.from_wkb([bytes(row.wkb) for row in found]))
        points = shapely.point_on_surface(np.array(geoms, dtype=object)[orphans])
        point_index, tree_index = tree.query(points, predicate="covered_by")
        areas = np.array([row.area for row in found])
        # The smallest covering parent (then the lowest id: `found` is in id order) of each point.
        order = np.lexsort((tree_index, areas[tree_index], point_index))
        points_with_parent, first = np.unique(point_index[order], return_index=True)
        best = tree_index[order][first]
        ids[orphans[points_with_parent]] = np.array([found[i].id for i in best])
    return ids


def export_layer(session, kind, community_code, fmt, out):
    """Write a community's units of one kind to a GeoPackage or GeoJSON file; return the count."""
    import geopandas as gpd

    if kind not in UNIT_KINDS:
        raise ImportRefused(f"kind 应为 {', '.join(UNIT_KINDS)} 之一，收到 {kind!r}", field="kind")
    drivers = {"gpkg": "GPKG", "geojson": "GeoJSON"}
    if fmt not in drivers:
        raise ImportRefused(f"format 应为 gpkg 或 geojson，收到 {fmt!r}", field="format")
    cid = community_id(session, community_code)
    frame = gpd.read_postgis(
        text(
            """
            SELECT u.code, u.name, u.address, p.natural_key AS parent, u.source_file, u.source_feature, u.geom
            FROM unit u LEFT JOIN unit p ON p.id = u.parent_id
            WHERE u.community_id = :cid AND u.kind = :kind ORDER BY u.id
            """
        ),
        session.connection(),
        geom_col="geom",
        params={"cid": cid, "kind": kind},
    )
    if frame.crs is None:
        frame = frame.set_crs(4326)
    root, suffix = os.path.splitext(str(out))
    tmp = f"{root}.partial-{os.getpid()}{suffix}"
    frame.to_file(tmp, driver=drivers[fmt], layer=kind if fmt == "gpkg" else None, engine="pyogrio")
    os.replace(tmp, out)
    return len(frame)
