"""The small map of 我的待办 (/me): the community's outline and streets for orientation; the page's script puts
the selected case and its unit on it."""

from __future__ import annotations

import folium

from .base import add_boundary, new_map
from .basemaps import Basemap, collection_bounds, display_collection, display_geometry
from .heat import STREET_STYLE, street_context


def build_workbench_map(streets: dict, basemap: Basemap, *, boundary: dict | None = None,
                        vendor_base_url: str) -> folium.Map:
    """Return the workbench's map: outline and streets, no interaction but panning and zooming."""
    context = display_collection(street_context(streets), basemap)
    outline = {"features": [{"geometry": display_geometry(boundary, basemap)}]} if boundary else {"features": []}
    fmap = new_map(basemap, collection_bounds([context, outline]), vendor_base_url=vendor_base_url)
    add_boundary(fmap, boundary, basemap)
    folium.GeoJson(context, name="街道", style_function=lambda _f: STREET_STYLE, interactive=False,
                   control=False).add_to(fmap)
    return fmap
