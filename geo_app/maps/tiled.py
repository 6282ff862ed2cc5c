"""Maps that draw their units from vector tiles (/tiles) instead of embedding them as GeoJSON.

A page chooses by size (services/tiles.draws_from_tiles, over `TILES_ABOVE_FEATURES`): a small community's
units are embedded, a large one's are fetched per view as tiles by Leaflet.VectorGrid (static/js/tiles.js,
which reads the config made here from the page's config). The builders (cadre.py, sites.py) only leave the
unit layers out and link the plugin; one list of styles serves both paths.

Framework-free: the caller passes the tile URL template.
"""

from __future__ import annotations

from collections.abc import Iterable

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from . import assets
from .basemaps import Basemap, collection_bounds, display_geometry


class VectorGridPlugin(JSCSSMixin):
    """Links Leaflet.VectorGrid in the page header when the map renders, after Leaflet itself (as a plugin does)."""

    def __init__(self, vendor_base_url: str):
        super().__init__()
        self._name = "VectorGridPlugin"
        self.default_js = [("leaflet_vectorgrid", assets.vendor_url(assets.VECTORGRID_JS, vendor_base_url))]


def link_vectorgrid(fmap: folium.Map, vendor_base_url: str) -> None:
    """Load Leaflet.VectorGrid (from the vendor root) in the map's page, after Leaflet and before the map script."""
    VectorGridPlugin(vendor_base_url).add_to(fmap)


class ExposedControl(MacroElement):
    """Makes a layers control reachable from page scripts: folium declares it with `let`, not on window."""

    _template = Template("{% macro script(this, kwargs) %}window.{{ this.control }} = {{ this.control }};{% endmacro %}")

    def __init__(self, control: folium.LayerControl):
        super().__init__()
        self._name = "ExposedControl"
        self.control = control.get_name()


def expose_control(fmap: folium.Map, control: folium.LayerControl) -> None:
    """Let static/js/tiles.js add its switches to the map's layers control (after the control is added)."""
    ExposedControl(control).add_to(fmap)


def boundary_bounds(boundary: dict | None, basemap: Basemap) -> list[list[float]] | None:
    """Return the bounds of a community boundary in display coordinates, for a map whose units are not embedded."""
    if not boundary:
        return None
    return collection_bounds([{"features": [{"geometry": display_geometry(boundary, basemap)}]}])


def tile_config(url: str, layers: Iterable[tuple[str, str, dict]], *, zooms: tuple[int, int]) -> dict:
    """Return the page config of a tiled map: {url, minzoom, maxzoom, layers: [{layer, label, style}]}.

    url: the tile URL template ({z}/{x}/{y}); layers: (MVT layer name, Chinese label, Leaflet path style),
    bottom first, each a switch in the layers control.
    """
    return {"url": url, "minzoom": zooms[0], "maxzoom": zooms[1],
            "layers": [{"layer": layer, "label": label, "style": {"fill": True, **style}}
                       for layer, label, style in layers]}
