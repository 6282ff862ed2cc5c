"""Transport: JSON, JS and CSS compressed (brotli, gzip), never HTML; versioned assets immutable for a year."""

import gzip
import json
import re

import brotli
import pytest

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


@pytest.mark.parametrize("path", ["/stats", "/sites"])
def test_every_page_links_versioned_scripts_only(client, path):
    html = client.get(path).get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert "?v=" in url, url
    assert "/static/vendor/" not in html
