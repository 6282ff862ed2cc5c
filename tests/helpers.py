"""Helpers for tests: demo features and points inside them."""

import json
import math
from pathlib import Path

from shapely.geometry import shape

LAYERS = Path(__file__).resolve().parents[1] / "layers"


def demo_features(filename):
    """Return (properties, shapely geometry) for every feature of a demo layer file."""
    data = json.loads((LAYERS / filename).read_text(encoding="utf-8"))
    return [(f["properties"], shape(f["geometry"])) for f in data["features"]]


def interior_point(geom):
    """Return (lon, lat) of a point well inside a polygon."""
    p = geom.representative_point()
    return p.x, p.y


def demo_people(role=None):
    import csv

    with open(LAYERS / "people.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if role is None or r["role"] == role]


EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG)


def haversine_m(lon1, lat1, lon2, lat2):
    """Return the great-circle distance in metres between two lon/lat points (the tests' ruler)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))
