"""Case layers shared by the cadre dashboard and the heatmap: status colours, an (empty) marker cluster
and an (empty) heat layer that the page scripts fill from the API.

No case is embedded in the page: markers come from ``/api/v1/cases`` (paged, the viewer's scope) and
heat from ``/api/v1/heat`` (cells aggregated on the server), so the HTML stays the same size whatever
the number of cases, and the heat never carries one point per case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import OPEN_STATUSES, STATUSES

if TYPE_CHECKING:
    import folium

# One colour per workflow status: warm while it waits for someone, blue while being handled,
# green once resolved, grey when it is over.
STATUS_COLORS = {
    "received": "#d7301f",
    "dispatched": "#f16913",
    "accepted": "#e6ab02",
    "in_progress": "#2171b5",
    "returned": "#7a0177",
    "resolved": "#238b45",
    "visited": "#00a087",
    "closed": "#737373",
    "duplicate": "#bdbdbd",
}
HEAT_GRADIENT = {0.2: "#2c7bb6", 0.45: "#abd9e9", 0.65: "#ffffbf", 0.82: "#fdae61", 1.0: "#d7191c"}
# A cluster click is ours alone (static/js/cadre-cases.js: in 查责任人 mode it asks who answers, in 查民情 mode it
# zooms in or spreads out): the plugin's own zoom on click would move the map under the lookup's popup.
CLUSTER_OPTIONS = {"showCoverageOnHover": False, "maxClusterRadius": 45, "zoomToBoundsOnClick": False,
                   "spiderfyOnMaxZoom": False, "disableClusteringAtZoom": 19}


def status_legend() -> list[dict]:
    """Return [{"status", "label", "color", "open"}] for every status, in workflow order."""
    return [{"status": code, "label": label, "color": STATUS_COLORS[code], "open": code in OPEN_STATUSES}
            for code, label in STATUSES.items()]


def add_heat_layer(fmap: folium.Map, *, name: str = "民情热力", show: bool = True,
                   control: bool = True) -> str:
    """Add an empty Leaflet.heat layer the page fills with server cells; return its JS name."""
    from folium.plugins import HeatMap  # here: the case page reads STATUS_COLORS without importing folium

    layer = HeatMap([], name=name, show=show, control=control, radius=22, blur=16, min_opacity=0.35,
                    gradient=HEAT_GRADIENT)
    layer.add_to(fmap)
    return layer.get_name()


def add_case_layers(fmap: folium.Map) -> dict[str, str]:
    """Add the case marker cluster (shown) and the case heat (hidden); return their JS names."""
    from folium.plugins import MarkerCluster

    cluster = MarkerCluster(name="民情（按状态着色）", **CLUSTER_OPTIONS)
    cluster.add_to(fmap)
    heat = add_heat_layer(fmap, name="民情热力", show=False)
    return {"cases": cluster.get_name(), "heat": heat}
