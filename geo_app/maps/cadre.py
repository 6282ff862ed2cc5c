"""The cadre dashboard map (/map): responsibility layers by kind, with tooltips naming their people.

The units are embedded as GeoJSON at community scale (a few hundred polygons); a community over
``TILES_ABOVE_FEATURES`` units is drawn from vector tiles instead (``tiled=True``, see maps/tiled.py).
"""

from __future__ import annotations

import logging

import folium

from ..models import UNIT_KIND_LABELS, UNIT_KIND_RANK
from .base import SafeHtml, add_boundary, feature_tooltip, new_map, safe_html, safe_join
from .basemaps import Basemap, collection_bounds, display_collection
from .cases import add_case_layers
from .tiled import boundary_bounds, expose_control, link_vectorgrid

logger = logging.getLogger(__name__)

# Drawn bottom to top, least specific first: a click or hover reaches the most specific unit first.
LAYER_ORDER = tuple(sorted(UNIT_KIND_RANK, key=UNIT_KIND_RANK.get, reverse=True))
LAYER_STYLES = {
    "grid": {"color": "#6a3d9a", "weight": 2.5, "dashArray": "8 6", "fillColor": "#6a3d9a", "fillOpacity": 0.03},
    "street": {"color": "#d94801", "weight": 1.5, "fillColor": "#fdae6b", "fillOpacity": 0.25},
    "lane": {"color": "#b8860b", "weight": 1, "fillColor": "#ffe08a", "fillOpacity": 0.35},
    "shop": {"color": "#1f5f9e", "weight": 1, "fillColor": "#6baed6", "fillOpacity": 0.7},
    "building": {"color": "#a50f15", "weight": 1, "fillColor": "#ef6548", "fillOpacity": 0.7},
}
HIGHLIGHT = {"weight": 3, "fillOpacity": 0.85}


def people_line(people: list[dict]) -> SafeHtml:
    """Return '楼栋长 张三 138****5678、…' for a unit's people, escaped; '暂无责任人' when none."""
    if not people:
        return safe_html('<span class="mq-muted">暂无责任人</span>')
    return safe_join("<br>", [safe_html("{} {} {}", p.get("role_label"), p.get("name"), p.get("phone") or "")
                              for p in people])


def unit_tooltip(props: dict) -> SafeHtml:
    """Return the tooltip of a unit: its name, kind and code, and its people."""
    return safe_html('<div class="mq-tip"><b>{name}</b> <span class="mq-muted">{kind} {code}</span><br>{people}</div>',
                     name=props.get("name"), kind=props.get("kind_label"), code=props.get("code") or "",
                     people=people_line(props.get("people") or []))


def unit_features(collection: dict) -> dict[str, dict]:
    """Split a units FeatureCollection by kind, keeping only escaped display properties."""
    by_kind: dict[str, list] = {kind: [] for kind in LAYER_ORDER}
    for feature in collection.get("features", []):
        props = feature["properties"]
        by_kind.setdefault(props["kind"], []).append({
            "type": "Feature",
            "id": props["id"],
            "geometry": feature["geometry"],
            "properties": {"id": props["id"], "kind": props["kind"], "tooltip": unit_tooltip(props)},
        })
    return {kind: {"type": "FeatureCollection", "features": features} for kind, features in by_kind.items()}


def layer_labels() -> list[tuple[str, str]]:
    """Return (kind, Chinese label) of the unit layers in drawing order, bottom first."""
    return [(kind, UNIT_KIND_LABELS[kind]) for kind in LAYER_ORDER]


def legend_items() -> list[dict]:
    """Return the legend rows (label, fill, border) in drawing order, top layer first."""
    rows = []
    for kind in reversed(LAYER_ORDER):
        style = LAYER_STYLES[kind]
        rows.append({"kind": kind, "label": UNIT_KIND_LABELS[kind], "border": style["color"],
                     "fill": style["fillColor"] if style.get("fillOpacity", 0) >= 0.2 else "transparent",
                     "dashed": bool(style.get("dashArray"))})
    return rows


def build_cadre_map(units: dict, basemap: Basemap, *, boundary: dict | None = None,
                    vendor_base_url: str, tiled: bool = False) -> tuple[folium.Map, dict]:
    """Return the dashboard map and the JS names of its layers ({kind: name, "cases", "heat", "control"}).

    tiled: the units are drawn from /tiles by static/js/tiles.js (maps/tiled.py), not embedded; units is ignored.
    """
    layers = {kind: display_collection(fc, basemap) for kind, fc in unit_features(units).items()}
    bounds = boundary_bounds(boundary, basemap) if tiled else collection_bounds(layers.values())
    fmap = new_map(basemap, bounds, vendor_base_url=vendor_base_url)
    add_boundary(fmap, boundary, basemap)
    names = {}
    if tiled:
        link_vectorgrid(fmap, vendor_base_url)
    for kind in () if tiled else LAYER_ORDER:
        collection = layers[kind]
        style = LAYER_STYLES[kind]
        layer = folium.GeoJson(
            collection,
            name=f"{UNIT_KIND_LABELS[kind]}（{len(collection['features'])}）",
            style_function=lambda _feature, style=style: style,
            highlight_function=lambda _feature: HIGHLIGHT,
            tooltip=feature_tooltip(collection, sticky=True),
            zoom_on_click=False,
        )
        layer.add_to(fmap)
        names[kind] = layer.get_name()
    names.update(add_case_layers(fmap))
    control = folium.LayerControl(position="topright", collapsed=False)
    control.add_to(fmap)
    if tiled:
        expose_control(fmap, control)
    names["control"] = control.get_name()
    logger.debug("cadre map: %s", {k: len(v["features"]) for k, v in layers.items()})
    return fmap, names
