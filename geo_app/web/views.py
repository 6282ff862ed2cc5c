"""The page views: gather the data, build the map, render the template."""

import logging

from flask import current_app, render_template, request, url_for
from flask_login import login_required

from ..auth import current_viewer
from ..errors import AppError
from ..extensions import db
from ..maps import cadre, sites
from ..maps.base import basemap_from_config, render_parts
from ..services.access import require_staff
from . import bp, pages

logger = logging.getLogger(__name__)

TRACK_CODE_MAX = 40


def _vendor_base_url():
    return url_for("static", filename="vendor/")


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


@bp.errorhandler(AppError)
def page_error(error):
    db.session.rollback()
    return render_template("web/error.html", error=error), error.status


@bp.get("/")
def index():
    return render_template("web/index.html", community_code=_community_code())


@bp.get("/map")
@login_required
def cadre_map():
    viewer = current_viewer()
    require_staff(viewer)
    basemap = basemap_from_config(current_app.config)
    community = pages.staff_community(db.session, viewer, _requested_community(),
                                      current_app.config["DEFAULT_COMMUNITY"])
    units = pages.community_units(db.session, community["code"], current_app.config["PAGE_LIMIT_MAX"])
    fmap, layers = cadre.build_cadre_map(units, basemap, boundary=community["boundary"],
                                         vendor_base_url=_vendor_base_url())
    parts = render_parts(fmap, _vendor_base_url())
    config = _page_config(basemap, parts, layers=layers, community=community["code"])
    return render_template("web/map.html", community=community, map=parts, page_config=config,
                           legend=cadre.legend_items(), choices=pages.case_choices())


@bp.get("/sites")
def sites_map():
    basemap = basemap_from_config(current_app.config)
    community = pages.find_community(db.session, _community_code())
    collection, site_list = pages.community_sites(db.session, community["code"])
    streets = pages.community_units(db.session, community["code"], current_app.config["PAGE_LIMIT_MAX"],
                                    kind="street")
    fmap, layers = sites.build_sites_map(collection, streets, basemap, boundary=community["boundary"],
                                         vendor_base_url=_vendor_base_url())
    parts = render_parts(fmap, _vendor_base_url())
    config = _page_config(basemap, parts, layers=layers, community=community["code"],
                          channel=pages.RESIDENT_CHANNEL)
    return render_template("web/sites.html", community=community, map=parts, page_config=config,
                           sites=site_list, legend=sites.legend_items(collection),
                           choices=pages.case_choices())


@bp.get("/track")
@bp.get("/track/<code>")
def track(code=None):
    code = (code or request.args.get("code") or "").strip()[:TRACK_CODE_MAX]
    config = {"api": _api_root(), "track": url_for("web.track"), "code": code}
    return render_template("web/track.html", code=code, page_config=config)
