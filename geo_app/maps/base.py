"""The folium map builder shared by every page: basemap, local assets, display CRS and safe text.

Storage is WGS-84. A GCJ-02 basemap (高德) needs every displayed geometry shifted to GCJ-02 so the
layers line up with its tiles; the pages send clicks back with ``crs=gcj02`` (or convert them in
JS), so nothing shifted is ever stored.

Framework-free: the caller passes the configuration mapping and the URL of the vendor root. The basemap
choice and the display coordinates live in maps.basemaps (no folium).
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import folium
from markupsafe import Markup

from . import assets
from .basemaps import Basemap, display_geometry

logger = logging.getLogger(__name__)

__all__ = [
    "add_boundary",
    "MapParts",
    "SafeHtml",
    "new_map",
    "render_parts",
    "safe_html",
    "safe_join",
    "safe_text",
]

MAX_ZOOM = 20
MIN_ZOOM = 3
DEFAULT_ZOOM = 16
ZOOM_SNAP = 0.5
# folium links Bootstrap 5 for notebook widgets our pages do not use; its reboot would restyle them.
UNUSED_DEFAULT_ASSETS = {"bootstrap", "bootstrap_css"}


# ---------------------------------------------------------------------------
# The map

BOUNDARY_STYLE = {"color": "#7f0000", "weight": 2, "dashArray": "2 6", "fill": False}


def new_map(basemap: Basemap, bounds: list[list[float]] | None = None, *, zoom_control: bool | str = True,
            vendor_base_url: str = assets.DEFAULT_BASE_URL) -> folium.Map:
    """Return a folium map on the basemap, fitted to bounds (display coordinates), loading assets locally.

    With no tiles the map's own maxZoom/minZoom are set, so marker clustering and zooming work
    without a tile layer; the plain background comes from the page's stylesheet. Bootstrap is
    dropped from folium's default assets; jQuery (folium's popups), awesome-markers and the icon
    fonts stay.
    """
    if bounds:
        center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    else:
        center = None
    fmap = folium.Map(location=center, tiles=None, zoom_start=DEFAULT_ZOOM, control_scale=True,
                      zoom_control=zoom_control, maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM, zoomSnap=ZOOM_SNAP)
    fmap.default_js = [(name, url) for name, url in fmap.default_js if name not in UNUSED_DEFAULT_ASSETS]
    fmap.default_css = [(name, url) for name, url in fmap.default_css if name not in UNUSED_DEFAULT_ASSETS]
    for tile in basemap.tiles:
        folium.TileLayer(tiles=tile.url, attr=tile.attribution, name=basemap.label, subdomains=tile.subdomains,
                         max_native_zoom=tile.max_native_zoom, max_zoom=MAX_ZOOM, min_zoom=MIN_ZOOM,
                         overlay=False, control=False).add_to(fmap)
    if bounds:
        fmap.fit_bounds(bounds, padding=(12, 12))
    assets.localize(fmap, vendor_base_url)
    return fmap


def add_boundary(fmap: folium.Map, boundary: dict | None, basemap: Basemap) -> None:
    """Draw a community boundary (WGS-84 geometry) as a dashed outline that lets clicks through."""
    if not boundary:
        return
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 0, "geometry": display_geometry(boundary, basemap), "properties": {}}]}
    folium.GeoJson(collection, name="社区边界", style_function=lambda _f: BOUNDARY_STYLE, interactive=False,
                   control=False).add_to(fmap)


@dataclass(frozen=True)
class MapParts:
    """A rendered map, cut into the pieces a page template places: head, body and script.

    Element ids are numbered in tree order instead of folium's random ones, so the same map renders the
    same bytes (a page can be revalidated by ETag) and its inline scripts keep their hashes, which the
    page's Content-Security-Policy lists (``script_hashes``: base64 SHA-256 of each inline script,
    ``script`` included — the template must place it between <script> and </script> exactly).
    ``names`` maps the JS names a builder returned to the names in the rendered map.
    """

    name: str
    header: Markup
    html: Markup
    script: Markup
    script_hashes: tuple[str, ...] = ()
    names: dict | None = None


def feature_tooltip(collection: dict, **options: object) -> folium.GeoJsonTooltip | None:
    """Return the tooltip of a layer showing each feature's `tooltip` property; None for an empty layer.

    folium refuses a tooltip whose fields it cannot find on a first feature, so a community that has no
    unit of a kind yet gets that layer without one.
    """
    if not collection.get("features"):
        return None
    return folium.GeoJsonTooltip(fields=["tooltip"], labels=False, class_name="mq-tooltip", **options)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
# folium's page header forbids pinch-zoom (maximum-scale=1.0, user-scalable=no); our pages declare their own viewport.
_FOLIUM_VIEWPORT = re.compile(r"<meta\s+name=\"viewport\"[^>]*>\s*", re.S)


def _element_ids(root) -> list[str]:
    """Return the ids of every element reachable from root (children and element-valued attributes), in order."""
    seen, order, stack = set(), [], [root]
    while stack:
        element = stack.pop(0)
        if id(element) in seen:
            continue
        seen.add(id(element))
        if getattr(element, "_id", None):
            order.append(element._id)
        children = list(getattr(element, "_children", {}).values())
        attributes = [v for v in vars(element).values() if hasattr(v, "_id") and hasattr(v, "get_name")]
        stack.extend(children + attributes)
    return order


def script_hash(script: str) -> str:
    """Return the CSP source ('sha256-…') that allows an inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def render_parts(fmap: folium.Map, vendor_base_url: str = assets.DEFAULT_BASE_URL,
                 names: dict | None = None) -> MapParts:
    """Render a map into its header (CSS/JS links), its div and its script, every asset local, with stable ids."""
    assets.localize(fmap, vendor_base_url)
    root = fmap.get_root()
    root.render()
    stable = {old: f"{number:04d}" for number, old in enumerate(dict.fromkeys(_element_ids(root)), start=1)}
    pattern = re.compile("_(" + "|".join(map(re.escape, stable)) + ")(?![0-9a-f])") if stable else None

    def renamed(rendered: str) -> str:
        return pattern.sub(lambda m: "_" + stable[m.group(1)], rendered) if pattern else rendered

    header, body, script = (renamed(part.render()) for part in (root.header, root.html, root.script))
    header = _FOLIUM_VIEWPORT.sub("", header)
    hashes = tuple(script_hash(inline) for inline in _INLINE_SCRIPT.findall(header)) + (script_hash(script),)
    return MapParts(name=renamed(fmap.get_name()), header=Markup(header), html=Markup(body), script=Markup(script),
                    script_hashes=hashes,
                    names={k: renamed(v) if isinstance(v, str) else v for k, v in (names or {}).items()})


# ---------------------------------------------------------------------------
# Safe text

# After HTML escaping, what can still end or inject into a JavaScript template literal or string
# (folium wraps popups and tooltips in `...`): backtick, ${, backslash, line terminators.
_JS_UNSAFE = str.maketrans({
    "`": "&#96;", "$": "&#36;", "\\": "&#92;", "\n": "&#10;", "\r": "&#13;",
    "\u2028": "&#8232;", "\u2029": "&#8233;", "\x00": "&#65533;",
})


class SafeHtml(str):
    """HTML that is also safe inside a JavaScript template literal or string literal.

    A plain str subclass (not Markup): concatenating it with an unescaped str gives a plain str,
    which safe_text escapes again, instead of a "safe" value that still holds a backtick.
    ``__html__`` lets Jinja place it without escaping it twice.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)


def safe_text(value: object) -> SafeHtml:
    """Escape a user string for HTML and for the JavaScript template literal folium wraps popups in."""
    if isinstance(value, SafeHtml):
        return value
    if value is None:
        return SafeHtml("")
    return SafeHtml(html.escape(str(value), quote=True).translate(_JS_UNSAFE))


def _check_trusted(template: str) -> str:
    if any(ch in template for ch in "`$\\\n\r"):
        raise ValueError(f"an HTML template for a popup must not contain ` $ \\ or line breaks: {template!r}")
    return template


def safe_html(template: str, *args: object, **kwargs: object) -> SafeHtml:
    """Fill a trusted HTML template (str.format syntax) with escaped values."""
    return SafeHtml(_check_trusted(template).format(*(safe_text(a) for a in args),
                                                    **{k: safe_text(v) for k, v in kwargs.items()}))


def safe_join(separator: str, parts: Iterable[object]) -> SafeHtml:
    """Join escaped parts with a trusted HTML separator."""
    return SafeHtml(_check_trusted(separator).join(safe_text(p) for p in parts))
