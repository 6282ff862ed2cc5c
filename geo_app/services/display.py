"""Geometry for display: simplified for a zoom and bounded in total size, whatever was imported.

A street imported with 100,000 vertices is drawn with as many as its shape needs at the zoom the
browser shows it (half a pixel of error), and one answer carries at most ``max_vertices`` vertices in
all: each feature first gets its share of that budget (a coarser tolerance for a feature too detailed
for its share), and an answer still over the budget is refused rather than sent.
"""

import json
import logging
import math
from dataclasses import dataclass

from sqlalchemy import Float, Integer, bindparam, case, func, select

from ..errors import AppError
from ..models import Community, Unit
from .queries import community_id_of

logger = logging.getLogger(__name__)

REFERENCE_LAT = 23.0
METRES_PER_DEGREE = 111_320.0
# Pages are drawn exact to half a pixel up to this zoom (a street at zoom 18 is ~0.6 m a pixel).
PAGE_ZOOM = 18
MIN_FEATURE_VERTICES = 64
UNITS = Unit.__table__
COMMUNITIES = Community.__table__


class TooDetailed(AppError):
    """An answer would carry more vertices than the public may be sent."""

    status = 413
    code = "too_detailed"


@dataclass(frozen=True)
class Display:
    """How detailed geometry sent to a browser may be: the zoom it is drawn at and a vertex budget."""

    zoom: int = PAGE_ZOOM
    max_vertices: int = 20_000

    @property
    def tolerance_deg(self):
        """Half a screen pixel at this zoom, in degrees."""
        metres_per_pixel = 156_543.03 * math.cos(math.radians(REFERENCE_LAT)) / (2 ** self.zoom)
        return metres_per_pixel / 2 / METRES_PER_DEGREE

    @property
    def digits(self):
        """Decimal places of a coordinate that keep a tenth of that pixel."""
        return max(4, min(7, math.ceil(-math.log10(self.tolerance_deg / 5))))

    def params(self):
        """Bind parameters of geometry_sql()."""
        return {"display_tol": self.tolerance_deg, "display_cap": self.max_vertices,
                "display_min": MIN_FEATURE_VERTICES, "display_digits": self.digits}

    def check(self, total, what):
        """Refuse an answer whose simplified geometry still has more vertices than the budget."""
        if total > self.max_vertices:
            logger.warning("%s: %d vertices after simplification, over the budget of %d", what, total,
                           self.max_vertices)
            raise TooDetailed(f"{what}的图形过于复杂（简化后仍有 {total} 个顶点，上限 {self.max_vertices}），"
                              "请缩小范围或联系管理员简化图层 (geometry too detailed to send)")


def simplified(column):
    """Return column simplified to the display tolerance, coarser first when a feature exceeds its share of the budget.

    A feature over its share is first cut down by plain Douglas-Peucker (fast, linear-ish) at a tolerance of its
    length over its share, then every feature goes through ST_SimplifyPreserveTopology at half a pixel.
    Needs to sit in a SELECT over the features of one answer (it uses count(*) OVER () for the share); the
    values of the bind parameters come from Display.params().
    """
    tolerance = bindparam("display_tol", type_=Float)
    share = func.greatest(bindparam("display_min", type_=Integer),
                          bindparam("display_cap", type_=Integer) / func.count().over())
    length = func.ST_Perimeter(column) + func.ST_Length(column)
    coarse = case((func.ST_NPoints(column) > share, func.ST_Simplify(column, func.greatest(tolerance, length / share),
                                                                      True)),
                  else_=column)
    return func.ST_SimplifyPreserveTopology(coarse, tolerance)


def as_geojson(geometry):
    """Return a simplified geometry as GeoJSON text at the display precision."""
    return func.ST_AsGeoJSON(geometry, bindparam("display_digits", type_=Integer))


def display_units(session, community_code, kind, display):
    """Return a community's units of a kind as GeoJSON with only id, code and name, simplified for display."""
    shapes = (select(UNITS.c.id, UNITS.c.code, UNITS.c.name, simplified(UNITS.c.geom).label("g"))
              .where(UNITS.c.community_id == community_id_of(community_code), UNITS.c.kind == kind).subquery())
    rows = session.execute(select(shapes.c.id, shapes.c.code, shapes.c.name, as_geojson(shapes.c.g).label("geojson"),
                                  func.ST_NPoints(shapes.c.g).label("vertices")).order_by(shapes.c.id),
                           display.params()).all()
    display.check(sum(r.vertices for r in rows), f"{community_code} 的图层")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r.id, "geometry": json.loads(r.geojson),
         "properties": {"id": r.id, "code": r.code, "name": r.name}} for r in rows]}


def display_boundary(session, community_code, display):
    """Return a community's boundary (GeoJSON geometry or None), simplified for display."""
    shape = select(simplified(COMMUNITIES.c.boundary).label("g")).where(COMMUNITIES.c.code == community_code).subquery()
    row = session.execute(select(as_geojson(shape.c.g).label("geojson"), func.ST_NPoints(shape.c.g).label("vertices")),
                          display.params()).first()
    if row is None or row.geojson is None:
        return None
    display.check(row.vertices, f"{community_code} 的边界")
    return json.loads(row.geojson)
