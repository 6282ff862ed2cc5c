"""Cases, their transitions, tracking, heat and KPIs."""

from flask import Response, current_app, jsonify, request, url_for

from ..auth import client_scope, current_viewer
from ..errors import ValidationError
from ..extensions import db
from ..request_budget import restart_budget
from ..schemas import CaseIn, CasesQuery, HeatQuery, StatsQuery, TransitionIn, validate
from ..services import case_pages, case_store, idempotency, kpis, spreadsheets, tracking
from ..services import cases as case_service
from ..services import heat as heat_service
from ..services import photos as photo_service
from ..services.access import (
    STAFF_ROLES,
    check_case_action,
    check_case_visible,
    may_see_case,
    require_role,
    require_staff,
    scope_for,
)
from ..services.catalog import all_vocabularies
from ..services.workflow import transition
from .blueprint import bp
from .conditional import versioned_json
from .downloads import attachment, xlsx_response
from .params import args_as, body_as, form_body, is_multipart, json_body, uploaded_files
from .photos import photo_policy
from .public_heat import public_heat

MAX_IDEMPOTENCY_KEY = 200
XLSX_MAX_CASES = 20_000  # one 台账 download; a year of a 街道's cases fits


def _policy():
    return case_service.CasePolicy.from_config(current_app.config)


def _case_for(viewer, code):
    """Return a case as the viewer may see it, with the actions they may take."""
    return case_store.get_case(db.session, code, include_private=viewer.sees_private, viewer=viewer)


@bp.post("/cases")
def create_case():
    viewer = current_viewer()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        raise ValidationError(f"Idempotency-Key 须为 1 到 {MAX_IDEMPOTENCY_KEY} 个字符 "
                              f"(Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY} characters)", field="Idempotency-Key")
    # A form with up to 9 files named `photos` (the report form on a phone), or JSON without photos.
    body, files = (form_body(CaseIn), uploaded_files("photos")) if is_multipart() else (json_body(), [])
    data = validate(CaseIn, body, current_app.config)
    photos = photo_policy()
    cleaned = photo_service.clean_uploads(files, photos)  # every photo checked before anything is written
    restart_budget()
    # Keys are per client and bound to the body: one client's key never returns another client's case.
    case, created = case_service.create_case(
        db.session, data, actor=viewer.actor, policy=_policy(),
        idempotency_key=idempotency.scoped_key(client_scope(), key) if key else None,
        request_hash=idempotency.body_hash(body | photo_service.digests(files)) if key else None)
    if created and cleaned:
        photo_service.add_photos(db.session, case_store.get_case_row(db.session, case["code"]), cleaned, "report",
                                 actor=viewer.actor, policy=photos)
    db.session.commit()
    status = 201 if created else 200
    # Staff reporting a point outside their scope get what the public gets.
    if not viewer.is_staff or not may_see_case(viewer, case_store.get_case_row(db.session, case["code"])):
        return jsonify(case_service.public_receipt(case)), status
    answer = _case_for(viewer, case["code"])
    if viewer.sees_private:
        answer["possible_duplicates"] = case_service.possible_duplicates(db.session, case["code"], _policy())
    return jsonify(answer), status


def _within_scope(viewer, filters, roles=STAFF_ROLES):
    """Return case filters narrowed to the viewer's scope; a ?community= that is not theirs is refused (403)."""
    scope = scope_for(db.session, viewer, filters.pop("community", None), roles=roles)
    return filters | scope.case_filters()


@bp.get("/cases")
def list_cases():
    viewer = current_viewer()
    require_staff(viewer)
    query = args_as(CasesQuery)
    if query.format == "xlsx":
        return _cases_workbook(viewer, query)
    page = case_pages.list_cases(db.session, _within_scope(viewer, query.filters()), limit=query.limit,
                                 offset=query.offset, cursor=query.cursor, viewer=viewer,
                                 markers=query.fields == "marker")
    return jsonify(page | {"next": _next_link(page["next_cursor"])})


def _next_link(cursor):
    """Return this request's URL for the page after (the same filters, the cursor instead of an offset)."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k not in ("cursor", "offset")} | {"cursor": cursor}
    return url_for("api.list_cases", **args)


def _cases_workbook(viewer, query):
    """The 民情台账: every case matching the filters in the viewer's scope (no paging), as the JSON shows them."""
    page = case_pages.list_cases(db.session, _within_scope(viewer, query.filters()), limit=XLSX_MAX_CASES + 1,
                                 viewer=viewer)
    if len(page["cases"]) > XLSX_MAX_CASES:
        about = "约 " if page["count_is_estimate"] else ""
        raise ValidationError(f"符合条件的民情有{about} {page['total']} 件，超过一次导出的上限 {XLSX_MAX_CASES} 件，请缩小日期范围 "
                              f"(more than {XLSX_MAX_CASES} cases match; narrow the dates)", field="format")
    return xlsx_response(spreadsheets.cases_xlsx(page["cases"]), "民情台账.xlsx", "cases.xlsx")


@bp.get("/cases/<code>")
def get_case(code):
    viewer = current_viewer()
    check_case_visible(viewer, case_store.get_case_row(db.session, code))
    return jsonify(_case_for(viewer, code))


@bp.post("/cases/<code>/transitions")
def post_transition(code):
    viewer = current_viewer()
    change = body_as(TransitionIn)
    check_case_action(viewer, case_store.get_case_row(db.session, code), change.action)
    transition(db.session, code, change, actor=viewer.actor, policy=_policy())
    db.session.commit()
    return jsonify(_case_for(viewer, code))


@bp.get("/track/<tracking_code>")
def track(tracking_code):
    return jsonify(tracking.track_case(db.session, tracking_code))


@bp.get("/heat")
def heat():
    viewer = current_viewer()
    if not viewer.is_staff:
        return public_heat()
    query = args_as(HeatQuery)
    filters = _within_scope(viewer, query.filters())
    # Counts only, but of one viewer's scope: the browser may keep it, and must ask again (a 304 by ETag).
    return versioned_json({"zoom": query.zoom, **filters},
                          lambda: heat_service.heat_cells(db.session, filters, zoom=query.zoom, min_count=1),
                          community_id=filters.get("community_id"), cache_control="private, no-cache")


@bp.get("/stats")
def stats():
    viewer = current_viewer()
    require_role(viewer, "admin", "cadre")
    query = args_as(StatsQuery)
    result = kpis.stats(db.session, query.by, _within_scope(viewer, query.filters(), roles=("admin", "cadre")),
                        sort=query.sort, limit=query.limit, offset=query.offset)
    if query.format == "csv":
        return Response("\ufeff" + kpis.stats_csv(result), mimetype="text/csv",
                        headers={"Content-Disposition": attachment(f"民情统计-{kpis.GROUPING_LABELS[result['by']]}.csv",
                                                                   f"stats-{result['by']}.csv")})
    if query.format == "xlsx":
        grouping = kpis.GROUPING_LABELS[result["by"]]
        return xlsx_response(spreadsheets.stats_xlsx(result, f"按{grouping}统计"), f"民情统计-{grouping}.xlsx",
                             f"stats-{result['by']}.xlsx")
    return jsonify(result)


@bp.get("/vocabularies")
def vocabularies():
    return jsonify(all_vocabularies())
