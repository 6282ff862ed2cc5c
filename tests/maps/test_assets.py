"""Pages load nothing from other hosts: folium's CDN links are served from static/vendor/."""

import importlib.util
import json
import re
from pathlib import Path

import branca.colormap
import folium
import pytest
from branca.element import JavascriptLink
from folium import plugins
from folium.elements import JSCSSMixin

from geo_app.maps.assets import (
    ECHARTS_JS,
    LEAFLET_IMAGES,
    LOCAL_ASSETS,
    asset_key,
    localize,
)
from tests.external_urls import external_urls

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
VENDOR = STATIC / "vendor"
SETUP = "sh static/build_vendor.sh  (= cd static && npm ci --no-audit --no-fund && ../.venv/bin/python build_vendor.py)"
BASE = "/static/vendor/"


def _build_vendor_module():
    spec = importlib.util.spec_from_file_location("build_vendor", STATIC / "build_vendor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vendor():
    """static/vendor/, which must have been built from the current lockfile."""
    stamp = VENDOR / ".stamp.json"
    assert stamp.is_file(), f"{VENDOR} has not been built: run `{SETUP}` from the repository root"
    expected = _build_vendor_module().expected_stamp()
    assert json.loads(stamp.read_text()) == expected, (
        f"{VENDOR} is stale (package-lock.json, build_vendor.py or folium changed): run `{SETUP}`"
    )
    return VENDOR


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "解放路网格", "grid": "G-01"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[114.30, 30.60], [114.31, 30.60], [114.31, 30.61], [114.30, 30.60]]],
            },
        }
    ],
}


def full_map():
    """A map using everything our pages use from folium."""
    m = folium.Map(location=[30.6, 114.3], zoom_start=15, tiles=None)
    cluster = plugins.MarkerCluster(name="民情").add_to(m)
    for i in range(3):
        folium.Marker([30.6 + i / 1000, 114.3], popup=f"case {i}").add_to(cluster)
    folium.Marker(
        [30.605, 114.305],
        icon=folium.Icon(color="red", icon="flag", prefix="fa", angle=45),
        tooltip="红色教育基地",
    ).add_to(m)
    folium.Marker([30.606, 114.306], icon=folium.Icon()).add_to(m)  # glyphicon default
    plugins.HeatMap([[30.6, 114.3, 0.5], [30.601, 114.301, 1.0]], name="热力").add_to(m)
    plugins.HeatMapWithTime(
        [[[30.6, 114.3, 1.0]], [[30.601, 114.301, 0.5]]], index=["2024-01", "2024-02"], name="时序"
    ).add_to(m)
    plugins.LocateControl().add_to(m)
    plugins.Fullscreen().add_to(m)
    folium.GeoJson(GEOJSON, name="网格", tooltip=folium.GeoJsonTooltip(fields=["name", "grid"])).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def _local_paths(html):
    """Vendor-relative paths of the scripts/stylesheets a page links under BASE."""
    refs = re.findall(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"', html)
    return [ref[len(BASE) :] for ref in refs if ref.startswith(BASE)]


def test_full_map_loads_nothing_from_other_hosts(vendor):
    m = full_map()
    before = external_urls(m.get_root().render())
    assert len(before) >= 20, before  # the detector sees folium's CDN links...

    localize(m)
    html = m.get_root().render()
    assert external_urls(html) == []  # ...and none are left

    paths = _local_paths(html)
    assert len(paths) == len(before), (paths, before)
    missing = [p for p in paths if not (vendor / p).is_file()]
    assert not missing, f"linked but not in static/vendor/: {missing}; run `{SETUP}`"


def test_every_mapped_file_is_vendored(vendor):
    wanted = [
        *LOCAL_ASSETS.values(),
        ECHARTS_JS,
        LEAFLET_IMAGES + "marker-icon.png",
        LEAFLET_IMAGES + "marker-shadow.png",
    ]
    missing = [p for p in wanted if not (vendor / p).is_file()]
    assert not missing, f"not in static/vendor/: {missing}; run `{SETUP}`"


def test_every_script_and_style_sheet_is_built_compressed_as_well(vendor):
    import gzip

    import brotli

    build = _build_vendor_module()
    texts = [p for p in vendor.rglob("*") if p.is_file() and p.suffix in build.PRECOMPRESSED_SUFFIXES]
    assert len(texts) > 20 and {p.suffix for p in texts} == {".js", ".css", ".svg"}
    for path in texts:
        original = path.read_bytes()
        packed = {suffix: path.with_name(path.name + suffix).read_bytes() for suffix in (".br", ".gz")}
        assert brotli.decompress(packed[".br"]) == original, path
        assert gzip.decompress(packed[".gz"]) == original, path
        if len(original) > 2000:
            assert len(packed[".br"]) < len(original) / 2 and len(packed[".gz"]) < len(original) / 2, path


def test_vendored_css_references_resolve(vendor):
    # fonts and images referenced by url() (and source maps) must be there too,
    # and none may point at another host
    assert _build_vendor_module().check_references(vendor) == []


@pytest.mark.parametrize(
    "cls",
    [
        folium.Map,
        plugins.MarkerCluster,
        plugins.FastMarkerCluster,
        plugins.HeatMap,
        plugins.HeatMapWithTime,
        plugins.LocateControl,
        plugins.Fullscreen,
    ],
)
def test_every_link_of_supported_elements_is_mapped(cls):
    urls = [url for _, url in [*cls.default_js, *cls.default_css]]
    assert urls
    assert [u for u in urls if asset_key(u) not in LOCAL_ASSETS] == []


def test_default_marker_images_are_local(vendor):
    m = full_map()
    localize(m)
    html = m.get_root().render()
    line = f'L.Icon.Default.imagePath = "{BASE}{LEAFLET_IMAGES}";'
    assert line in html
    assert html.index(line) < html.index("L.map(")  # set before any marker is created
    assert (vendor / LEAFLET_IMAGES / "marker-icon-2x.png").is_file()
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_unknown_cdn_url_raises():
    class NewPlugin(JSCSSMixin):
        default_js = [("new_plugin", "https://cdn.example.com/new-plugin@1.0.0/new.min.js")]

    m = folium.Map(tiles=None)
    NewPlugin().add_to(m)
    with pytest.raises(ValueError, match=r"https://cdn\.example\.com/new-plugin@1\.0\.0/new\.min\.js"):
        localize(m)


def test_folium_plugin_without_local_copy_raises():
    m = folium.Map(tiles=None)
    plugins.MiniMap().add_to(m)  # not vendored: must fail, not load from a CDN
    with pytest.raises(ValueError, match="leaflet-minimap"):
        localize(m)


def test_links_added_at_render_time_are_localized_or_rejected():
    # branca colormaps add d3 to the header while the page renders
    m = folium.Map(tiles=None)
    branca.colormap.LinearColormap(["white", "red"], vmin=0, vmax=10, caption="诉求数").add_to(m)
    localize(m)
    html = m.get_root().render()
    assert external_urls(html) == []
    assert f'src="{BASE}d3/d3.min.js"' in html

    # elements added after localize() are covered too; unknown ones fail the render
    class LateLink(JSCSSMixin):
        def render(self, **kwargs):
            self.get_root().header.add_child(JavascriptLink("https://cdn.example.org/late.js"), name="late")
            super().render(**kwargs)

    LateLink().add_to(m)
    plugins.Fullscreen().add_to(m)
    with pytest.raises(ValueError, match=r"cdn\.example\.org/late\.js"):
        m.get_root().render()


def test_localize_leaves_folium_defaults_alone():
    m = folium.Map(tiles=None)
    localize(m)
    assert folium.Map.default_js[0][1].startswith("https://")  # class lists not mutated
    other = folium.Map(tiles=None).get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in external_urls(other)


def test_localize_twice_and_absolute_base_url():
    m = full_map()
    base = "https://gis.intranet.example/static/vendor"
    localize(m, base_url=base)
    localize(m, base_url=base)  # idempotent
    html = m.get_root().render()
    assert f'src="{base}/leaflet/dist/leaflet.js"' in html
    assert external_urls(html, same_host="gis.intranet.example") == []
    assert "https://gis.intranet.example/static/vendor/leaflet/dist/leaflet.js" in external_urls(html)


def test_tile_layers_count_as_external():
    m = folium.Map(tiles="OpenStreetMap")
    localize(m)  # assets only; a tile server is configuration, not a CDN asset
    assert external_urls(m.get_root().render()) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_external_urls_finds_every_kind_of_load():
    page = """<!DOCTYPE html><html><head>
    <script src="https://a.example/x.js"></script>
    <script src="/static/vendor/ok.js"></script>
    <link rel="stylesheet" href="//b.example/y.css">
    <link rel="canonical" href="https://docs.example/page">
    <link rel="icon" href="https://c.example/favicon.ico">
    <style>@import "https://d.example/i.css"; .x{background:url('https://e.example/bg.png')}
    .y{background:url(/static/img/ok.png)} .z{background:url(data:image/png;base64,AAAA)}</style>
    </head><body style="background-image: url(&quot;https://f.example/body.png&quot;)">
    <img src="https://g.example/a.png" srcset="https://h.example/a2.png 2x, /ok.png 1x">
    <a href="https://not-loaded.example/">link</a>
    <iframe src="https://i.example/frame"></iframe>
    <script>
      // see https://comment.example/ (counted: inline scripts are read conservatively)
      var t = L.tileLayer("https:\\/\\/j.example\\/{z}\\/{x}\\/{y}.png",
          {"attribution": "\\u003ca href=\\"https://attribution.example/\\"\\u003eOSM\\u003c/a\\u003e"});
      var p = "<img src='https://k.example/popup.png'>";
      var r = "//l.example/rel.js"; var n = a // b.example
      var same = "https://gis.intranet.example/tiles/{z}/{x}/{y}.png";
    </script></body></html>"""
    got = external_urls(page, same_host="gis.intranet.example")
    assert got == [
        "https://a.example/x.js",
        "//b.example/y.css",
        "https://c.example/favicon.ico",
        "https://e.example/bg.png",
        "https://d.example/i.css",
        "https://f.example/body.png",
        "https://g.example/a.png",
        "https://h.example/a2.png",
        "https://i.example/frame",
        "https://comment.example/",
        "https://j.example/{z}/{x}/{y}.png",
        "https://k.example/popup.png",
        "//l.example/rel.js",
    ]
    assert "https://gis.intranet.example/tiles/{z}/{x}/{y}.png" in external_urls(page)


def test_npm_manifest_is_pinned_to_the_registry():
    package = json.loads((STATIC / "package.json").read_text())
    assert package["private"] is True
    for name, spec in package["dependencies"].items():
        assert re.fullmatch(r"(npm:[@\w./-]+@)?\d+\.\d+\.\d+", spec), (
            f"{name}: {spec} is not an exact version"
        )
    lock = json.loads((STATIC / "package-lock.json").read_text())
    entries = {k: v for k, v in lock["packages"].items() if k}
    assert entries
    for path, entry in entries.items():
        assert entry.get("resolved", "").startswith("https://registry.npmjs.org/"), path
        assert entry.get("integrity", "").startswith("sha512-"), path
