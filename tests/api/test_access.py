"""Role matrix, CSRF, tokens, personal data and the audit trail, against the real app and PostGIS."""

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from geo_app.extensions import db
from tests.conftest import client_as, owner_connection
from tests.factories import case_body, point_in_building

ROLES = ("public", "chief", "cadre", "admin")


@pytest.fixture
def clients(app):
    return {"public": app.test_client(), **{r: client_as(app, r) for r in ("chief", "cadre", "admin")}}


@pytest.fixture
def own_case(clients):
    """A case in BD01, whose 楼栋长 is the demo chief."""
    response = clients["cadre"].post("/api/v1/cases", json=case_body(category="dispute", **point_in_building("BD01")))
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def other_case(clients):
    return clients["cadre"].post("/api/v1/cases", json=case_body(**point_in_building("BD09"))).get_json()


GET_MATRIX = [
    # path, expected status for public, chief, cadre, admin
    ("/healthz", (200, 200, 200, 200)),
    ("/api/v1/sites", (200, 200, 200, 200)),
    ("/api/v1/sites/nearest?lat=22.9685&lon=115.3201", (200, 200, 200, 200)),
    ("/api/v1/vocabularies", (200, 200, 200, 200)),
    ("/api/v1/heat?zoom=16&bbox=115.30,22.95,115.34,22.99", (200, 200, 200, 200)),
    ("/api/v1/lookup?lat=22.9685&lon=115.3201", (401, 200, 200, 200)),
    ("/api/v1/units?kind=building", (401, 200, 200, 200)),
    ("/api/v1/people?role=lane_chief", (401, 200, 200, 200)),
    ("/api/v1/cases", (401, 200, 200, 200)),
    ("/api/v1/cases?overdue=1", (401, 200, 200, 200)),
    ("/api/v1/stats?by=channel", (401, 403, 200, 200)),
    ("/api/v1/points/mingzhu", (401, 403, 200, 200)),
    ("/api/v1/points/mingzhu/BD01-101", (401, 403, 200, 200)),
]


@pytest.mark.parametrize("path,expected", GET_MATRIX, ids=[p for p, _ in GET_MATRIX])
def test_role_matrix_for_reads(clients, path, expected):
    got = tuple(clients[role].get(path).status_code for role in ROLES)
    assert got == expected


def test_case_page_access(clients, own_case, other_case):
    own, other = f"/api/v1/cases/{own_case['code']}", f"/api/v1/cases/{other_case['code']}"
    assert [clients[r].get(own).status_code for r in ROLES] == [401, 200, 200, 200]
    assert [clients[r].get(other).status_code for r in ROLES] == [401, 403, 200, 200]
    assert clients["public"].get(f"/api/v1/track/{own_case['tracking_code']}").status_code == 200
    assert clients["public"].get(f"/api/v1/track/{own_case['code']}").status_code == 404


def test_chief_sees_only_their_cases(clients, own_case, other_case):
    codes = {c["code"] for c in clients["chief"].get("/api/v1/cases?limit=1000").get_json()["cases"]}
    assert own_case["code"] in codes and other_case["code"] not in codes
    assert all(c["assignee"]["name"] == own_case["assignee"]["name"]
               for c in clients["chief"].get("/api/v1/cases?limit=1000").get_json()["cases"])


def test_chief_may_accept_and_resolve_but_not_dispatch_or_close(clients, own_case, other_case):
    chief = clients["chief"]
    path = f"/api/v1/cases/{own_case['code']}/transitions"
    response = chief.post(path, json={"action": "dispatch", "version": own_case["version"], "assignee_id": 1})
    assert response.status_code == 403
    accepted = chief.post(path, json={"action": "accept", "version": own_case["version"]})
    assert accepted.status_code == 200
    other = chief.post(f"/api/v1/cases/{other_case['code']}/transitions",
                       json={"action": "accept", "version": other_case["version"]})
    assert other.status_code == 403
    public = clients["public"].post(path, json={"action": "start", "version": accepted.get_json()["version"]})
    assert public.status_code == 401


def test_public_post_gets_a_receipt_without_personal_data(clients):
    response = clients["public"].post("/api/v1/cases", json=case_body(**point_in_building("BD03")))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "tracking_code", "status", "status_label", "category", "channel", "unit", "assignee",
                         "track_url"}
    assert "*" in body["assignee"]["name"]
    assert "13912345678" not in response.get_data(as_text=True)


PHONE = re.compile(r"(?<![\d.])1[3-9]\d{9}(?!\d)")  # a mobile number, not digits inside a coordinate


@pytest.mark.parametrize("role", ["public", "chief", "cadre"])
def test_no_full_phone_number_outside_a_cadres_case_page(clients, own_case, role):
    paths = ["/api/v1/sites", "/api/v1/heat", f"/api/v1/track/{own_case['tracking_code']}", "/api/v1/lookup?lat=22.9685&lon=115.3201",
             "/api/v1/units", "/api/v1/people", "/api/v1/cases?limit=1000", "/open311/v2/requests.json",
             "/open311/v2/requests.xml", f"/open311/v2/requests/{own_case['code']}.json"]
    for path in paths:
        response = clients[role].get(path)
        assert not PHONE.search(response.get_data(as_text=True)), (role, path)


def test_cadre_case_page_shows_the_reporter_but_chief_sees_it_masked(clients, own_case):
    path = f"/api/v1/cases/{own_case['code']}"
    cadre_view = clients["cadre"].get(path).get_json()
    assert cadre_view["reporter_phone"] == "13912345678" and cadre_view["reporter_name"] == "王小明"
    chief_view = clients["chief"].get(path).get_json()
    assert chief_view["reporter_phone"] == "139****5678" and chief_view["reporter_name"] == "王**"


def test_anonymous_reports_never_show_a_name(clients):
    case = clients["cadre"].post("/api/v1/cases", json=case_body(anonymous=True, reporter_name="张三")).get_json()
    assert case["reporter_name"] is None
    assert "张三" not in clients["admin"].get(f"/api/v1/cases/{case['code']}").get_data(as_text=True)


def test_public_heat_suppresses_cells_under_five(clients):
    bbox = "115.30,22.95,115.34,22.99"
    public = clients["public"].get(f"/api/v1/heat?zoom=13&month=2023-08&bbox={bbox}").get_json()["cells"]
    full = clients["cadre"].get(f"/api/v1/heat?zoom=13&from=2023-08-01&to=2023-08-31&bbox={bbox}").get_json()["cells"]
    assert public and all(c[2] >= 5 for c in public)
    assert any(c[2] < 5 for c in full)
    assert sum(c[2] for c in public) < sum(c[2] for c in full)


def test_cadre_of_another_community_sees_nothing_of_this_one(app, own_case):
    from geo_app.services.accounts import add_user, issue_token

    with app.app_context():
        db.session.execute(text("INSERT INTO community (code, name, boundary) VALUES ('other', '别的社区', "
                                "ST_Multi(ST_GeomFromText('POLYGON((116 23,116.01 23,116.01 23.01,116 23))', 4326)))"))
        add_user(db.session, "othercadre", "cadre", "password-123", community_code="other")
        token = issue_token(db.session, "othercadre")
        db.session.commit()
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert other.get(f"/api/v1/cases/{own_case['code']}").status_code == 403
    assert other.get("/api/v1/cases").get_json()["total"] == 0
    assert other.get("/api/v1/points/mingzhu").status_code == 403


def test_bad_or_disabled_token_is_public(app, cli_runner):
    bad = app.test_client()
    bad.environ_base["HTTP_AUTHORIZATION"] = "Bearer not-a-token"
    assert bad.get("/api/v1/cases").status_code == 401
    cadre = client_as(app, "cadre")
    assert cadre.get("/api/v1/cases").status_code == 200
    assert cli_runner(app, ["users", "disable", "cadre"]).exit_code == 0
    assert cadre.get("/api/v1/cases").status_code == 401


def login(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}), token


def test_login_page_sets_a_session_and_csrf_guards_session_writes(app):
    browser = app.test_client()
    response, _ = login(browser, "cadre", "wrong-password")
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    response, token_before_login = login(browser, "cadre", "mingzhu-shequganbu")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert browser.get("/api/v1/cases?limit=1").status_code == 200
    # a write made with the session cookie but no CSRF token is refused, nothing is written
    refused = browser.post("/api/v1/cases", json=case_body())
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    # the login renewed the session: the token from before it no longer counts, the pages carry a new one
    refused = browser.post("/api/v1/cases", json=case_body(), headers={"X-CSRFToken": token_before_login})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    csrf_token = re.search(r'<meta name="csrf-token" content="([^"]+)"', browser.get("/stats").get_data(as_text=True))[1]
    case = browser.post("/api/v1/cases", json=case_body(), headers={"X-CSRFToken": csrf_token}).get_json()
    refused = browser.post(f"/api/v1/cases/{case['code']}/transitions", json={"action": "accept", "version": case["version"]})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    assert browser.get(f"/api/v1/cases/{case['code']}").get_json()["status"] == "dispatched"
    accepted = browser.post(f"/api/v1/cases/{case['code']}/transitions",
                            json={"action": "accept", "version": case["version"]}, headers={"X-CSRFToken": csrf_token})
    assert accepted.status_code == 200


def test_login_form_without_csrf_token_is_refused(app):
    response = app.test_client().post("/login", data={"username": "cadre", "password": "mingzhu-shequganbu"})
    assert response.status_code == 400 and "csrf" in response.get_data(as_text=True).lower()
    assert "Set-Cookie" not in response.headers or "session=" not in response.headers.get("Set-Cookie", "")


def test_login_does_not_redirect_off_site(app):
    browser = app.test_client()
    page = browser.get("/login?next=https://evil.example/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post("/login?next=https://evil.example/",
                            data={"username": "cadre", "password": "mingzhu-shequganbu", "csrf_token": token})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


@pytest.mark.committed_db  # a second connection, as the owner
def test_case_events_are_append_only_in_the_database(app):
    # The app role may not even try (tests/test_db_roles.py); the trigger stops the owner as well.
    conn = owner_connection(app)
    try:
        for statement in ("UPDATE case_event SET note = 'rewritten' WHERE id = (SELECT min(id) FROM case_event)",
                          "DELETE FROM case_event", "TRUNCATE case_event CASCADE"):
            with conn.begin(), pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
        assert conn.execute(text("SELECT count(*) FROM case_event")).scalar() > 0
    finally:
        conn.close()


def test_admin_actions_are_logged(app, cli_runner, tmp_path):
    assert cli_runner(app, ["users", "add", "newcadre", "--role", "cadre", "--community", "mingzhu",
                            "--password", "long-enough-pw"]).exit_code == 0
    from tests.helpers import LAYERS

    assert cli_runner(app, ["layers", "import", str(LAYERS / "shops.geojson"), "--kind", "shop",
                            "--community", "mingzhu"]).exit_code == 0
    with app.app_context():
        actions = [r[0] for r in db.session.execute(text("SELECT action FROM admin_log ORDER BY id"))]
    assert "user.add" in actions and "layers.import" in actions


def test_users_cli_refuses_bad_input(app, cli_runner):
    result = cli_runner(app, ["users", "add", "x", "--role", "cadre", "--community", "mingzhu", "--password", "short"])
    assert result.exit_code != 0
    result = cli_runner(app, ["users", "add", "someone", "--role", "chief", "--community", "mingzhu",
                              "--password", "long-enough-pw"])
    assert result.exit_code == 1 and "person" in result.output
    result = cli_runner(app, ["users", "add", "cadre", "--role", "cadre", "--community", "mingzhu",
                              "--password", "long-enough-pw"])
    assert result.exit_code == 1 and "taken" in result.output
    result = cli_runner(app, ["users", "add", "pw", "--role", "cadre", "--community", "mingzhu"],
                        input="prompted-password\nprompted-password\n")
    assert result.exit_code == 0, result.output


def test_users_token_prints_a_token_that_works(app, cli_runner):
    result = cli_runner(app, ["users", "token", "admin"])
    token = result.output.strip()
    assert result.exit_code == 0 and len(token) >= 32
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get("/api/v1/stats").status_code == 200


def test_role_matrix_for_writes(clients, own_case, other_case):
    """Each role × each write endpoint → the expected status; refusals change nothing."""
    def transition(role, case, action, **extra):
        return clients[role].post(f"/api/v1/cases/{case['code']}/transitions",
                                  json={"action": action, "version": case["version"], **extra}).status_code

    assert [clients[r].post("/api/v1/cases", json=case_body()).status_code for r in ROLES] == [201, 201, 201, 201]
    assert [transition(r, other_case, "accept") for r in ("public", "chief")] == [401, 403]
    assert transition("cadre", other_case, "accept") == 200
    assert [transition(r, own_case, "mark_duplicate", duplicate_of=other_case["code"])
            for r in ("public", "chief")] == [401, 403]
    assert transition("admin", own_case, "mark_duplicate", duplicate_of=other_case["code"]) == 200
    earn = {"points": 5, "reason": "志愿服务"}
    assert [clients[r].post("/api/v1/points/mingzhu/矩阵户/earn", json=earn).status_code for r in ROLES] == \
        [401, 403, 200, 200]
    assert [clients[r].post("/api/v1/points/mingzhu/矩阵户/redeem", json={"points": 1}).status_code for r in ROLES] == \
        [401, 403, 200, 200]
    assert clients["cadre"].get("/api/v1/points/mingzhu/矩阵户").get_json()["balance"] == 8


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example/", "https://evil.example/", "javascript:alert(1)"])
def test_login_next_never_leaves_the_site(app, target):
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post("/login", query_string={"next": target},
                            data={"username": "cadre", "password": "mingzhu-shequganbu", "csrf_token": token})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_tracking_shows_no_free_text_but_the_resolution_note_with_phones_masked(clients, own_case):
    """Issue 11: the reporter reads the 办结说明 on /track (written for them); a phone number in it is masked."""
    cadre = clients["cadre"]
    version = own_case["version"]
    assert "楼道" not in clients["public"].get(f"/api/v1/track/{own_case['tracking_code']}").get_data(as_text=True)
    for action, extra in [("accept", {}), ("resolve", {"note": "已联系物业 13912345678 处理"})]:
        version = cadre.post(f"/api/v1/cases/{own_case['code']}/transitions",
                             json={"action": action, "version": version, **extra}).get_json()["version"]
    tracked = clients["public"].get(f"/api/v1/track/{own_case['tracking_code']}").get_json()
    assert tracked["resolution_note"] == "已联系物业 139****5678 处理"
    assert "13912345678" not in str(tracked) and tracked["status_label"] == "办结"


@pytest.mark.parametrize("query,field", [("assignee=54", "assignee"), ("status=closed", "status"),
                                         ("from=2024-01-01T10:00:00", "from")])
def test_public_heat_refuses_slicing_filters(clients, query, field):
    response = clients["public"].get(f"/api/v1/heat?{query}")
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert clients["cadre"].get(f"/api/v1/heat?{query}").status_code == 200


def test_public_heat_is_capped_at_a_coarse_zoom(clients):
    bbox = "115.30,22.95,115.34,22.99"
    assert clients["public"].get(f"/api/v1/heat?zoom=20&bbox={bbox}").get_json()["cell_m"] >= 100
    assert clients["cadre"].get(f"/api/v1/heat?zoom=20&bbox={bbox}").get_json()["cell_m"] < 20


@pytest.mark.parametrize("path", ["/api/v1/track/%00", "/open311/v2/requests/%00.json", "/api/v1/sites?community=%00"])
def test_nul_in_a_url_is_400(clients, path):
    response = clients["cadre"].get(path)
    assert response.status_code == 400


def test_nul_in_a_transition_note_is_400_and_changes_nothing(clients, own_case):
    response = clients["cadre"].post(f"/api/v1/cases/{own_case['code']}/transitions",
                                     json={"action": "return", "version": own_case["version"], "note": "a\x00b"})
    assert response.status_code == 400
    assert clients["cadre"].get(f"/api/v1/cases/{own_case['code']}").get_json()["status"] == "dispatched"


def test_idempotency_keys_are_per_caller(clients):
    headers = {"Idempotency-Key": "same-key"}
    mine = clients["cadre"].post("/api/v1/cases", json=case_body(title="甲"), headers=headers).get_json()
    theirs = clients["public"].post("/api/v1/cases", json=case_body(title="乙"), headers=headers)
    assert theirs.status_code == 201 and theirs.get_json()["code"] != mine["code"]


def test_dispatch_to_a_point_in_another_community_is_refused(app, clients, own_case):
    with app.app_context():
        db.session.execute(text("INSERT INTO community (code, name, boundary) VALUES ('other', '别的社区', "
                                "ST_Multi(ST_GeomFromText('POLYGON((116 23,116.01 23,116.01 23.01,116 23))', 4326)))"))
        db.session.commit()
    response = clients["cadre"].post(f"/api/v1/cases/{own_case['code']}/transitions",
                                     json={"action": "dispatch", "version": own_case["version"], "lat": 23.002, "lon": 116.008})
    assert response.status_code == 400 and "another community" in response.get_json()["message"]
