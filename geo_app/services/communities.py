"""Communities: create or update one from a boundary file."""

import logging

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import text

from ..errors import ImportRefused
from .importing import prepare_polygons, read_features

logger = logging.getLogger(__name__)


def import_community(session, path, code=None, name=None, crs=None, limits=None, notices=None):
    """Create or update the community whose boundary is the file's single polygon feature; return its code.

    The boundary gets the same checks as a unit layer (CRS, area of use, WGS-84 ranges, the China box);
    notices for the user (e.g. that --crs replaced a declared CRS) are appended to notices.
    """
    frame = read_features(path, crs=crs, limits=limits)
    if len(frame) != 1:
        raise ImportRefused(f"{path}：社区边界文件应正好有一个要素，实际有 {len(frame)} 个")
    props = frame.iloc[0]
    code = code or props.get("code")
    name = name or props.get("name")
    if not code or not name:
        raise ImportRefused(f"{path}：社区需要编码和名称（字段 code 和 name，或 --code / --name）")
    boundary = prepare_polygons(frame, path, "community")[0]
    town = props.get("town") if "town" in frame.columns else None
    session.execute(
        text(
            """
            INSERT INTO community (code, name, town, boundary)
            VALUES (:code, :name, :town, ST_Multi(ST_GeomFromText(:wkt, 4326)))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, town = EXCLUDED.town,
                boundary = EXCLUDED.boundary, updated_at = now()
            WHERE (community.name, community.town) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.town)
               OR NOT ST_Equals(community.boundary, EXCLUDED.boundary)
            """
        ),
        {"code": code, "name": name, "town": town, "wkt": shapely.to_wkt(MultiPolygon(boundary.geoms))},
    )
    if notices is not None:
        notices.extend(frame.attrs.get("notices", []))
    logger.info("community %s (%s) imported from %s", code, name, path)
    return code
