"""我的待办 (/me) for the people cases are dispatched to, the header's badge, and the reporter's 回访 page."""

from flask import current_app, render_template, url_for
from flask_login import current_user, login_required

from ..auth import current_viewer
from ..extensions import db
from ..maps.basemaps import basemap_from_config
from ..services.catalog import vocabulary_list
from ..services.display import Display, display_boundary, display_units
from ..services.feedback import TOKEN_MAX
from ..services.workbench import open_count
from . import pages
from .blueprint import bp
from .views import _api_root, _page_config, _render_map, _vendor_base_url


@bp.app_context_processor
def workbench_badge():
    """Give every page the number of open cases dispatched to the signed-in person (the header's badge)."""

    def my_open_cases():
        if not current_user.is_authenticated or current_user.person_id is None:
            return None
        return open_count(db.session, current_user.person_id)

    return {"my_open_cases": my_open_cases}


@bp.get("/me")
@login_required
def workbench():
    # folium: imported by the first map built, not at start-up (see views.py)
    from ..maps.workbench import build_workbench_map

    viewer = current_viewer()
    basemap = basemap_from_config(current_app.config)
    community = pages.staff_community(db.session, viewer, None, current_app.config["DEFAULT_COMMUNITY"])
    display = Display(max_vertices=current_app.config["PUBLIC_MAX_VERTICES"])
    streets = display_units(db.session, community["code"], "street", display)
    fmap = build_workbench_map(streets, basemap, boundary=display_boundary(db.session, community["code"], display),
                               vendor_base_url=_vendor_base_url())
    parts = _render_map(fmap, {})
    config = _page_config(basemap, parts, vocabularies={"return_reason": vocabulary_list("return_reason")},
                          case_page=url_for("web.case_page", code="CODE"))
    return render_template("web/me.html", community=community, map=parts, page_config=config)


@bp.get("/feedback/<token>")
def feedback(token):
    """The reporter's 回访 page (public, no cookie): feedback.js reads and answers /api/v1/feedback/<token>."""
    config = {"api": _api_root(), "token": token[:TOKEN_MAX], "satisfaction": vocabulary_list("satisfaction"),
              "track": url_for("web.track")}
    return render_template("web/feedback.html", page_config=config)
