"""爱心超市 points endpoints."""

from flask import jsonify

from ..extensions import db
from ..services import points as points_service
from ..services.importing import community_id
from . import bp
from .params import json_body


@bp.get("/points/<community>/<household>")
def points_account(community, household):
    return jsonify(points_service.account(db.session, community, household))


@bp.get("/points/<community>")
def points_summary(community):
    return jsonify(points_service.summary(db.session, community))


@bp.post("/points/<community>/<household>/redeem")
def points_redeem(community, household):
    data = json_body()
    balance = points_service.redeem(db.session, community_id(db.session, community), household, data.get("points"),
                                    data.get("reason") or "爱心超市兑换")
    db.session.commit()
    return jsonify({"household": household, "balance": balance})


@bp.post("/points/<community>/<household>/earn")
def points_earn(community, household):
    data = json_body()
    balance = points_service.earn(db.session, community_id(db.session, community), household, data.get("points"),
                                  data.get("reason"))
    db.session.commit()
    return jsonify({"household": household, "balance": balance})
