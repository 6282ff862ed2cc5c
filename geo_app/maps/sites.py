"""The public red education map (/sites): the sites by kind, the 红色文化街 as a route, streets for context."""

from __future__ import annotations

import logging

import folium

from .base import SafeHtml, add_boundary, new_map, safe_html
from .basemaps import Basemap, collection_bounds, display_collection
from .tiled import boundary_bounds, expose_control, link_vectorgrid

logger = logging.getLogger(__name__)

ROUTE_KIND = "culture_street"
SITE_COLORS = {
    "memorial": "#b71c1c", "former_residence": "#c62828", "education_base": "#d84315",
    "culture_street": "#c0392b", "service_center": "#ad1457", "mediation_room": "#6a1b9a",
    "rider_home": "#1565c0", "love_supermarket": "#ef6c00", "women_home": "#d81b60",
}
ROUTE_STYLE = {"color": "#c0392b", "weight": 6, "opacity": 0.85, "lineCap": "round", "lineJoin": "round"}
STREETS_LABEL = "街道"  # the context layer of streets, embedded or tiled
STREET_STYLE = {"color": "#9e9e9e", "weight": 1, "fillColor": "#e0e0e0", "fillOpacity": 0.5}


def site_style(kind: str) -> dict:
    """Return the Leaflet style of a site of this kind (points become circle markers)."""
    color = SITE_COLORS.get(kind, "#b71c1c")
    return {"color": "#ffffff", "weight": 2, "fill": True, "fillColor": color, "fillOpacity": 0.95, "radius": 9}


def legend_items(sites: dict) -> list[dict]:
    """Return one legend row per site kind present, in first-seen order."""
    rows: dict[str, dict] = {}
    for feature in sites.get("features", []):
        props = feature["properties"]
        color = ROUTE_STYLE["color"] if props["kind"] == ROUTE_KIND else SITE_COLORS.get(props["kind"], "#b71c1c")
        rows.setdefault(props["kind"], {"kind": props["kind"], "label": props["kind_label"], "color": color,
                                        "route": props["kind"] == ROUTE_KIND})
    return list(rows.values())


def site_popup(props: dict) -> SafeHtml:
    """Return the popup of a site: name, kind, opening hours and address, escaped."""
    return safe_html(
        '<div class="mq-site-popup"><b>{name}</b><div class="mq-muted">{kind}</div>'
        '<div>开放时间：{hours}</div><div>地址：{address}</div>'
        '<a href="#site-{code}" class="mq-more">查看介绍与活动</a></div>',
        name=props.get("name"), kind=props.get("kind_label"), hours=props.get("opening_hours") or "请电话咨询",
        address=props.get("address") or "", code=props.get("code"),
    )


def _display_site(feature: dict) -> dict:
    props = feature["properties"]
    return {
        "type": "Feature",
        "id": props["id"],
        "geometry": feature["geometry"],
        "properties": {"id": props["id"], "code": props["code"], "kind": props["kind"],
                       "tooltip": safe_html("{}", props.get("name")), "popup": site_popup(props)},
    }


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def build_sites_map(sites: dict, streets: dict, basemap: Basemap, *, boundary: dict | None = None,
                    vendor_base_url: str, tiled: bool = False) -> tuple[folium.Map, dict]:
    """Return the public sites map and the JS names of its layers ({"sites", "route", "control"}, "streets" embedded).

    tiled: the streets are drawn from /tiles by static/js/tiles.js (maps/tiled.py), not embedded.
    """
    features = [_display_site(f) for f in sites.get("features", [])]
    route = display_collection(_collection([f for f in features if f["properties"]["kind"] == ROUTE_KIND]), basemap)
    places = display_collection(_collection([f for f in features if f["properties"]["kind"] != ROUTE_KIND]), basemap)
    context = display_collection(_collection([
        {"type": "Feature", "id": f["properties"]["id"], "geometry": f["geometry"],
         "properties": {"id": f["properties"]["id"], "tooltip": safe_html("{}", f["properties"].get("name"))}}
        for f in streets.get("features", [])
    ]), basemap)
    bounds = collection_bounds([route, places] if tiled else [route, places, context])
    if tiled:
        bounds = boundary_bounds(boundary, basemap) or bounds
    fmap = new_map(basemap, bounds, zoom_control="bottomright", vendor_base_url=vendor_base_url)
    add_boundary(fmap, boundary, basemap)
    if tiled:
        link_vectorgrid(fmap, vendor_base_url)
    tooltip = {"fields": ["tooltip"], "labels": False, "sticky": False}
    route_layer = folium.GeoJson(route, name="红色文化街", style_function=lambda _f: ROUTE_STYLE,
                                 tooltip=folium.GeoJsonTooltip(**tooltip, class_name="mq-tooltip"),
                                 popup=folium.GeoJsonPopup(fields=["popup"], labels=False, class_name="mq-popup"),
                                 zoom_on_click=False)
    sites_layer = folium.GeoJson(places, name="红色阵地",
                                 style_function=lambda f: site_style(f["properties"]["kind"]),
                                 marker=folium.CircleMarker(radius=9),
                                 tooltip=folium.GeoJsonTooltip(**tooltip, class_name="mq-tooltip"),
                                 popup=folium.GeoJsonPopup(fields=["popup"], labels=False, class_name="mq-popup"),
                                 zoom_on_click=False)
    names = {}
    if not tiled:
        streets_layer = folium.GeoJson(context, name=STREETS_LABEL, style_function=lambda _f: STREET_STYLE,
                                       tooltip=folium.GeoJsonTooltip(**tooltip, class_name="mq-tooltip"),
                                       zoom_on_click=False)
        streets_layer.add_to(fmap)
        names["streets"] = streets_layer.get_name()
    for layer in (route_layer, sites_layer):
        layer.add_to(fmap)
    control = folium.LayerControl(position="topright", collapsed=True)
    control.add_to(fmap)
    if tiled:
        expose_control(fmap, control)
    return fmap, {**names, "route": route_layer.get_name(), "sites": sites_layer.get_name(),
                  "control": control.get_name()}
