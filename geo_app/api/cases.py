"""Cases, their transitions, tracking, heat and KPIs."""

from flask import Response, current_app, jsonify, request

from ..auth import current_viewer
from ..errors import AppError, ValidationError
from ..extensions import db
from ..geo.validate import parse_int
from ..services import case_store, kpis
from ..services import cases as case_service
from ..services import heat as heat_service
from ..services.access import (
    STAFF_ROLES,
    check_case_action,
    check_case_visible,
    require_role,
    require_staff,
    scope_for,
)
from ..services.catalog import vocabulary_list
from ..services.workflow import ACTION_LABELS, transition
from . import schemas
from .blueprint import bp
from .params import case_filters, json_body

MAX_IDEMPOTENCY_KEY = 200


def _policy():
    return case_service.CasePolicy.from_config(current_app.config)


@bp.post("/cases")
def create_case():
    viewer = current_viewer()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        raise ValidationError(f"Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY} characters", field="Idempotency-Key")
    data = schemas.validate(schemas.CaseIn, json_body()).model_dump(exclude_none=True)
    # Keys are per caller: one client's key never returns another client's case.
    scoped_key = f"{viewer.actor}:{key}" if key else None
    case, created = case_service.create_case(db.session, data, actor=viewer.actor, policy=_policy(),
                                             idempotency_key=scoped_key)
    db.session.commit()
    status = 201 if created else 200
    if not viewer.is_staff:
        return jsonify(case_service.public_receipt(case)), status
    try:  # staff reporting a point outside their scope get what the public gets
        check_case_visible(viewer, case_store.get_case_row(db.session, case["code"]))
    except AppError:
        return jsonify(case_service.public_receipt(case)), status
    if not viewer.sees_private:
        return jsonify(case_store.get_case(db.session, case["code"], include_private=False)), status
    case["possible_duplicates"] = case_service.possible_duplicates(db.session, case["code"], _policy())
    return jsonify(case), status


def _within_scope(viewer, filters, roles=STAFF_ROLES):
    """Return case filters narrowed to the viewer's scope; a ?community= that is not theirs is refused (403)."""
    scope = scope_for(db.session, viewer, filters.pop("community", None), roles=roles)
    return filters | scope.case_filters()


@bp.get("/cases")
def list_cases():
    viewer = current_viewer()
    require_staff(viewer)
    schemas.validate(schemas.CasesQuery, request.args.to_dict())
    limit = parse_int(request.args.get("limit"), "limit", default=100, minimum=1, maximum=1000)
    offset = parse_int(request.args.get("offset"), "offset", default=0)
    filters = _within_scope(viewer, case_filters(request.args))
    if request.args.get("overdue") in ("1", "true"):
        filters["overdue"] = True
    return jsonify(case_service.list_cases(db.session, filters, limit=limit, offset=offset))


@bp.get("/cases/<code>")
def get_case(code):
    viewer = current_viewer()
    check_case_visible(viewer, case_store.get_case_row(db.session, code))
    return jsonify(case_store.get_case(db.session, code, include_private=viewer.sees_private))


@bp.post("/cases/<code>/transitions")
def post_transition(code):
    viewer = current_viewer()
    payload = schemas.validate(schemas.TransitionIn, json_body()).model_dump(exclude_none=True)
    check_case_action(viewer, case_store.get_case_row(db.session, code), payload.get("action"))
    case = transition(db.session, code, payload, actor=viewer.actor, policy=_policy())
    db.session.commit()
    if not viewer.sees_private:
        case = case_store.get_case(db.session, code, include_private=False)
    return jsonify(case)


@bp.get("/track/<code>")
def track(code):
    return jsonify(case_service.track_case(db.session, code))


@bp.get("/heat")
def heat():
    viewer = current_viewer()
    schemas.validate(schemas.HeatQuery, request.args.to_dict())
    zoom = parse_int(request.args.get("zoom"), "zoom", default=16, minimum=1, maximum=20)
    filters = case_filters(request.args)
    if viewer.is_staff:
        filters = _within_scope(viewer, filters)
        min_count = 1
    else:
        # The public heat must not single out a case: coarse cells, whole days, no per-person or status slices.
        for name in ("assignee", "status"):
            if request.args.get(name):
                raise ValidationError(f"{name} is a staff-only filter of the heatmap", field=name)
        for name in ("from", "to"):
            if request.args.get(name) and len(request.args[name]) != 10:
                raise ValidationError(f"{name} must be a whole day (YYYY-MM-DD) on the public heatmap", field=name)
        zoom = min(zoom, current_app.config["HEAT_PUBLIC_MAX_ZOOM"])
        min_count = current_app.config["HEAT_PUBLIC_MIN_COUNT"]
    return jsonify(heat_service.heat_cells(db.session, filters, zoom=zoom, min_count=min_count))


@bp.get("/stats")
def stats():
    viewer = current_viewer()
    require_role(viewer, "admin", "cadre")
    schemas.validate(schemas.StatsQuery, request.args.to_dict())
    result = kpis.stats(db.session, request.args.get("by", "channel"),
                        _within_scope(viewer, case_filters(request.args), roles=("admin", "cadre")))
    if request.args.get("format") == "csv":
        return Response("\ufeff" + kpis.stats_csv(result), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=stats-{result['by']}.csv"})
    return jsonify(result)


@bp.get("/vocabularies")
def vocabularies():
    return jsonify({name: vocabulary_list(name) for name in ("channel", "category", "tag", "urgency", "status",
                                                              "satisfaction")} |
                   {"action": [{"code": c, "label": label} for c, label in ACTION_LABELS.items()]})
