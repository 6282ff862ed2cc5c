"""Case heat, aggregated on the server into square cells sized to the zoom."""

import logging
import math

from sqlalchemy import text

from .cases import case_filters_sql

logger = logging.getLogger(__name__)

METRES_PER_DEGREE_LAT = 111_320.0
# Cell edge for a zoom: about 24 screen pixels at that zoom at ~23°N, clamped to 10 m … 20 km.
PIXELS_PER_CELL = 24


def cell_size_m(zoom):
    """Return the cell edge in metres for a Web-Mercator zoom level."""
    metres_per_pixel = 156_543.03 * math.cos(math.radians(23)) / (2 ** zoom)
    return max(10.0, min(20_000.0, round(metres_per_pixel * PIXELS_PER_CELL, 1)))


def heat_cells(session, filters, zoom=16, min_count=1):
    """Return {"cell_m", "cells": [[lat, lon, count], …]} for the cases matching filters."""
    cell_m = cell_size_m(zoom)
    cell_lat = cell_m / METRES_PER_DEGREE_LAT
    cell_lon = cell_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(23)))
    where, params = case_filters_sql(filters)
    sql = f"""
        SELECT floor(ST_Y(c.geom) / :clat) AS gy, floor(ST_X(c.geom) / :clon) AS gx, count(*) AS n
        FROM civic_case c
        {'WHERE ' + ' AND '.join(where) if where else ''}
        GROUP BY 1, 2 HAVING count(*) >= :min_count ORDER BY 1, 2
    """
    rows = session.execute(text(sql), {**params, "clat": cell_lat, "clon": cell_lon, "min_count": min_count})
    cells = [[round((gy + 0.5) * cell_lat, 6), round((gx + 0.5) * cell_lon, 6), n] for gy, gx, n in rows]
    return {"cell_m": cell_m, "cells": cells}
