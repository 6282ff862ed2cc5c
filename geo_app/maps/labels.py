"""Name labels drawn from our own layers, so a map without a basemap (the offline default) is readable.

Streets and lanes are strips (buffered centrelines): their name sits at the strip's middle, turned along its
long axis. Buildings get their name at their inside point; the page shows those from zoom 17 on
(static/js/labels.js). Framework-free: the caller passes the units FeatureCollection (WGS-84).
"""

from __future__ import annotations

import math

from shapely.geometry import Point, shape

from .basemaps import Basemap, display_point

# kind → the zoom from which its names are shown (the page script reads it).
LABEL_MIN_ZOOM = {"street": 15, "lane": 17, "building": 17}


def _long_axis_angle(geom, lat: float) -> float:
    """Return the angle in degrees (counter-clockwise from east, -90..90) of a strip's long axis on screen."""
    rect = geom.minimum_rotated_rectangle
    if rect.geom_type != "Polygon":
        return 0.0
    corners = list(rect.exterior.coords)[:3]
    scale = math.cos(math.radians(lat))  # a degree of longitude is shorter than one of latitude
    sides = [((b[0] - a[0]) * scale, b[1] - a[1]) for a, b in zip(corners, corners[1:], strict=False)]
    dx, dy = max(sides, key=lambda s: math.hypot(*s))
    angle = math.degrees(math.atan2(dy, dx))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return round(angle, 1)


def _middle(geom):
    """Return a point at the middle of a strip, inside it (the middle of a bent strip may fall outside)."""
    centre = geom.minimum_rotated_rectangle.centroid
    if geom.contains(centre):
        return centre
    return geom.exterior.interpolate(geom.exterior.project(centre)) if geom.geom_type == "Polygon" \
        else geom.representative_point()


def unit_labels(units: dict, basemap: Basemap | None = None) -> list[dict]:
    """Return [{"kind", "name", "lat", "lon", "angle", "min_zoom"}] for the streets, lanes and buildings of a collection."""
    labels = []
    for feature in units.get("features", []):
        props = feature.get("properties") or {}
        kind = props.get("kind")
        if kind not in LABEL_MIN_ZOOM or not feature.get("geometry") or not props.get("name"):
            continue
        geom = shape(feature["geometry"])
        if geom.is_empty:
            continue
        if kind == "building":
            point: Point = geom.representative_point()
            angle = 0.0
        else:
            point = _middle(geom)
            angle = _long_axis_angle(geom, point.y)
        lon, lat = (point.x, point.y) if basemap is None else display_point(point.x, point.y, basemap)
        labels.append({"kind": kind, "name": props["name"], "lat": round(lat, 6), "lon": round(lon, 6),
                       "angle": angle, "min_zoom": LABEL_MIN_ZOOM[kind]})
    return labels
