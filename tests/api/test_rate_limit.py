"""Anonymous posts are rate-limited per client, whatever their outcome; logged-in callers are not."""

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
