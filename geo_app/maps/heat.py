"""The full-page case heatmap (/heatmap): the community's outline and streets for orientation, and an
empty heat layer the page fills from ``/api/v1/heat`` (cells aggregated on the server, sized to the zoom)."""

from __future__ import annotations

import logging

import folium

from .base import add_boundary, feature_tooltip, new_map, safe_html
from .basemaps import Basemap, collection_bounds, display_collection, display_geometry
from .cases import add_heat_layer

logger = logging.getLogger(__name__)

STREET_STYLE = {"color": "#8d8d8d", "weight": 1, "fillColor": "#dcdcdc", "fillOpacity": 0.55}


def street_context(streets: dict) -> dict:
    """Return the streets with nothing but an escaped name (no people: the page may be public)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f["properties"]["id"], "geometry": f["geometry"],
         "properties": {"id": f["properties"]["id"], "tooltip": safe_html("{}", f["properties"].get("name"))}}
        for f in streets.get("features", [])
    ]}


def build_heat_map(streets: dict, basemap: Basemap, *, boundary: dict | None = None,
                   vendor_base_url: str) -> tuple[folium.Map, dict]:
    """Return the heatmap page's map and the JS names of its layers ({"heat", "streets"})."""
    context = display_collection(street_context(streets), basemap)
    outline = {"features": [{"geometry": display_geometry(boundary, basemap)}]} if boundary else {"features": []}
    bounds = collection_bounds([context, outline])
    fmap = new_map(basemap, bounds, vendor_base_url=vendor_base_url)
    add_boundary(fmap, boundary, basemap)
    streets_layer = folium.GeoJson(
        context, name="街道", style_function=lambda _f: STREET_STYLE, zoom_on_click=False,
        tooltip=feature_tooltip(context, sticky=True),
    )
    streets_layer.add_to(fmap)
    heat = add_heat_layer(fmap, name="民情热力", show=True, control=False)
    logger.debug("heat map: %d streets", len(context["features"]))
    return fmap, {"heat": heat, "streets": streets_layer.get_name()}
