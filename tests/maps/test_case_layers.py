"""The case layers and the heatmap builder: empty layers filled from the API, local assets, safe names."""

import json
import re

from geo_app.maps.base import new_map, render_parts, safe_text
from geo_app.maps.basemaps import basemap_from_config
from geo_app.maps.cases import STATUS_COLORS, add_case_layers, status_legend
from geo_app.maps.heat import build_heat_map
from geo_app.models import STATUSES
from tests.external_urls import external_urls

HOSTILE = "<img src=x onerror=alert(1)>${alert(2)}`"
STREET = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
    [[115.32, 22.966], [115.322, 22.966], [115.322, 22.967], [115.32, 22.967], [115.32, 22.966]]]},
    "properties": {"id": 7, "name": HOSTILE, "kind": "street", "people": [{"name": "张三", "phone": "138****5678"}]}}


def test_every_status_has_a_colour_and_a_legend_row():
    assert set(STATUS_COLORS) == set(STATUSES)
    rows = status_legend()
    assert [r["status"] for r in rows] == list(STATUSES)
    assert {r["status"] for r in rows if r["open"]} == {"received", "dispatched", "accepted", "in_progress", "returned"}


def test_case_layers_are_empty_and_load_their_plugins_locally():
    fmap = new_map(basemap_from_config({}), [[22.96, 115.31], [22.97, 115.33]])
    parts = render_parts(fmap, names=add_case_layers(fmap))
    names = parts.names  # the rendered map's (stable) names
    page = parts.header + parts.html + parts.script
    assert external_urls(page) == []
    assert "/static/vendor/leaflet.markercluster/dist/leaflet.markercluster.js" in parts.header
    assert "/static/vendor/folium/templates/leaflet_heat.min.js" in parts.header
    assert f"var {names['cases']} = L.markerClusterGroup(" in parts.script
    assert re.search(rf"var {names['heat']} = L\.heatLayer\(\s*\[\]", parts.script), "no case in the page"


def test_the_heat_map_shows_street_names_escaped_and_no_people():
    fmap, names = build_heat_map({"type": "FeatureCollection", "features": [STREET]}, basemap_from_config({}),
                                 vendor_base_url="/static/vendor/")
    parts = render_parts(fmap)
    streets = [json.loads(blob) for blob in re.findall(r"^\s*geo_json_\w+_add\((\{.*\})\);$", parts.script, re.M)]
    assert [f["properties"] for layer in streets for f in layer["features"]] == [{"id": 7, "tooltip": safe_text(HOSTILE)}]
    assert HOSTILE not in parts.script and "张三" not in parts.script and "138****5678" not in parts.script  # ("138" alone can occur in folium's random ids)
    assert set(names) == {"heat", "streets"}
    assert "L.control.layers" not in parts.script
