"""Cases, their transitions, tracking, heat and KPIs."""

from flask import Response, current_app, jsonify, request

from ..errors import ValidationError
from ..extensions import db
from ..geo.validate import parse_int
from ..services import cases as case_service
from ..services import heat as heat_service
from ..services import kpis
from ..services.catalog import vocabulary_list
from ..services.workflow import ACTION_LABELS, transition
from . import bp
from .params import case_filters, json_body

MAX_IDEMPOTENCY_KEY = 200


def _policy():
    return case_service.CasePolicy.from_config(current_app.config)


def _actor():
    return "api"


@bp.post("/cases")
def create_case():
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        raise ValidationError(f"Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY} characters", field="Idempotency-Key")
    case, created = case_service.create_case(db.session, json_body(), actor=_actor(), policy=_policy(),
                                             idempotency_key=key)
    case["possible_duplicates"] = case_service.possible_duplicates(db.session, case["code"], _policy())
    db.session.commit()
    return jsonify(case), (201 if created else 200)


@bp.get("/cases")
def list_cases():
    limit = parse_int(request.args.get("limit"), "limit", default=100, minimum=1, maximum=1000)
    offset = parse_int(request.args.get("offset"), "offset", default=0)
    filters = case_filters(request.args)
    if request.args.get("overdue") in ("1", "true"):
        filters["overdue"] = True
    return jsonify(case_service.list_cases(db.session, filters, limit=limit, offset=offset, include_private=True))


@bp.get("/cases/<code>")
def get_case(code):
    return jsonify(case_service.get_case(db.session, code, include_private=True))


@bp.post("/cases/<code>/transitions")
def post_transition(code):
    case = transition(db.session, code, json_body(), actor=_actor(), policy=_policy())
    db.session.commit()
    return jsonify(case)


@bp.get("/track/<code>")
def track(code):
    return jsonify(case_service.track_case(db.session, code))


@bp.get("/heat")
def heat():
    zoom = parse_int(request.args.get("zoom"), "zoom", default=16, minimum=1, maximum=20)
    return jsonify(heat_service.heat_cells(db.session, case_filters(request.args), zoom=zoom))


@bp.get("/stats")
def stats():
    result = kpis.stats(db.session, request.args.get("by", "channel"), case_filters(request.args))
    if request.args.get("format") == "csv":
        return Response("\ufeff" + kpis.stats_csv(result), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=stats-{result['by']}.csv"})
    return jsonify(result)


@bp.get("/vocabularies")
def vocabularies():
    return jsonify({name: vocabulary_list(name) for name in ("channel", "category", "tag", "urgency", "status",
                                                              "satisfaction")} |
                   {"action": [{"code": c, "label": label} for c, label in ACTION_LABELS.items()]})
