"""爱心超市 points endpoints (cadres of the community, and admins)."""

from flask import jsonify

from ..auth import current_viewer
from ..extensions import db
from ..schemas import EarnIn, Household, LedgerQuery, PointsIn, validate_value
from ..services import points as points_service
from ..services.access import scope_for
from ..services.spreadsheets import ledger_xlsx
from .blueprint import bp
from .downloads import xlsx_response
from .params import args_as, body_as


def _community(code):
    """Return the id of the community in the path, refusing one outside the viewer's scope (403, naming it)."""
    return scope_for(db.session, current_viewer(), code, roles=("admin", "cadre")).community_id


def _household(household):
    return validate_value(Household, household, "household")


@bp.get("/points/<community>/<household>")
def points_account(community, household):
    _community(community)
    return jsonify(points_service.account(db.session, community, household))


@bp.get("/points/<community>")
def points_summary(community):
    _community(community)
    if args_as(LedgerQuery).format == "xlsx":
        return xlsx_response(ledger_xlsx(points_service.ledger(db.session, community)), "爱心超市积分台账.xlsx",
                             "points.xlsx")
    return jsonify(points_service.summary(db.session, community))


@bp.post("/points/<community>/<household>/redeem")
def points_redeem(community, household):
    cid, household = _community(community), _household(household)
    change = body_as(PointsIn)
    balance = points_service.redeem(db.session, cid, household, change.points, change.reason or "爱心超市兑换")
    db.session.commit()
    return jsonify({"household": household, "balance": balance})


@bp.post("/points/<community>/<household>/earn")
def points_earn(community, household):
    cid, household = _community(community), _household(household)
    change = body_as(EarnIn)
    balance = points_service.earn(db.session, cid, household, change.points, change.reason)
    db.session.commit()
    return jsonify({"household": household, "balance": balance})
