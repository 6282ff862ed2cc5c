"""GET /api/v1/search: two Chinese characters find their place; codes in any case; scoped by role."""

import pytest
from sqlalchemy import text


def _search(client, q, **args):
    response = client.get("/api/v1/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_two_characters_find_the_building(client):
    results = _search(client, "明珠")
    buildings = [r for r in results if r["kind"] == "unit" and r["unit_kind"] == "building"]
    assert "明珠花园1栋" in [b["name"] for b in buildings]
    first = next(b for b in buildings if b["name"] == "明珠花园1栋")
    assert first["kind_label"] == "楼栋" and first["match"] == "prefix"
    minlon, minlat, maxlon, maxlat = first["bbox"]
    assert minlon <= first["lon"] <= maxlon and minlat <= first["lat"] <= maxlat


def test_two_characters_in_the_middle_of_a_name_match(client):
    names = [r["name"] for r in _search(client, "红宫")]
    assert "红宫书店" in names  # a shop (unit) …
    assert any("红宫红场" in n for n in names)  # … and the memorial (site)


def test_exact_before_prefix_before_substring(client):
    results = _search(client, "书院巷", limit=50)
    assert results[0]["name"] == "书院巷" and results[0]["match"] == "exact"
    order = ["exact", "prefix", "substring"]
    ranks = [order.index(r["match"]) for r in results]
    assert ranks == sorted(ranks)
    assert any(r["name"] == "书院巷2号楼" and r["match"] == "prefix" for r in results)


def test_a_case_code_in_lower_case_is_found_first(client):
    code = client.get("/api/v1/cases?limit=1").get_json()["cases"][0]["code"]
    results = _search(client, code.lower())
    assert results[0] == results[0] | {"kind": "case", "code": code, "match": "exact"}
    assert results[0]["lat"] and results[0]["detail"]


def test_staff_find_people_by_name_and_the_public_do_not(client, public_client):
    person = client.get("/api/v1/people?role=building_chief").get_json()["people"][0]
    found = [r for r in _search(client, person["name"]) if r["kind"] == "person"]
    assert found and found[0]["name"] == person["name"] and "楼栋长" in found[0]["detail"]
    assert "phone" not in found[0]
    public = _search(public_client, person["name"])
    assert all(r["kind"] in ("unit", "site") for r in public)


def test_the_public_sees_sites_and_streets_only(public_client, client):
    code = client.get("/api/v1/cases?limit=1").get_json()["cases"][0]["code"]
    assert _search(public_client, code) == []
    kinds = {(r["kind"], r.get("unit_kind")) for r in _search(public_client, "巷", limit=50)}
    assert kinds and kinds <= {("unit", "street"), ("unit", "lane"), ("site", None)}
    assert not [r for r in _search(public_client, "明珠花园") if r["kind"] == "unit"]  # buildings are staff-only


def test_a_chief_finds_only_their_own_cases(app, client, chief_client):
    chief_codes = {c["code"] for c in chief_client.get("/api/v1/cases?limit=1000").get_json()["cases"]}
    other = next(c["code"] for c in client.get("/api/v1/cases?limit=200").get_json()["cases"]
                 if c["code"] not in chief_codes)
    assert not [r for r in _search(chief_client, other) if r["kind"] == "case"]
    if chief_codes:
        mine = sorted(chief_codes)[0]
        assert _search(chief_client, mine)[0]["code"] == mine


def test_cadres_find_cases_by_address_and_chiefs_do_not(app, client, chief_client):
    from geo_app.extensions import db

    code = client.get("/api/v1/cases?limit=1").get_json()["cases"][0]["code"]
    with app.app_context():
        db.session.execute(text("UPDATE civic_case SET address = '水仙巷门口榕树下' WHERE code = :c"), {"c": code})
        db.session.commit()
    found = [r for r in _search(client, "榕树下") if r["kind"] == "case_address"]
    assert [r["code"] for r in found] == [code] and found[0]["name"] == "水仙巷门口榕树下"
    assert not [r for r in _search(chief_client, "榕树下") if r["kind"] == "case_address"]


def test_another_community_is_refused_to_staff(client):
    response = client.get("/api/v1/search", query_string={"q": "明珠", "community": "elsewhere"})
    assert response.status_code == 403


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%%%"])
def test_like_wildcards_are_plain_characters(client, q):
    assert _search(client, q) == []


@pytest.mark.parametrize("args", [{}, {"q": ""}, {"q": "x" * 51}, {"q": "明珠", "limit": 0}])
def test_bad_queries_are_refused_in_chinese(client, args):
    response = client.get("/api/v1/search", query_string=args)
    assert response.status_code == 400
    assert response.get_json()["field"] in ("q", "limit")
