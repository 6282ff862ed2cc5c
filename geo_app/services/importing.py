"""Import and export unit layers (GeoJSON, GeoPackage, Shapefile, zipped Shapefile, KML).

A file is read whole and checked whole before anything is written; then every feature goes to
the database through COPY into a temporary table and one INSERT … ON CONFLICT, inside the
caller's transaction. Re-importing the same file changes nothing.
"""

import io
import logging
import os
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import text
from tqdm import tqdm

from ..errors import ImportRefused
from ..models import UNIT_KINDS

logger = logging.getLogger(__name__)

DEFAULT_WIDTH_M = {"street": 20.0, "lane": 6.0}
PARENT_KIND = {"lane": "street", "shop": "lane", "building": "lane"}
NAME_FIELDS = ("name", "NAME", "Name", "名称", "名字")
CODE_FIELDS = ("code", "CODE", "Code", "编码", "编号")
MAX_VERTICES_PER_FEATURE = 100_000
MAX_FEATURES = 1_000_000
MAX_ZIP_MEMBERS = 64
MAX_ZIP_UNCOMPRESSED = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200


def check_zip(path):
    """Refuse zip archives with unsafe member paths, too many members or a compression bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportRefused(f"{path}: not a readable zip archive ({exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(f"{path}: {len(members)} members, more than the {MAX_ZIP_MEMBERS} allowed")
    total = 0
    for member in members:
        name = member.filename
        if name.startswith(("/", "\\")) or ".." in Path(name.replace("\\", "/")).parts or ":" in name:
            raise ImportRefused(f"{path}: member {name!r} has an unsafe path")
        total += member.file_size
        if member.compress_size and member.file_size / member.compress_size > MAX_ZIP_RATIO:
            raise ImportRefused(f"{path}: member {name!r} expands {member.file_size // member.compress_size}× "
                                "(a compression bomb?)")
    if total > MAX_ZIP_UNCOMPRESSED:
        raise ImportRefused(f"{path}: expands to {total} bytes, more than {MAX_ZIP_UNCOMPRESSED}")


def read_features(path, layer=None, crs=None):
    """Read a layer file into a GeoDataFrame in WGS-84, refusing unreadable or CRS-less files."""
    path = str(path)
    if not os.path.exists(path):
        raise ImportRefused(f"{path}: no such file")
    source = path
    if path.lower().endswith(".zip"):
        check_zip(path)
        source = f"zip://{path}"
    elif path.lower().endswith(".shp"):
        if not os.path.exists(os.path.splitext(path)[0] + ".prj") and not crs:
            raise ImportRefused(f"{path}: the shapefile has no .prj, so its coordinate system is unknown; "
                                "pass --crs (e.g. EPSG:4490)")
    try:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise ImportRefused(f"{path}: cannot read the file ({type(exc).__name__}: {exc})") from None
    if frame.crs is None:
        if not crs:
            raise ImportRefused(f"{path}: the file declares no coordinate system; pass --crs (e.g. EPSG:4326 "
                                "or EPSG:4490 for CGCS2000)")
        frame = frame.set_crs(_parse_crs(crs))
    elif crs:
        logger.info("%s declares %s; --crs %s ignored", path, frame.crs, crs)
    return frame


def _parse_crs(value):
    try:
        return CRS.from_user_input(value)
    except CRSError as exc:
        raise ImportRefused(f"--crs {value!r} is not a coordinate system pyproj knows ({exc})") from None


def _pick_field(frame, wanted, fallbacks, path, what, required):
    if wanted:
        if wanted not in frame.columns:
            raise ImportRefused(f"{path}: no {what} field {wanted!r}; fields are {', '.join(map(str, frame.columns))}")
        return wanted
    for name in fallbacks:
        if name in frame.columns:
            return name
    if required:
        raise ImportRefused(f"{path}: no {what} field (looked for {', '.join(fallbacks)}); "
                            f"pass --{what}-field; fields are {', '.join(map(str, frame.columns))}")
    return None


def _text(value):
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    value = str(value).strip()
    return value or None


def prepare_polygons(frame, path, kind, street_width=None, make_valid=False, progress=False):
    """Return a list of MultiPolygons in WGS-84, one per feature, or refuse naming the feature."""
    geoms = np.array(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise ImportRefused(f"{path}: feature {int(np.argmax(missing)) + 1} has no geometry")
    vertices = shapely.get_num_coordinates(geoms)
    if (vertices > MAX_VERTICES_PER_FEATURE).any():
        number = int(np.argmax(vertices > MAX_VERTICES_PER_FEATURE))
        raise ImportRefused(f"{path}: feature {number + 1} has {vertices[number]} vertices, more than the "
                            f"{MAX_VERTICES_PER_FEATURE} allowed (simplify it first)")
    types = shapely.get_type_id(geoms)  # 1 LineString, 3 Polygon, 5 MultiLineString, 6 MultiPolygon
    lines = np.isin(types, (1, 5))
    other = ~np.isin(types, (1, 3, 5, 6))
    if other.any():
        number = int(np.argmax(other))
        raise ImportRefused(f"{path}: feature {number + 1} is a {geoms[number].geom_type}; a {kind} needs a polygon")
    if lines.any():
        if kind not in ("street", "lane"):
            number = int(np.argmax(lines))
            raise ImportRefused(f"{path}: feature {number + 1} is a line; only street and lane centrelines "
                                f"are buffered, a {kind} needs a polygon")
        metric = frame.estimate_utm_crs()
        width = street_width or DEFAULT_WIDTH_M[kind]
        buffered = gpd.GeoSeries(geoms[lines], crs=frame.crs).to_crs(metric).buffer(width / 2.0, cap_style="flat")
        geoms[lines] = np.array(buffered.to_crs(frame.crs).values, dtype=object)
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    iterator = tqdm(invalid, desc=f"repairing {Path(path).name}", unit="feature") if progress and len(invalid) else invalid
    for index in iterator:
        reason = shapely.is_valid_reason(geoms[index])
        if not make_valid:
            raise ImportRefused(f"{path}: feature {index + 1} has an invalid geometry: {reason} "
                                "(fix it, or pass --make-valid)")
        repaired = _polygonal_part(shapely.make_valid(geoms[index]))
        if repaired is None:
            raise ImportRefused(f"{path}: feature {index + 1} has no polygonal part after repair ({reason})")
        geoms[index] = repaired
    series = gpd.GeoSeries(geoms, crs=frame.crs)
    if series.crs and not series.crs.equals(CRS.from_epsg(4326)):
        series = series.to_crs(4326)
    result = np.array(series.values, dtype=object)
    for index in np.flatnonzero(~shapely.is_valid(result)):
        repaired = _polygonal_part(shapely.make_valid(result[index]))
        if repaired is None:
            raise ImportRefused(f"{path}: feature {index + 1} collapses when reprojected to WGS-84")
        result[index] = repaired
    single = shapely.get_type_id(result) == 3
    result[single] = [MultiPolygon([g]) for g in result[single]]
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
        raise ImportRefused(f"no community with code {code!r} (known: {', '.join(known) or 'none'})",
                            field="community", status=404)
    return found


def import_layer(session, path, kind, community_code, *, name_field=None, code_field=None, parent_field=None,
                 layer=None, street_width=None, make_valid=False, crs=None, progress=None):
    """Import one layer file of units; return counts of inserted, updated and unchanged features."""
    if kind not in UNIT_KINDS:
        raise ImportRefused(f"kind must be one of {', '.join(UNIT_KINDS)}, got {kind!r}", field="kind")
    if street_width is not None and not (0 < street_width <= 200):
        raise ImportRefused(f"--street-width must be between 0 and 200 metres, got {street_width}")
    progress = sys.stderr.isatty() if progress is None else progress
    cid = community_id(session, community_code)
    frame = read_features(path, layer=layer, crs=crs)
    if frame.empty:
        raise ImportRefused(f"{path}: the layer has no features")
    if len(frame) > MAX_FEATURES:
        raise ImportRefused(f"{path}: {len(frame)} features, more than the {MAX_FEATURES} allowed in one file")
    name_col = _pick_field(frame, name_field, NAME_FIELDS, path, "name", required=True)
    code_col = _pick_field(frame, code_field, CODE_FIELDS, path, "code", required=False)
    parent_col = _pick_field(frame, parent_field, ("parent", "parent_code"), path, "parent", required=False)
    address_col = _pick_field(frame, None, ("address", "ADDRESS", "地址"), path, "address", required=False)

    def column(name):
        return [_text(v) for v in frame[name].tolist()] if name else [None] * len(frame)

    rows = []
    seen = {}
    for number, (name, code, address, parent) in enumerate(
            zip(column(name_col), column(code_col), column(address_col), column(parent_col), strict=True), start=1):
        if not name:
            raise ImportRefused(f"{path}: feature {number} has an empty {name_col!r}")
        key = code or name
        if key in seen:
            raise ImportRefused(f"{path}: features {seen[key]} and {number} share the key {key!r}")
        seen[key] = number
        rows.append({"number": number, "name": name[:200], "code": code, "key": key, "address": address,
                     "parent": parent})
    geoms = prepare_polygons(frame, path, kind, street_width, make_valid, progress)
    _spatial_parents(session, cid, kind, rows, geoms)
    counts = _upsert_units(session, cid, kind, rows, geoms, os.path.basename(str(path)))
    _link_parents(session, cid, kind, path)
    logger.info("imported %s as %s into %s: %s", path, kind, community_code, counts)
    return counts


def _copy_text(value):
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _upsert_units(session, cid, kind, rows, geoms, source_file):
    wkb = shapely.to_wkb(np.array(geoms, dtype=object), hex=True, include_srid=False)
    buffer = io.StringIO()
    for row, geom_hex in zip(rows, wkb, strict=True):
        fields = (row["key"], row["code"], row["name"], row["address"], geom_hex, source_file, row["number"],
                  row["parent"])
        buffer.write("\t".join(_copy_text(f) for f in fields) + "\n")
    buffer.seek(0)
    raw = session.connection().connection
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS unit_import (natural_key text, code text, name text, address text, "
            "geom_hex text, source_file text, source_feature int, parent text) ON COMMIT DROP"
        )
        cur.execute("TRUNCATE unit_import")
        cur.copy_expert("COPY unit_import FROM STDIN", buffer)
        cur.execute("ANALYZE unit_import")  # a temp table has no statistics; without them the joins go quadratic
    result = session.execute(
        text(
            """
            WITH incoming AS (
                SELECT natural_key, code, name, address,
                       ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(geom_hex, 'hex')), 4326)) AS geom,
                       source_file, source_feature
                FROM unit_import
            ), upserted AS (
                INSERT INTO unit (community_id, kind, natural_key, code, name, address, geom, source_file, source_feature)
                SELECT :cid, :kind, natural_key, code, name, address, geom, source_file, source_feature FROM incoming
                ON CONFLICT (community_id, kind, natural_key) DO UPDATE
                SET code = EXCLUDED.code, name = EXCLUDED.name, address = EXCLUDED.address, geom = EXCLUDED.geom,
                    source_file = EXCLUDED.source_file, source_feature = EXCLUDED.source_feature, updated_at = now()
                WHERE (unit.code, unit.name, unit.address, unit.source_file, unit.source_feature)
                      IS DISTINCT FROM (EXCLUDED.code, EXCLUDED.name, EXCLUDED.address, EXCLUDED.source_file,
                                        EXCLUDED.source_feature)
                   OR NOT ST_Equals(unit.geom, EXCLUDED.geom)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
            """
        ),
        {"cid": cid, "kind": kind},
    ).one()
    inserted, updated = result
    return {"features": len(rows), "inserted": inserted, "updated": updated,
            "unchanged": len(rows) - inserted - updated}


def _link_parents(session, cid, kind, path):
    """Set parent_id from the parent codes: the file's own, or those _spatial_parents found, in one join."""
    parent_kind = PARENT_KIND.get(kind)
    if parent_kind is None:
        return
    params = {"cid": cid, "kind": kind, "pk": parent_kind}
    unknown = session.execute(
        text("""SELECT i.source_feature, i.parent FROM unit_import i
                LEFT JOIN unit p ON p.community_id = :cid AND p.kind = :pk AND p.natural_key = i.parent
                WHERE i.parent IS NOT NULL AND p.id IS NULL ORDER BY i.source_feature LIMIT 1"""),
        params,
    ).first()
    if unknown is not None:
        raise ImportRefused(f"{path}: feature {unknown.source_feature} names parent {parent_kind} {unknown.parent!r}, "
                            f"which is not imported yet (import the {parent_kind} layer first)")
    session.execute(
        text("""UPDATE unit AS u SET parent_id = p.id
                FROM unit_import i JOIN unit p ON p.community_id = :cid AND p.kind = :pk AND p.natural_key = i.parent
                WHERE u.community_id = :cid AND u.kind = :kind AND u.natural_key = i.natural_key
                  AND u.parent_id IS DISTINCT FROM p.id"""),
        params,
    )


def _spatial_parents(session, cid, kind, rows, geoms):
    """Name, for each feature without a parent, the smallest unit of the parent kind covering a point on it."""
    parent_kind = PARENT_KIND.get(kind)
    orphans = [i for i, row in enumerate(rows) if not row["parent"]]
    if parent_kind is None or not orphans:
        return
    parents = session.execute(
        text("SELECT id, natural_key, ST_AsBinary(geom) AS wkb, ST_Area(geom) AS area FROM unit "
             "WHERE community_id = :cid AND kind = :pk ORDER BY id"),
        {"cid": cid, "pk": parent_kind},
    ).all()
    if not parents:
        return
    tree = shapely.STRtree(shapely.from_wkb([bytes(p.wkb) for p in parents]))
    points = shapely.point_on_surface(np.array([geoms[i] for i in orphans], dtype=object))
    point_index, parent_index = tree.query(points, predicate="covered_by")
    best = {}
    for pi, ti in zip(point_index.tolist(), parent_index.tolist(), strict=True):
        rank = (parents[ti].area, parents[ti].id)
        if pi not in best or rank < best[pi][0]:
            best[pi] = (rank, parents[ti].natural_key)
    for pi, (_, key) in best.items():
        rows[orphans[pi]]["parent"] = key


def export_layer(session, kind, community_code, fmt, out):
    """Write a community's units of one kind to a GeoPackage or GeoJSON file; return the count."""
    if kind not in UNIT_KINDS:
        raise ImportRefused(f"kind must be one of {', '.join(UNIT_KINDS)}, got {kind!r}", field="kind")
    drivers = {"gpkg": "GPKG", "geojson": "GeoJSON"}
    if fmt not in drivers:
        raise ImportRefused(f"format must be gpkg or geojson, got {fmt!r}", field="format")
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
