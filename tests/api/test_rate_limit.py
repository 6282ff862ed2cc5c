"""Anonymous posts are rate-limited per client, whatever their outcome; logged-in callers are not."""

from geo_app.static_assets import vendor_base_url
from tests.conftest import client_as
from tests.factories import case_body


def test_anonymous_posts_count_whatever_their_outcome(make_app):
    app = make_app(ANON_POST_LIMIT="3 per minute")
    public = app.test_client()
    statuses = [public.post("/api/v1/cases", json={"title": ""}).status_code for _ in range(3)]
    assert statuses == [400, 400, 400]
    blocked = public.post("/api/v1/cases", json=case_body())
    assert blocked.status_code == 429 and blocked.get_json()["error"] == "rate_limited"
    assert public.post("/open311/v2/requests.json", data={"service_code": "hazard"}).status_code == 429
    assert public.get("/api/v1/sites").status_code == 200  # reads are not limited


def test_token_holders_are_not_limited(make_app):
    app = make_app(ANON_POST_LIMIT="2 per minute")
    cadre = client_as(app, "cadre")
    assert all(cadre.post("/api/v1/cases", json=case_body()).status_code == 201 for _ in range(4))


def test_forwarded_for_is_ignored_without_trusted_proxies(make_app):
    app = make_app(ANON_POST_LIMIT="2 per minute")
    public = app.test_client()
    for i in range(2):
        public.post("/api/v1/cases", json={}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
    spoofed = public.post("/api/v1/cases", json={}, headers={"X-Forwarded-For": "10.0.0.99"})
    assert spoofed.status_code == 429


def test_forwarded_for_is_used_through_a_trusted_proxy(make_app):
    app = make_app(ANON_POST_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    public = app.test_client()
    for _ in range(2):
        public.post("/api/v1/cases", json={}, headers={"X-Forwarded-For": "10.0.0.1"})
    assert public.post("/api/v1/cases", json={}, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
    assert public.post("/api/v1/cases", json={}, headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 400


def test_anonymous_gets_are_limited_heavy_ones_more_strictly(make_app):
    app = make_app(ANON_GET_LIMIT="6 per minute", ANON_HEAVY_LIMIT="2 per minute")
    public = app.test_client()
    assert [public.get("/api/v1/sites").status_code for _ in range(3)] == [200, 200, 429]
    assert public.get("/api/v1/vocabularies").status_code == 200  # a light GET still passes
    assert public.get("/track").status_code == 200
    blocked = public.get("/api/v1/sites/nearest?lat=22.9685&lon=115.3201")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
    statuses = [public.get("/api/v1/vocabularies").status_code for _ in range(4)]
    assert statuses[-1] == 429, statuses  # 6 GETs in all
    # /healthz and static files are never counted; staff are not limited
    assert public.get("/healthz").status_code == 200
    assert public.get("/static/css/minqing.css").status_code == 200
    with app.test_request_context():
        vendor = vendor_base_url()
    assert public.get(vendor + "leaflet/dist/leaflet.js").status_code == 200
    cadre = client_as(app, "cadre")
    assert all(cadre.get("/api/v1/sites").status_code == 200 for _ in range(4))


def test_a_bad_token_is_counted_as_anonymous(make_app):
    app = make_app(ANON_HEAVY_LIMIT="1 per minute")
    forged = app.test_client()
    forged.environ_base["HTTP_AUTHORIZATION"] = "Bearer not-a-token"
    assert [forged.get("/api/v1/sites").status_code for _ in range(2)] == [200, 429]


def test_every_endpoint_named_by_the_limits_and_caching_exists(app):
    from geo_app.auth.limits import HEAVY_ENDPOINTS, NEVER_COUNTED
    from geo_app.headers import PUBLIC_MAX_AGE

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert (HEAVY_ENDPOINTS | NEVER_COUNTED | set(PUBLIC_MAX_AGE)) <= endpoints


def test_counts_live_in_the_database_by_default(make_app):
    from sqlalchemy import text

    from geo_app.extensions import db

    app = make_app(ANON_POST_LIMIT="3 per minute")
    app.test_client().post("/api/v1/cases", json={})
    with app.app_context():
        rows = db.session.execute(text("SELECT key, count FROM rate_limit_counter")).all()
    assert any("anon-post" in key and count == 1 for key, count in rows), rows
