"""OGC API – Features at /ogc: the resources, scope and auth like the API, paging links, bbox, datetime, bad input."""

from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as
from tests.factories import B_BOUNDARY


def count(app, sql, **params):
    with app.app_context():
        return db.session.execute(text(sql), params).scalar()


def link(body, rel):
    return next((item["href"] for item in body["links"] if item["rel"] == rel), None)


def test_landing_conformance_and_api_are_linked(public_client):
    landing = public_client.get("/ogc")
    assert landing.status_code == 200 and "民情地图" in landing.get_json()["title"]
    body = landing.get_json()
    conformance = public_client.get(urlsplit(link(body, "conformance")).path).get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    api = public_client.get(urlsplit(link(body, "service-desc")).path)
    assert api.mimetype == "application/vnd.oai.openapi+json"
    limit = next(p for p in api.get_json()["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (1000, 5000)


def test_the_public_lists_public_collections_in_chinese_and_not_cases(public_client):
    listed = {c["id"]: c for c in public_client.get("/ogc/collections").get_json()["collections"]}
    assert set(listed) == {"streets", "lanes", "shops", "buildings", "grids", "sites", "heat"}
    assert listed["buildings"]["title"] == "楼栋责任区" and "楼栋长" in listed["buildings"]["description"]
    minlon, minlat, maxlon, maxlat = listed["buildings"]["extent"]["spatial"]["bbox"][0]
    assert minlon < maxlon and minlat < maxlat


def test_staff_see_cases_with_their_temporal_extent(client):
    listed = {c["id"]: c for c in client.get("/ogc/collections").get_json()["collections"]}
    assert "cases" in listed and listed["cases"]["title"] == "民情"
    first, last = listed["cases"]["extent"]["temporal"]["interval"][0]
    assert first <= last


def test_the_public_reads_names_and_kinds_only_and_staff_the_masked_people(app, public_client, client):
    public = public_client.get("/ogc/collections/buildings/items?limit=5").get_json()
    assert public["numberReturned"] == 5
    assert set(public["features"][0]["properties"]) == {"id", "kind", "kind_label", "name", "community"}
    staff = client.get("/ogc/collections/buildings/items?limit=50").get_json()
    people = [p for f in staff["features"] for p in f["properties"]["people"]]
    assert people and all("****" in p["phone"] for p in people if p["phone"])
    assert public_client.get("/ogc/collections/buildings/items?limit=5").headers["Cache-Control"].startswith("public")
    assert client.get("/ogc/collections/buildings/items?limit=5").headers["Cache-Control"] == "private, no-store"


def test_paging_links_walk_every_building_once(app, public_client):
    total = count(app, "SELECT count(*) FROM unit WHERE kind = 'building'")
    seen, url, pages = [], "/ogc/collections/buildings/items?limit=7", 0
    while url:
        response = public_client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/geo+json"
        body = response.get_json()
        assert body["numberMatched"] == total and body["numberReturned"] == len(body["features"])
        seen += [f["id"] for f in body["features"]]
        next_href = link(body, "next")
        url = urlsplit(next_href).path + "?" + urlsplit(next_href).query if next_href else None
        pages += 1
    assert len(seen) == len(set(seen)) == total and pages == -(-total // 7)
    last = public_client.get(f"/ogc/collections/buildings/items?limit=7&offset={7 * (pages - 1)}").get_json()
    assert parse_qs(urlsplit(link(last, "prev")).query)["offset"] == [str(7 * (pages - 2))]


def test_bbox_selects_the_buildings_it_touches(app, public_client):
    bbox = "115.3500,22.9600,115.3600,22.9700"
    expected = count(app, "SELECT count(*) FROM unit WHERE kind = 'building' AND "
                          "geom && ST_MakeEnvelope(115.35, 22.96, 115.36, 22.97, 4326)")
    body = public_client.get(f"/ogc/collections/buildings/items?bbox={bbox}&limit=5000").get_json()
    assert body["numberMatched"] == body["numberReturned"] == expected
    assert "bbox=" in link(body, "self")


def test_one_feature_and_a_missing_one(app, public_client):
    first = public_client.get("/ogc/collections/sites/items?limit=1").get_json()["features"][0]
    again = public_client.get(f"/ogc/collections/sites/items/{first['id']}")
    assert again.status_code == 200 and again.get_json()["properties"]["name"] == first["properties"]["name"]
    missing = public_client.get("/ogc/collections/sites/items/999999999")
    assert missing.status_code == 404 and missing.get_json()["field"] == "featureId"
    assert public_client.get("/ogc/collections/nothing/items").get_json()["error"] == "unknown_collection"


def test_cases_are_for_staff_of_their_own_community(app, community_b, public_client, client):
    assert public_client.get("/ogc/collections/cases/items").status_code == 401
    assert public_client.get("/ogc/collections/cases").status_code == 401
    refused = client.get("/ogc/collections/cases/items?community=qiaodong")
    assert refused.status_code == 403 and refused.get_json()["error"] == "community_forbidden"
    qd = client_as(app, "qd_cadre").get("/ogc/collections/cases/items?limit=100").get_json()
    assert sorted(f["id"] for f in qd["features"]) == sorted(community_b.case_codes)
    assert all(f["properties"]["community"] == "qiaodong" for f in qd["features"])
    assert not any("reporter" in key for f in qd["features"] for key in f["properties"])
    ours = client.get("/ogc/collections/cases/items?limit=1").get_json()
    assert ours["numberMatched"] == count(app, "SELECT count(*) FROM civic_case c JOIN community m "
                                               "ON m.id = c.community_id WHERE m.code = 'mingzhu'")
    assert client.get(f"/ogc/collections/cases/items/{community_b.case_codes[0]}").status_code == 404


def test_datetime_filters_cases_by_received_at(app, client):
    middle = count(app, "SELECT received_at FROM civic_case ORDER BY received_at "
                        "OFFSET (SELECT count(*) / 2 FROM civic_case) LIMIT 1")
    stamp = quote(middle.isoformat())
    before = client.get(f"/ogc/collections/cases/items?datetime=../{stamp}&limit=1").get_json()["numberMatched"]
    after = client.get(f"/ogc/collections/cases/items?datetime={stamp}/..&limit=1").get_json()["numberMatched"]
    at = client.get(f"/ogc/collections/cases/items?datetime={stamp}&limit=1").get_json()["numberMatched"]
    total = client.get("/ogc/collections/cases/items?limit=1").get_json()["numberMatched"]
    assert at >= 1 and before + after - at == total
    refused = client.get("/ogc/collections/buildings/items?datetime=2024-01-01/..")
    assert refused.status_code == 400 and refused.get_json()["field"] == "datetime"


def test_bad_input_is_refused_naming_the_parameter_in_chinese(public_client):
    for query, field in (("bbox=1,2,3", "bbox"), ("bbox=10,10,5,5", "bbox"), ("bbox=a,b,c,d", "bbox"),
                         ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=-5", "limit"),
                         ("offset=-1", "offset"), ("datetime=yesterday", "datetime"),
                         ("datetime=2024-05-01/2024-01-01", "datetime"), ("f=xml", "f"), ("colour=red", "colour")):
        response = public_client.get(f"/ogc/collections/buildings/items?{query}")
        body = response.get_json()
        assert response.status_code == 400, query
        assert body["field"] == field and body["error"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), query


def test_a_limit_over_the_largest_page_is_served_as_the_largest_page(make_app):
    """OGC API – Features: a limit over the maximum is no error (GDAL asks for more than a server allows)."""
    body = make_app(PAGE_LIMIT_MAX=4).test_client().get("/ogc/collections/buildings/items?limit=1000").get_json()
    assert body["numberReturned"] == 4 and "limit=4" in link(body, "next")


def test_heat_cells_are_the_public_slice(app, public_client):
    minlon, minlat, maxlon, maxlat = B_BOUNDARY
    body = public_client.get("/ogc/collections/heat/items?limit=5000").get_json()
    assert body["numberMatched"] == len(body["features"])
    for feature in body["features"][:3]:
        assert feature["properties"]["count"] >= app.config["HEAT_PUBLIC_MIN_COUNT"]
        again = public_client.get(f"/ogc/collections/heat/items/{feature['id']}").get_json()
        assert again["properties"]["count"] == feature["properties"]["count"]
    assert public_client.get("/ogc/collections/heat/items/z15-1-1").status_code == 404


def test_the_api_units_and_sites_say_what_they_left_out(make_app):
    app = make_app(PAGE_LIMIT_DEFAULT=10)
    cadre = client_as(app, "cadre")
    units = cadre.get("/api/v1/units?kind=building").get_json()
    assert units["numberReturned"] == 10 and units["numberMatched"] > 10
    assert "offset=10" in link(units, "next")
    last = cadre.get(f"/api/v1/units?kind=building&offset={units['numberMatched'] - 3}").get_json()
    assert last["numberReturned"] == 3 and link(last, "next") is None
    sites = app.test_client().get("/api/v1/sites").get_json()
    assert sites["numberMatched"] == sites["numberReturned"] == len(sites["features"])


def test_anonymous_feature_pages_count_as_heavy_reads_and_staff_are_not_limited(make_app):
    app = make_app(ANON_HEAVY_LIMIT="2 per minute")
    public, cadre = app.test_client(), client_as(app, "cadre")
    statuses = [public.get("/ogc/collections/sites/items").status_code for _ in range(3)]
    assert statuses == [200, 200, 429] and public.get("/ogc/collections").status_code == 200
    assert [cadre.get("/ogc/collections/sites/items").status_code for _ in range(3)] == [200, 200, 200]


def test_anonymous_pages_revalidate_by_etag(public_client):
    first = public_client.get("/ogc/collections/buildings/items?limit=3")
    again = public_client.get("/ogc/collections/buildings/items?limit=3", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_schemathesis_finds_no_5xx_in_the_ogc_document(app):
    """Every OGC operation, with generated valid and invalid inputs, as an admin: never a server error."""
    from tests.conftest import token_for
    from tests.fuzzing import server_errors

    calls, failures = server_errors(app, "/ogc/api", {"Authorization": f"Bearer {token_for(app, 'admin')}"})
    assert len(calls) >= 50 and not failures, failures
