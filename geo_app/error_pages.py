"""Answer an error as JSON for API clients and as a Chinese page for a browser that asks for HTML."""

import logging

from flask import current_app, jsonify, render_template, request

from .errors import user_text

logger = logging.getLogger(__name__)

# Paths whose answers are always JSON, whatever the client accepts.
API_PREFIXES = ("/api/", "/open311/")
# Headlines of the error page, by status.
TITLES = {
    400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "没有找到这个页面", 405: "不支持这种访问方式",
    409: "数据已变化", 413: "上传的内容太大", 422: "无法处理", 429: "访问太频繁", 500: "服务器出错了",
    503: "服务暂时不可用",
}


def wants_html():
    """Tell whether the request is a browser's page view (HTML preferred, not an API path)."""
    if request.path.startswith(API_PREFIXES):
        return False
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "text/html" and accept["text/html"] > 0


# app.extensions key: (path prefix, render(status, body, headers)) pairs of blueprints that answer their own
# errors (Open311's XML) even when no route of theirs matched (404, 405) or a check before the view refused.
RENDERERS_KEY = "minqing_error_renderers"


def add_error_renderer(app, prefix, render):
    """Let a blueprint shape every error answered under its path prefix."""
    app.extensions.setdefault(RENDERERS_KEY, []).append((prefix, render))


def error_response(status, body, headers=None):
    """Return an error answer: a JSON body as given, or for a browser a page with its Chinese message."""
    for prefix, render in current_app.extensions.get(RENDERERS_KEY, ()):
        if request.path.startswith(prefix):
            return render(status, body, headers or {})
    if not wants_html():
        return jsonify(body), status, headers or {}
    message = user_text(body.get("message")) or TITLES.get(status, "出错了")
    page = render_template("web/error.html", status=status, title=TITLES.get(status, "出错了"), message=message)
    return page, status, headers or {}
