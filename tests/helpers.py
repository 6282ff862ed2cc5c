"""Helpers for tests: demo features and points inside them."""

import json
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
