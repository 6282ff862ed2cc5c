"""The shared map builder: safe text, basemaps, the GCJ-02 display shift, local assets."""

import html
import re

import folium
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import shape

from geo_app.geo.coords import from_wgs84
from geo_app.maps import cadre
from geo_app.maps.base import MAX_ZOOM, SafeHtml, new_map, render_parts, safe_html, safe_join, safe_text
from geo_app.maps.basemaps import BasemapError, basemap_from_config, display_collection, display_point
from tests.external_urls import external_urls
from tests.helpers import demo_features, haversine_m

HOSTILE = [
    "<img src=x onerror=alert(1)>${alert(2)}",
    "`); alert(3); (`",
    "</script><script>alert(4)</script>",
    "\\`; alert(5); //",
    "name\\",
    '" onmouseover="alert(6)',
    "' onfocus='alert(7)",
    "line\nbreak\r\u2028\u2029",
    "&lt;already&gt; &amp; ${x}",
]
# What must not survive escaping: it would end the HTML context or the JS template literal.
UNSAFE = re.compile(r"[<>\"'`$\\\n\r\u2028\u2029]")


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_text_leaves_nothing_that_breaks_html_or_a_template_literal(text):
    out = safe_text(text)
    assert isinstance(out, SafeHtml)
    assert not UNSAFE.search(out), out
    assert "${" not in out and "</script" not in out.lower()
    assert html.unescape(out) == text


@given(st.text())
def test_safe_text_always_round_trips_and_never_leaves_a_breaker(text):
    out = safe_text(text)
    assert not UNSAFE.search(out)
    assert html.unescape(out) == text.replace("\x00", "\ufffd")


def test_safe_text_of_none_is_empty_and_safe_values_are_not_escaped_twice():
    assert safe_text(None) == ""
    once = safe_text("<b>")
    assert safe_text(once) == once == "&lt;b&gt;"
    assert safe_text(once + "`") == "&amp;lt;b&amp;gt;&#96;", "a plain str made from SafeHtml is escaped again"


def test_safe_html_escapes_the_values_and_refuses_unsafe_templates():
    assert safe_html("<b>{}</b> {name}", "<i>", name="${x}") == "<b>&lt;i&gt;</b> &#36;{x}"
    assert safe_join("<br>", ["a`", "<b>"]) == "a&#96;<br>&lt;b&gt;"
    with pytest.raises(ValueError, match="must not contain"):
        safe_html("`{}`", "x")


def _rendered_map(text):
    fmap = new_map(basemap_from_config({}), [[22.96, 115.32], [22.97, 115.33]])
    marker = folium.Marker([22.965, 115.325])
    folium.Tooltip(safe_text(text)).add_to(marker)
    folium.Popup(safe_html("<b>{}</b>", text)).add_to(marker)
    marker.add_to(fmap)
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": [{
            "type": "Feature", "id": 1, "properties": {"tooltip": safe_text(text)},
            "geometry": {"type": "Point", "coordinates": [115.325, 22.965]}}]},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False))
    layer.add_to(fmap)
    return render_parts(fmap)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_folium_tooltips_and_popups_keeps_the_script_intact(text):
    benign = _rendered_map("普通文字")
    hostile = _rendered_map(text)
    # The same number of template-literal delimiters and interpolations as with harmless text:
    # nothing the user wrote opened or closed a literal.
    for token in ("`", "${", "</script", "<img"):
        assert hostile.script.count(token) == benign.script.count(token), token
    assert "<img src=x" not in hostile.script and "</script><script>" not in hostile.script


# ---------------------------------------------------------------------------- basemaps


def test_the_default_basemap_is_none_no_tiles_and_a_zoom_range():
    basemap = basemap_from_config({})
    assert (basemap.name, basemap.crs, basemap.tiles) == ("none", "wgs84", ())
    fmap = new_map(basemap, [[22.96, 115.32], [22.97, 115.33]])
    assert not [c for c in fmap._children.values() if isinstance(c, folium.TileLayer)]
    assert fmap.options["maxZoom"] == MAX_ZOOM and fmap.options["minZoom"] < MAX_ZOOM
    parts = render_parts(fmap)
    page = f"{parts.header}{parts.html}<script>{parts.script}</script>"
    assert external_urls(page) == []
    assert "/static/vendor/leaflet/dist/leaflet.js" in parts.header
    assert "bootstrap.min.css" not in parts.header and "bootstrap.bundle" not in parts.header


def test_osm_basemap_adds_the_openstreetmap_tiles():
    fmap = new_map(basemap_from_config({"BASEMAP": "osm"}))
    parts = render_parts(fmap)
    assert external_urls(f"{parts.header}<script>{parts.script}</script>") == [
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_templated_tile_hosts_count_as_other_hosts():
    parts = render_parts(new_map(basemap_from_config({"BASEMAP": "gaode"})))
    assert [u.split("/")[2] for u in external_urls(f"<script>{parts.script}</script>")] == [
        "webrd0{s}.is.autonavi.com"]


def test_tianditu_without_a_key_is_refused_saying_what_to_set():
    with pytest.raises(BasemapError, match="TIANDITU_KEY"):
        basemap_from_config({"BASEMAP": "tianditu"})
    with pytest.raises(BasemapError, match="TIANDITU_KEY must be"):
        basemap_from_config({"BASEMAP": "tianditu", "TIANDITU_KEY": "abc\"};alert(1)//"})


def test_tianditu_with_a_key_draws_vector_tiles_and_labels_in_wgs84():
    basemap = basemap_from_config({"BASEMAP": "tianditu", "TIANDITU_KEY": "0123456789abcdef0123456789abcdef"})
    assert basemap.crs == "wgs84"
    assert [t.url.split("/")[3].split("?")[0] for t in basemap.tiles] == ["vec_w", "cva_w"]
    assert all("tk=0123456789abcdef0123456789abcdef" in t.url for t in basemap.tiles)


def test_an_unknown_basemap_is_refused_listing_the_choices():
    with pytest.raises(BasemapError, match="none, osm, tianditu, gaode"):
        basemap_from_config({"BASEMAP": "google"})


def test_gaode_shifts_every_displayed_vertex_by_the_gcj02_offset():
    basemap = basemap_from_config({"BASEMAP": "GaoDe"})
    assert basemap.crs == "gcj02"
    props, geom = demo_features("buildings.geojson")[0]
    collection = {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "id": 1, "properties": props, "geometry": geom.__geo_interface__}]}
    shown = shape(display_collection(collection, basemap)["features"][0]["geometry"])
    for (lon, lat), (slon, slat) in zip(geom.exterior.coords, shown.exterior.coords, strict=True):
        assert (slon, slat) == pytest.approx(from_wgs84(lon, lat, "gcj02"), abs=1e-12)
        assert 100 < haversine_m(lon, lat, slon, slat) < 1000, "the GCJ-02 offset is a few hundred metres here"
    assert collection["features"][0]["geometry"] == geom.__geo_interface__, "the input is not changed"
    assert display_point(115.32, 22.96, basemap) == pytest.approx(from_wgs84(115.32, 22.96, "gcj02"))
    assert display_point(115.32, 22.96, basemap_from_config({})) == (115.32, 22.96)


# ---------------------------------------------------------------------------- cadre layers


def test_unit_layers_carry_only_escaped_display_properties():
    collection = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": 7,
        "geometry": {"type": "Polygon", "coordinates": [[[115.32, 22.96], [115.321, 22.96], [115.321, 22.961],
                                                         [115.32, 22.96]]]},
        "properties": {"id": 7, "kind": "building", "kind_label": "楼栋", "code": "BD99", "name": HOSTILE[0],
                       "address": "x", "people": [{"name": HOSTILE[1], "role_label": "楼栋长",
                                                   "phone": "138****5678"}]},
    }]}
    feature = cadre.unit_features(collection)["building"]["features"][0]
    assert set(feature["properties"]) == {"id", "kind", "tooltip"}
    tooltip = feature["properties"]["tooltip"]
    assert not re.search(r"[`$\\]", tooltip) and "<img" not in tooltip
    assert safe_text(HOSTILE[0]) in tooltip
    assert "楼栋长 " + safe_text(HOSTILE[1]) in tooltip
    assert "138****5678" in tooltip
    assert [row["kind"] for row in cadre.legend_items()] == ["building", "shop", "lane", "street", "grid"]
