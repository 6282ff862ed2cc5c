"""What users read is Chinese: error pages for browsers, error messages, actors and the header."""

import re

import pytest
from werkzeug.exceptions import RequestEntityTooLarge

from geo_app.errors import user_text
from tests.factories import case_body

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def visible_text(page):
    """The text of a page's <body> without its tags and scripts."""
    body = page.split("<body", 1)[1].split(">", 1)[1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("method,path,status,title", [
    ("GET", "/no-such-page", 404, "没有找到这个页面"),
    ("DELETE", "/sites", 405, "不支持这种访问方式"),
])
def test_a_browser_gets_a_chinese_error_page(public_client, method, path, status, title):
    response = public_client.open(path, method=method, headers=BROWSER)
    assert response.status_code == status and response.mimetype == "text/html"
    text = visible_text(response.get_data(as_text=True))
    assert title in text and "返回首页" in text
    assert LATIN_WORD.findall(text) == []


def test_an_api_client_keeps_json_errors(public_client):
    response = public_client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    # under /api/ a browser's Accept does not matter: a script asked
    api = public_client.get("/api/v1/no-such-endpoint", headers=BROWSER)
    assert api.status_code == 404 and api.mimetype == "application/json"


def test_errors_carry_a_chinese_user_message_beside_the_developer_message(client):
    body = client.get("/api/v1/cases/MQ-1999-999999").get_json()
    assert body["error"] == "case_not_found" and "no case with code" in body["message"]
    assert body["user_message"] == "没有编号为 MQ-1999-999999 的民情"


def test_a_chief_refused_a_cadre_page_reads_chinese(chief_client):
    response = chief_client.get("/stats", headers=BROWSER)
    assert response.status_code == 403
    text = visible_text(response.get_data(as_text=True))
    assert "此操作仅限管理员、社区干部" in text and "you are chief" not in text


@pytest.mark.parametrize("message,shown", [
    ("reporter_phone 必须是 5 到 15 位数字 (reporter_phone must be 5–15 digits, got '12')", "联系电话 必须是 5 到 15 位数字"),
    ("缺少 title (title: Field required)", "缺少 标题"),
    ("查询超时，请缩小范围后重试 (the query took too long); narrow it and retry", "查询超时，请缩小范围后重试"),
    ("only English here", ""),
])
def test_user_text_keeps_the_chinese_sentence_with_field_labels(message, shown):
    assert user_text(message) == shown


def test_a_server_error_and_a_large_upload_get_chinese_pages(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("boom")

    def too_large():
        raise RequestEntityTooLarge()

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.add_url_rule("/large-for-test", "large_for_test", too_large)
    test_client = app.test_client()
    page = test_client.get("/broken-for-test", headers=BROWSER)
    assert page.status_code == 500 and "服务器出错了" in page.get_data(as_text=True)
    assert test_client.get("/broken-for-test").get_json()["error"] == "server_error"
    large = test_client.get("/large-for-test", headers=BROWSER)
    assert large.status_code == 413 and "上传的内容太大" in large.get_data(as_text=True)


def test_history_names_people_and_roles_not_accounts(client):
    created = client.post("/api/v1/cases", json=case_body())
    assert created.status_code == 201, created.get_data(as_text=True)
    history = client.get(f"/api/v1/cases/{created.get_json()['code']}").get_json()["history"]
    received = history[0]
    assert received["actor"] == "cadre" and received["actor_label"] == "社区干部"
    assert all(LATIN_WORD.search(event["actor_label"]) is None for event in history)


@pytest.mark.parametrize("fixture,expected", [("client", "社区干部"), ("chief_client", "楼栋长 ")])
def test_the_header_shows_the_person_or_the_role_not_the_account(request, fixture, expected):
    page = request.getfixturevalue(fixture).get("/track").get_data(as_text=True)
    user = re.search(r'<span class="mq-user">(.*?)</span>', page)[1]
    assert user.startswith(expected) and LATIN_WORD.search(user) is None


@pytest.mark.parametrize("path", ["/sites", "/map", "/heatmap", "/login", "/track"])
def test_every_page_allows_pinch_zoom_and_links_the_icon(client, path):
    page = client.get(path).get_data(as_text=True)
    assert "user-scalable" not in page and "maximum-scale" not in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)[1]
    assert client.get(icon).status_code == 200


def test_favicon_ico_is_answered(public_client):
    response = public_client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
