"""The page views: gather the data, build the map, render the template.

The map builders (maps.cadre, heat, sites, tiled, base's render_parts) are imported by the views that build a
map: they import folium, which imports pandas and requests, and every process that imports the app (each
gunicorn worker, each `minqing` command) would otherwise pay for that at start-up.
"""

import logging

from flask import current_app, render_template, request, url_for
from flask_login import login_required

from ..auth import current_viewer
from ..error_pages import TITLES
from ..errors import AppError, user_text
from ..extensions import db
from ..headers import allow_inline_scripts
from ..maps.assets import ECHARTS_JS, vendor_url
from ..maps.basemaps import basemap_from_config
from ..maps.cases import STATUS_COLORS, status_legend
from ..maps.labels import unit_labels
from ..models import OPEN_STATUSES
from ..schemas import CASES_PAGE_MAX
from ..services.access import ROLE_ACTIONS, check_case_visible
from ..services.case_store import get_case_row
from ..services.catalog import vocabulary_list
from ..services.dashboard import case_months
from ..services.display import Display, display_boundary, display_units
from ..services.kpis import COLUMN_LABELS
from ..services.public_heat import PublicHeatPolicy, public_months
from ..services.tiles import LAYERS as TILE_LAYERS
from ..services.tiles import UNIT_LAYER_OF_KIND, draws_from_tiles
from ..services.transitions import POINTS_ACTION
from ..static_assets import vendor_base_url
from . import pages, reports
from .blueprint import bp

logger = logging.getLogger(__name__)

TRACK_CODE_MAX = 40
CASE_CODE_MAX = 40
# /map draws at most this many case markers (newest first); the heat layer always covers every case.
MAX_CASE_MARKERS = 3000


def _vendor_base_url():
    return vendor_base_url()


def _display():
    """How detailed the geometry a page sends may be (services/display.py)."""
    return Display(max_vertices=current_app.config["PUBLIC_MAX_VERTICES"])


def _render_map(fmap, layers):
    """Render a folium map for a page and let this response's Content-Security-Policy run its inline scripts."""
    from ..maps.base import render_parts

    parts = render_parts(fmap, _vendor_base_url(), names=layers)
    allow_inline_scripts(parts.script_hashes)
    return parts


def _requested_community():
    return (request.args.get("community") or "")[:64] or None


def _community_code():
    return _requested_community() or current_app.config["DEFAULT_COMMUNITY"]


def _page_config(basemap, map_parts, **extra):
    """The settings a page's script reads from its JSON config block."""
    return {"map": map_parts.name if map_parts else None, "crs": basemap.crs, "basemap": basemap.name,
            "api": _api_root(), "track": url_for("web.track"), **extra}


def _api_root():
    return url_for("api.lookup").rsplit("/", 1)[0]


def _draws_from_tiles(community, basemap):
    """Tell whether a page draws this community's units from /tiles: a large community on a WGS-84 basemap.

    Tiles are drawn where ST_AsMVT puts them (WGS-84); a GCJ-02 basemap gets the shifted GeoJSON instead.
    """
    return basemap.crs == "wgs84" and draws_from_tiles(db.session, community["id"],
                                                       current_app.config["TILES_ABOVE_FEATURES"])


def _tiles(community, tile_layer, layers):
    """The page config of a community's map drawn from one tile layer (its MVT layers: [(name, label, style)])."""
    from ..maps import tiled

    url = url_for("tiles.tile", layer=tile_layer, z=0, x=0, y=0, community=community["code"])
    found = TILE_LAYERS[tile_layer]
    return tiled.tile_config(url.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt", 1), layers,
                             zooms=(found.minzoom, found.maxzoom))


@bp.errorhandler(AppError)
def page_error(error):
    db.session.rollback()
    title = TITLES.get(error.status, "出错了")
    return render_template("web/error.html", status=error.status, title=title,
                           message=user_text(error.message) or title), error.status


@bp.get("/")
def index():
    return render_template("web/index.html", community_code=_community_code())


@bp.get("/map")
@login_required
def cadre_map():
    from ..maps import cadre

    viewer = current_viewer()
    basemap = basemap_from_config(current_app.config)
    community = pages.staff_community(db.session, viewer, _requested_community(),
                                      current_app.config["DEFAULT_COMMUNITY"])
    from_tiles = _draws_from_tiles(community, basemap)
    units = {"features": []} if from_tiles else pages.community_units(db.session, community,
                                                                      current_app.config["PAGE_LIMIT_MAX"])
    fmap, layers = cadre.build_cadre_map(units, basemap, boundary=community["boundary"],
                                         vendor_base_url=_vendor_base_url(), tiled=from_tiles)
    parts = _render_map(fmap, layers)
    tiles = _tiles(community, "units", [(UNIT_LAYER_OF_KIND[kind], label, cadre.LAYER_STYLES[kind])
                                        for kind, label in cadre.layer_labels()]) if from_tiles else None
    may_dispatch = "dispatch" in ROLE_ACTIONS[viewer.role]
    config = _page_config(basemap, parts, layers=parts.names, community=community["code"], tiles=tiles,
                          status_colors=STATUS_COLORS, max_markers=MAX_CASE_MARKERS,
                          dispatch_action="dispatch", open_statuses=list(OPEN_STATUSES), page_size=CASES_PAGE_MAX,
                          case_page=url_for("web.case_page", code="CODE"), may_dispatch=may_dispatch,
                          labels=pages.case_labels(), unit_labels=unit_labels(units, basemap),
                          select=(request.args.get("case") or "")[:CASE_CODE_MAX] or None)
    return render_template("web/map.html", community=community, map=parts, page_config=config,
                           legend=cadre.legend_items(), status_legend=status_legend(), may_dispatch=may_dispatch,
                           choices=pages.staff_case_choices(), filters=pages.filter_choices())


@bp.get("/heatmap")
def heatmap():
    """The case heatmap: staff see their scope with every filter; the public see fixed slices of k or more cases."""
    from ..maps import heat

    viewer = current_viewer()
    basemap = basemap_from_config(current_app.config)
    if viewer.is_staff:
        community = pages.staff_community(db.session, viewer, _requested_community(),
                                          current_app.config["DEFAULT_COMMUNITY"])
    else:
        community = pages.find_community(db.session, _community_code())
    display = _display()
    streets = display_units(db.session, community["code"], "street", display)
    fmap, layers = heat.build_heat_map(streets, basemap, boundary=display_boundary(db.session, community["code"], display),
                                       vendor_base_url=_vendor_base_url())
    parts = _render_map(fmap, layers)
    layers = parts.names
    if viewer.is_staff:
        config = _page_config(basemap, parts, layers=layers, community=community["code"],
                              months=case_months(db.session, community["code"]), public=False, min_count=1)
        return render_template("web/heatmap.html", community=community, map=parts, page_config=config,
                               filters=pages.filter_choices(), public=False, min_count=1)
    policy = PublicHeatPolicy.from_config(current_app.config)
    config = _page_config(basemap, parts, layers=layers, months=public_months(db.session, policy), public=True,
                          min_count=policy.min_count, max_zoom=policy.max_zoom)
    return render_template("web/heatmap.html", community=community, map=parts, page_config=config, public=True,
                           min_count=policy.min_count, sensitive=pages.sensitive_labels(policy))


@bp.get("/stats")
@login_required
def stats():
    viewer = current_viewer()
    community = pages.staff_community(db.session, viewer, _requested_community(),
                                      current_app.config["DEFAULT_COMMUNITY"], roles=("admin", "cadre"))
    config = {"api": _api_root(), "community": community["code"], "columns": COLUMN_LABELS,
              "case_page": url_for("web.case_page", code="CODE")}
    return render_template("web/stats.html", community=community, page_config=config,
                           echarts_url=vendor_url(ECHARTS_JS, _vendor_base_url()))


@bp.get("/cases/<code>")
@login_required
def case_page(code):
    """One case for staff: its facts, history and the actions the viewer may take (case.js draws them from the API)."""
    viewer = current_viewer()
    code = code.strip()[:CASE_CODE_MAX]
    check_case_visible(viewer, get_case_row(db.session, code))
    config = {"api": _api_root(), "code": code, "satisfaction": vocabulary_list("satisfaction"),
              "points_action": POINTS_ACTION,
              "map_page": url_for("web.cadre_map"), "status_colors": STATUS_COLORS}
    return render_template("web/case.html", code=code, page_config=config, sheet=reports.case_sheet(code, viewer))


@bp.get("/sites")
def sites_map():
    from ..maps import sites

    basemap = basemap_from_config(current_app.config)
    community = pages.find_community(db.session, _community_code())
    display = _display()
    collection, site_list = pages.community_sites(db.session, community["code"], display)
    from_tiles = _draws_from_tiles(community, basemap)
    streets = {"features": []} if from_tiles else display_units(db.session, community["code"], "street", display)
    fmap, layers = sites.build_sites_map(collection, streets, basemap,
                                         boundary=display_boundary(db.session, community["code"], display),
                                         vendor_base_url=_vendor_base_url(), tiled=from_tiles)
    parts = _render_map(fmap, layers)
    streets_layer = UNIT_LAYER_OF_KIND["street"]
    tiles = _tiles(community, streets_layer, [(streets_layer, sites.STREETS_LABEL, sites.STREET_STYLE)]) \
        if from_tiles else None
    config = _page_config(basemap, parts, layers=parts.names, community=community["code"], tiles=tiles,
                          channel=pages.RESIDENT_CHANNEL,
                          unit_labels=unit_labels(pages.labelled_units(db.session, community["code"], display, streets),
                                                  basemap))
    return render_template("web/sites.html", community=community, map=parts, page_config=config,
                           sites=site_list, legend=sites.legend_items(collection),
                           choices=pages.case_choices())


@bp.get("/track")
@bp.get("/track/<code>")
def track(code=None):
    code = (code or request.args.get("code") or "").strip()[:TRACK_CODE_MAX]
    config = {"api": _api_root(), "track": url_for("web.track"), "code": code}
    return render_template("web/track.html", code=code, page_config=config)
