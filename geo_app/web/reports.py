"""Printed pages: the monthly report of /stats (the 派单单 is part of the case page)."""

from flask import current_app, render_template, request, url_for
from flask_login import login_required

from ..auth import current_viewer
from ..extensions import db
from ..services.access import scope_for
from ..services.clock import china_today
from ..services.reports import dispatch_sheet, monthly_report
from . import pages
from .blueprint import bp

MONTH_ARG_MAX = 20


def case_sheet(code, viewer):
    """Return the 派单单 of a case for its page, its QR code pointing at the page itself."""
    return dispatch_sheet(db.session, code, url_for("web.case_page", code=code, _external=True), viewer=viewer)


@bp.get("/stats/report")
@login_required
def monthly_report_page():
    """The month's KPIs as a page laid out for paper (A4), for the report upward."""
    viewer = current_viewer()
    community = pages.staff_community(db.session, viewer, (request.args.get("community") or "")[:64] or None,
                                      current_app.config["DEFAULT_COMMUNITY"], roles=("admin", "cadre"))
    scope = scope_for(db.session, viewer, community["code"], roles=("admin", "cadre"))
    report = monthly_report(db.session, scope.case_filters(), (request.args.get("month") or "")[:MONTH_ARG_MAX] or None,
                            china_today())
    return render_template("web/report.html", community=community, report=report, printed=china_today().isoformat())
