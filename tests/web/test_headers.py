"""Every answer carries the security headers; public answers are cacheable (ETag, 304) and staff ones are not."""

import base64
import hashlib
import re

import pytest

from tests.conftest import client_as

PUBLIC_URLS = ["/", "/sites", "/heatmap", "/track", "/login", "/api/v1/sites", "/api/v1/vocabularies",
               "/api/v1/heat?zoom=14&bbox=115.30,22.95,115.34,22.99", "/api/v1/sites/nearest?lat=22.9685&lon=115.3201",
               "/healthz", "/static/css/minqing.css", "/api/v1/no-such-thing", "/api/v1/heat?channel=lawyer"]


def csp(response):
    return dict(part.strip().split(" ", 1) if " " in part.strip() else (part.strip(), "")
                for part in response.headers["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_answer_carries_the_security_headers(public_client, url):
    response = public_client.get(url)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = csp(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    if response.mimetype == "text/html":
        assert "'unsafe-inline'" not in policy["script-src"]
        assert policy["object-src"] == "'none'" and policy["connect-src"] == "'self'"


@pytest.mark.parametrize("url", ["/sites", "/heatmap"])
def test_a_map_page_allows_exactly_its_own_inline_scripts_by_hash(public_client, url):
    response = public_client.get(url)
    page = response.get_data(as_text=True)
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
              if "src=" not in attrs and "application/json" not in attrs]
    assert inline, "the folium map is an inline script"
    allowed = set(csp(response)["script-src"].split()) - {"'self'"}
    expected = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
    assert allowed == expected


def test_an_injected_script_would_not_be_allowed(app, public_client):
    """A hostile site name that broke out of escaping would still not run: its hash is not in the policy."""
    response = public_client.get("/sites")
    injected = "alert(4)"
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(injected.encode()).digest()).decode() + "'"
    assert digest not in response.headers["Content-Security-Policy"]


def test_the_same_page_renders_the_same_bytes(public_client):
    first, second = (public_client.get("/sites") for _ in range(2))
    assert first.get_data() == second.get_data() and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Content-Security-Policy"] == second.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url,max_age", [
    ("/api/v1/heat?zoom=14&bbox=115.30,22.95,115.34,22.99", 300), ("/api/v1/sites", 300),
    ("/sites", None), ("/heatmap", None), ("/api/v1/vocabularies", 3600),
])
def test_public_answers_are_revalidated_by_etag(public_client, url, max_age):
    response = public_client.get(url)
    assert response.status_code == 200 and response.headers["ETag"]
    expected = f"public, max-age={max_age}" if max_age else "no-cache"
    assert response.headers["Cache-Control"] == expected
    assert "Cookie" in response.headers["Vary"] and "Set-Cookie" not in response.headers
    again = public_client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Content-Security-Policy"] == response.headers["Content-Security-Policy"]
    changed = public_client.get(url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_staff_answers_are_never_stored(app):
    cadre = client_as(app, "cadre")
    for url in ("/api/v1/cases?limit=1", "/heatmap"):
        response = cadre.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store", url
    # Staff heat holds counts only: kept privately and revalidated by the cases' version (api/conditional.py).
    heat = cadre.get("/api/v1/heat?zoom=14")
    assert heat.status_code == 200 and heat.headers["Cache-Control"] == "private, no-cache"


def test_errors_and_posts_are_not_cached(public_client):
    assert public_client.get("/api/v1/heat?channel=lawyer").headers["Cache-Control"] == "no-store"
    assert public_client.post("/api/v1/cases", json={}).headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_own_lifetimes(public_client):
    vendor = public_client.get("/static/vendor/leaflet/dist/leaflet.js")
    assert vendor.status_code == 200 and "max-age=3600" in vendor.headers["Cache-Control"]
    own = public_client.get("/static/js/heatmap.js")
    assert own.status_code == 200 and "no-cache" in own.headers["Cache-Control"]
    assert public_client.get("/static/js/heatmap.js", headers={"If-None-Match": own.headers["ETag"]}).status_code == 304


def test_a_tile_basemap_host_is_allowed_for_images_only(make_app):
    app = make_app(BASEMAP="gaode")
    policy = csp(app.test_client().get("/sites"))
    assert policy["img-src"].endswith("https://*.is.autonavi.com")
    assert "autonavi" not in policy["script-src"] and "autonavi" not in policy["connect-src"]
