"""The basemap choice (BASEMAP, TIANDITU_KEY) and display coordinates: the folium-free part of the map builder.

Storage is WGS-84; a GCJ-02 basemap (高德) needs every displayed geometry shifted to GCJ-02 (see maps.base).
Kept apart from maps.base so that what every process imports (the response headers' CSP, the pages
blueprint's start-up check) does not import folium, which imports pandas and requests: folium is imported
by the views that build a map, when they first do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from shapely.geometry import mapping, shape

from ..geo.coords import from_wgs84, geometry_from_wgs84

__all__ = [
    "BASEMAPS",
    "Basemap",
    "BasemapError",
    "basemap_from_config",
    "collection_bounds",
    "display_collection",
    "display_geometry",
    "display_point",
]

BASEMAPS = ("none", "osm", "tianditu", "gaode")
TIANDITU_KEY_RE = re.compile(r"^[A-Za-z0-9]{8,64}$")


class BasemapError(ValueError):
    """The BASEMAP configuration cannot be used (unknown name, missing or malformed key)."""


@dataclass(frozen=True)
class TileSpec:
    url: str
    attribution: str
    subdomains: str = "abc"
    max_native_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """A basemap choice: its tile layers and the coordinate system they are drawn in."""

    name: str
    label: str
    crs: str = "wgs84"
    tiles: tuple[TileSpec, ...] = ()


def _tianditu_url(layer: str, key: str) -> str:
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={quote(key, safe='')}"
    )


def basemap_from_config(config: Mapping) -> Basemap:
    """Return the basemap named by config["BASEMAP"], or raise BasemapError saying what to fix."""
    name = str(config.get("BASEMAP") or "none").strip().lower()
    if name == "none":
        return Basemap("none", "无底图")
    if name == "osm":
        return Basemap("osm", "OpenStreetMap", tiles=(TileSpec(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
            subdomains="abc", max_native_zoom=19),))
    if name == "tianditu":
        key = str(config.get("TIANDITU_KEY") or "").strip()
        if not key:
            raise BasemapError(
                "BASEMAP=tianditu needs a 天地图 browser key: set TIANDITU_KEY (apply at "
                "https://console.tianditu.gov.cn/), or choose BASEMAP=none"
            )
        if not TIANDITU_KEY_RE.match(key):
            raise BasemapError("TIANDITU_KEY must be 8–64 letters and digits (the key from the 天地图 console)")
        attribution = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>'
        return Basemap("tianditu", "天地图", tiles=(
            TileSpec(_tianditu_url("vec", key), attribution, subdomains="01234567", max_native_zoom=18),
            TileSpec(_tianditu_url("cva", key), attribution, subdomains="01234567", max_native_zoom=18),
        ))
    if name == "gaode":
        return Basemap("gaode", "高德地图", crs="gcj02", tiles=(TileSpec(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            '&copy; <a href="https://www.amap.com/">高德地图</a>', subdomains="1234", max_native_zoom=18),))
    raise BasemapError(f"BASEMAP must be one of {', '.join(BASEMAPS)}, got {name!r}")


# ---------------------------------------------------------------------------
# Display coordinates


def display_geometry(geometry: dict | None, basemap: Basemap) -> dict | None:
    """Return a GeoJSON geometry (WGS-84) in the basemap's coordinate system."""
    if geometry is None or basemap.crs == "wgs84":
        return geometry
    return mapping(geometry_from_wgs84(shape(geometry), basemap.crs))


def display_collection(collection: dict, basemap: Basemap) -> dict:
    """Return a copy of a FeatureCollection with every geometry in the basemap's coordinate system."""
    return {
        "type": "FeatureCollection",
        "features": [{**f, "geometry": display_geometry(f.get("geometry"), basemap)}
                     for f in collection.get("features", [])],
    }


def display_point(lon: float, lat: float, basemap: Basemap) -> tuple[float, float]:
    """Return a WGS-84 (lon, lat) in the basemap's coordinate system."""
    return from_wgs84(lon, lat, basemap.crs)


def collection_bounds(collections: Iterable[dict]) -> list[list[float]] | None:
    """Return [[south, west], [north, east]] around every geometry, or None when there is none."""
    box = None
    for collection in collections:
        for feature in collection.get("features", []):
            if not feature.get("geometry"):
                continue
            minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
            box = (minx, miny, maxx, maxy) if box is None else (
                min(box[0], minx), min(box[1], miny), max(box[2], maxx), max(box[3], maxy))
    if box is None:
        return None
    return [[box[1], box[0]], [box[3], box[2]]]
