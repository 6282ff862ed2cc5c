"""The public heat cells as features: the default public slice (services/public_heat.py) at its largest zoom.

A cell is a polygon with its count; its id ("z15-gy-gx") names the cell, so one cell can be read again
alone. Nothing here widens what the public heatmap shows: every answer comes from public_heat_cells.
"""

import re

from sqlalchemy import select

from ..models.case import HeatLevel
from .public_heat import public_heat_cells

CELL_ID = re.compile(r"^z(\d{1,2})-(-?\d{1,9})-(-?\d{1,9})$")
# How far inside a cell's edges the bbox of one cell stays, so that it selects that cell alone.
INSET = 1e-9


def _level(session, zoom):
    return session.execute(select(HeatLevel.clat, HeatLevel.clon).where(HeatLevel.zoom == zoom)).one()


def _cells(session, policy, bbox):
    zoom = policy.max_zoom
    level = _level(session, zoom)
    answer = public_heat_cells(session, policy, zoom=zoom, bbox=bbox)
    features = []
    for lat, lon, count in answer["cells"]:
        gy, gx = round(lat / level.clat - 0.5), round(lon / level.clon - 0.5)
        x0, y0, x1, y1 = gx * level.clon, gy * level.clat, (gx + 1) * level.clon, (gy + 1) * level.clat
        ring = [[round(x, 7), round(y, 7)] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
        features.append({"type": "Feature", "id": f"z{zoom}-{gy}-{gx}",
                         "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"count": count, "cell_m": answer["cell_m"], "slice": answer["slice"]["label"],
                                        "from": answer["slice"]["from"], "to": answer["slice"]["to"]}})
    return features


def heat_page(session, policy, bbox, limit, offset):
    """Return (features, number matched) of a page of the public heat cells overlapping bbox."""
    features = _cells(session, policy, bbox)
    return features[offset:offset + limit], len(features)


def heat_feature(session, policy, feature_id):
    """Return one public heat cell by its id, or None (also when the cell is under the public threshold)."""
    match = CELL_ID.match(str(feature_id))
    if match is None or int(match.group(1)) != policy.max_zoom:
        return None
    gy, gx = int(match.group(2)), int(match.group(3))
    level = _level(session, policy.max_zoom)
    bbox = (gx * level.clon + INSET, gy * level.clat + INSET, (gx + 1) * level.clon - INSET,
            (gy + 1) * level.clat - INSET)
    if not (-180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90):
        return None
    return next((f for f in _cells(session, policy, bbox) if f["id"] == feature_id), None)
