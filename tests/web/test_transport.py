"""Transport: JSON, JS and CSS compressed (brotli, gzip), never HTML; versioned assets immutable for a year."""

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

ROOT = Path(__file__).resolve().parents[2]
BR_GZIP = {"Accept-Encoding": "br, gzip"}
YEAR = "max-age=31536000"


def _decoded(response):
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return brotli.decompress(data) if encoding == "br" else gzip.decompress(data) if encoding == "gzip" else data


def test_json_is_compressed_with_brotli_and_reads_back(client):
    plain = client.get("/api/v1/cases?limit=500")
    packed = client.get("/api/v1/cases?limit=500", headers=BR_GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "br" and "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(_decoded(packed)) == plain.get_json()
    assert len(packed.get_data()) * 4 < len(plain.get_data())


def test_gzip_for_a_client_without_brotli(client):
    packed = client.get("/api/v1/cases?limit=100", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(_decoded(packed))["cases"]


def test_html_pages_are_not_compressed(client):
    """A page holds the CSRF token beside text a request puts there (BREACH): it stays uncompressed."""
    page = client.get("/map", headers=BR_GZIP)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_public_answers_still_revalidate_by_etag(public_client):
    first = public_client.get("/api/v1/sites", headers=BR_GZIP)
    assert first.headers["Content-Encoding"] == "br" and first.headers["ETag"]
    again = public_client.get("/api/v1/sites", headers={**BR_GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def _linked(page_html, pattern):
    return re.findall(pattern, page_html)


def test_own_assets_are_linked_with_their_version_and_kept_a_year(client):
    html = client.get("/map").get_data(as_text=True)
    [css] = _linked(html, r'href="(/static/css/minqing\.css\?v=[0-9a-f]+)"')
    [js] = _linked(html, r'src="(/static/js/cadre\.js\?v=[0-9a-f]+)"')
    for url in (css, js):
        response = client.get(url, headers=BR_GZIP)
        assert response.status_code == 200
        assert YEAR in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
        assert "no-cache" not in response.headers["Cache-Control"] and "Expires" not in response.headers
        assert response.headers["Content-Encoding"] == "br"
    stale = client.get("/static/css/minqing.css?v=0000", headers=BR_GZIP)
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_vendor_files_are_served_under_a_versioned_root(client):
    html = client.get("/map").get_data(as_text=True)
    urls = _linked(html, r'"(/assets/[0-9a-f]+/vendor/leaflet/dist/leaflet\.js)"')
    assert urls
    response = client.get(urls[0], headers=BR_GZIP)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert YEAR in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
    assert "no-cache" not in response.headers["Cache-Control"]
    assert b"Leaflet" in _decoded(response)
    old = client.get(urls[0].replace("/assets/", "/assets/0").split("/vendor/")[0] + "/vendor/leaflet/dist/leaflet.js")
    assert old.status_code == 200 and "immutable" not in old.headers.get("Cache-Control", "")


def test_vendor_files_are_sent_as_the_build_compressed_them(client):
    """A vendor script goes out as built (static/build_vendor.py's .br or .gz), not compressed again per answer."""
    from geo_app.static_assets import vendor_base_url

    with client.application.test_request_context():
        base = vendor_base_url()
    url = base + "leaflet/dist/leaflet.js"
    on_disk = ROOT / "static" / "vendor" / "leaflet" / "dist"
    plain = client.get(url, headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and plain.get_data() == (on_disk / "leaflet.js").read_bytes()
    etags = {plain.headers["ETag"]}
    for accepted, encoding, suffix in (("br, gzip", "br", ".br"), ("gzip;q=1.0, br;q=0.5", "gzip", ".gz"),
                                       ("gzip", "gzip", ".gz"), ("deflate, br", "br", ".br")):
        packed = client.get(url, headers={"Accept-Encoding": accepted})
        assert packed.status_code == 200 and packed.headers["Content-Encoding"] == encoding, accepted
        assert packed.get_data() == (on_disk / f"leaflet.js{suffix}").read_bytes(), accepted
        assert _decoded(packed) == plain.get_data(), accepted
        assert packed.headers["Content-Type"] == plain.headers["Content-Type"], accepted
        assert packed.headers["Content-Length"] == str(len(packed.get_data())), accepted
        assert "Accept-Encoding" in packed.headers["Vary"] and "immutable" in packed.headers["Cache-Control"]
        etags.add(packed.headers["ETag"])
        again = client.get(url, headers={"Accept-Encoding": accepted, "If-None-Match": packed.headers["ETag"]})
        assert again.status_code == 304, accepted
    assert len(etags) == 3  # one validator per representation: identity, br, gzip


def _versioned(app):
    from geo_app.static_assets import vendor_base_url

    with app.test_request_context():
        return vendor_base_url()


def test_a_vendor_tree_is_versioned_once_per_build_and_compressed_as_sent_if_not_built_so(app, tmp_path):
    """Each build writes a new stamp and swaps the tree in: the version is read again then, not per request."""
    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    script = tmp_path / "vendor" / "lib" / "lib.js"
    script.write_text("var answer = 42;\n" * 300)
    app.static_folder = str(tmp_path)
    unbuilt = _versioned(app)
    packed = app.test_client().get(unbuilt + "lib/lib.js", headers=BR_GZIP)
    assert packed.headers["Content-Encoding"] == "br" and _decoded(packed) == script.read_bytes()
    assert "immutable" in packed.headers["Cache-Control"]

    def build(text):
        script.write_text(text)
        stamp = tmp_path / "vendor" / ".stamp.json.new"
        stamp.write_text(json.dumps({"inputs": text}))
        stamp.replace(tmp_path / "vendor" / ".stamp.json")
        return _versioned(app)

    first = build("var answer = 43;\n")
    second = build("var answer = 44;\n")
    assert len({unbuilt, first, second}) == 3
    script.write_text("var answer = 45;\n")  # changed by hand, not built: the version stays the build's
    assert _versioned(app) == second
    assert "immutable" not in app.test_client().get(first + "lib/lib.js").headers["Cache-Control"]


@pytest.mark.parametrize("who", ["cadre", "public"])
def test_static_files_are_sent_without_asking_the_database(app, who):
    """A page's vendor files and our own load no viewer, count no limit and run no statement."""
    from flask import url_for
    from sqlalchemy import event

    from geo_app.extensions import db
    from geo_app.static_assets import vendor_base_url
    from tests.conftest import client_as

    browser = client_as(app, who) if who == "cadre" else app.test_client()
    with app.test_request_context():
        files = [vendor_base_url() + "leaflet/dist/leaflet.js", url_for("static", filename="css/minqing.css")]
    with app.app_context():
        engine = db.engine
    statements = []

    def record(_conn, _cursor, statement, *_):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        answers = [browser.get(url, headers=BR_GZIP) for url in files * 3]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [answer.status_code for answer in answers] == [200] * 6
    assert statements == []


@pytest.mark.parametrize("path", ["/stats", "/sites"])
def test_every_page_links_versioned_scripts_only(client, path):
    html = client.get(path).get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert "?v=" in url, url
    assert "/static/vendor/" not in html
