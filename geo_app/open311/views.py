"""GeoReport v2 endpoints; every answer, errors included, in the format its extension names."""

import json
import logging

from flask import Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from ..auth import current_viewer
from ..error_pages import add_error_renderer
from ..errors import AppError, ForbiddenError
from ..extensions import db
from ..schemas import ServiceRequestIn, ServiceRequestsQuery, UpdateIn, UpdatesQuery, validate
from ..services import open311, open311_updates
from ..services.access import check_case_visible, scope_for
from ..services.case_store import get_case_row
from ..services.cases import CasePolicy
from . import shaping
from .blueprint import bp

logger = logging.getLogger(__name__)


def _respond(fmt, root, value, status=200, headers=None):
    if root in ("service_requests", "service_request_updates"):
        for item in value:  # our own photo's path as a full URL; a client's media_url stays as it was given
            if (item.get("media_url") or "").startswith("/"):
                item["media_url"] = request.host_url.rstrip("/") + item["media_url"]
    if fmt == "xml":
        body = shaping.to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False)
    return Response(body, status=status, content_type=shaping.FORMATS[fmt], headers=headers)


def render_error(status, body, headers):
    """Answer any error under /open311/v2/ in the spec's shape and the format the path's extension asks for."""
    db.session.rollback()
    fmt = (request.view_args or {}).get("fmt") or shaping.format_of_path(request.path)
    fmt = fmt if fmt in shaping.FORMATS else "json"
    return _respond(fmt, "errors", shaping.error_list(status, body.get("message") or str(status)), status, headers)


@bp.record_once
def answer_errors_in_open311_format(state):
    add_error_renderer(state.app, state.url_prefix + "/", render_error)


@bp.errorhandler(AppError)
def handle_app_error(error):
    return render_error(error.status, {"message": error.message}, {})


def handle_http_error(error):
    """Rate limits (429), oversized bodies (413), a method not allowed (405, with Allow) and the like."""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return render_error(error.code or 500, {"message": shaping.describe_http_error(error)}, headers)


# The app registers handlers for these codes, and a code's handler wins over a blueprint's generic one.
for _code in (400, 404, 405, 413, 429):
    bp.register_error_handler(_code, handle_http_error)
bp.register_error_handler(HTTPException, handle_http_error)


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    fmt = shaping.parse_format(fmt)
    base_url = url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0]
    contact = current_app.config.get("OPEN311_CONTACT", "社区党群服务中心 (community office)")
    return _respond(fmt, "discovery", open311.discovery(base_url, contact))


@bp.get("/services.<fmt>")
def services(fmt):
    return _respond(shaping.parse_format(fmt), "services", open311.services())


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    fmt = shaping.parse_format(fmt)
    return _respond(fmt, "service_definition", open311.service_definition(code))


def _trusted_client(api_key):
    """Return the name of a trusted client (a configured api_key, or an address in a trusted network), or None."""
    policy = open311.Open311Policy.from_config(current_app.config)
    return (open311.trusted_client(db.session, policy, api_key)
            or open311.trusted_network(policy, request.remote_addr))  # ProxyFix applied TRUSTED_PROXIES


def _trusted():
    """Tell whether the caller is staff (token or session) or a trusted client (api_key or trusted network)."""
    return current_viewer().is_staff or _trusted_client(request.args.get("api_key")) is not None


def _form():
    fields = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    return fields if isinstance(fields, dict) else {}


@bp.get("/requests.<fmt>")
def list_requests(fmt):
    fmt = shaping.parse_format(fmt)
    filters = validate(ServiceRequestsQuery, request.args.to_dict()).filters()
    viewer = current_viewer()
    open311.check_jurisdiction(db.session, filters.get("community"))
    if viewer.is_staff:
        # Staff read their own scope (a chief their cases, a cadre their community); another jurisdiction is a 403.
        filters |= scope_for(db.session, viewer, filters.get("community")).case_filters()
    trusted = _trusted()
    return _respond(fmt, "service_requests", open311.find_requests(db.session, filters, trusted=trusted))


@bp.post("/requests.<fmt>")
def create_request(fmt):
    fmt = shaping.parse_format(fmt)
    fields = _form()
    policy = open311.Open311Policy.from_config(current_app.config)
    trusted = open311.authorize_post(db.session, policy, fields.get("api_key"))  # 403 before any word on the fields
    created = open311.create_request(db.session, validate(ServiceRequestIn, fields), trusted=trusted, policy=policy,
                                     case_policy=CasePolicy.from_config(current_app.config))
    db.session.commit()
    return _respond(fmt, "service_requests", created, 201)


@bp.get("/requests/<request_id>.<fmt>")
def get_request(request_id, fmt):
    fmt = shaping.parse_format(fmt)
    public_view = open311.get_request(db.session, request_id)  # 404 in the spec's words when unknown
    trusted = _trusted()
    viewer = current_viewer()
    if not trusted:
        return _respond(fmt, "service_requests", [public_view])
    if viewer.is_staff:
        try:
            check_case_visible(viewer, get_case_row(db.session, request_id))
        except ForbiddenError:
            trusted = False  # staff outside their scope see what the public sees
    return _respond(fmt, "service_requests", [open311.get_request(db.session, request_id, trusted=trusted)])


@bp.get("/tokens/<token>.<fmt>")
def get_token(token, fmt):
    fmt = shaping.parse_format(fmt)
    return _respond(fmt, "service_requests", open311.get_token(db.session, token))


@bp.get("/servicerequestupdates.<fmt>")
def list_updates(fmt):
    fmt = shaping.parse_format(fmt)
    query = validate(UpdatesQuery, request.args.to_dict())
    filters = {"community": query.jurisdiction_id}
    viewer = current_viewer()
    open311_updates.check_jurisdiction(db.session, query.jurisdiction_id)
    if viewer.is_staff:
        filters |= scope_for(db.session, viewer, query.jurisdiction_id).case_filters()
    start, end = query.window()
    updates = open311_updates.find_updates(db.session, start, end, filters, trusted=_trusted())
    return _respond(fmt, "service_request_updates", updates)


@bp.post("/servicerequestupdates.<fmt>")
def create_update(fmt):
    fmt = shaping.parse_format(fmt)
    fields = _form()
    client = _trusted_client(fields.get("api_key"))
    if client is None:  # 403 before any word on the fields
        raise ForbiddenError("提交更新需要有效的 api_key (a valid api_key is required to post updates)", field="api_key")
    update = validate(UpdateIn, fields)
    open311_updates.check_jurisdiction(db.session, update.jurisdiction_id)
    created = open311_updates.post_update(db.session, update, client=client, community=update.jurisdiction_id,
                                          policy=CasePolicy.from_config(current_app.config))
    db.session.commit()
    return _respond(fmt, "service_request_updates", created, 201)
