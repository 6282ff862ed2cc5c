"""Units, people and sites endpoints."""

import math

from tests.helpers import demo_features, haversine_m


def test_people_counts_match_the_work_report(client):
    counts = {role: client.get("/api/v1/people", query_string={"role": role}).get_json()["count"]
              for role in ("street_chief", "lane_chief", "shop_chief", "building_chief")}
    assert counts == {"street_chief": 6, "lane_chief": 22, "shop_chief": 24, "building_chief": 12}
    grid = client.get("/api/v1/people?role=grid_worker").get_json()
    assert grid["count"] >= 2
    assert any(p["organisation"] in ("美团外卖", "饿了么") for p in grid["people"])


def test_people_refuses_an_unknown_role(client):
    response = client.get("/api/v1/people?role=mayor")
    assert response.status_code == 400 and response.get_json()["field"] == "role"


def test_units_geojson_carries_people_with_masked_phones(client):
    body = client.get("/api/v1/units?kind=building").get_json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == len(demo_features("buildings.geojson"))
    with_people = [f for f in body["features"] if f["properties"]["people"]]
    assert len(with_people) == 12
    person = with_people[0]["properties"]["people"][0]
    assert person["role"] == "building_chief" and "****" in person["phone"]


def test_units_bbox_and_paging(client):
    everything = client.get("/api/v1/units").get_json()
    assert everything["limit"] >= 1000 and everything["total"] == len(everything["features"])
    page = client.get("/api/v1/units?limit=5&offset=5").get_json()
    assert [f["id"] for f in page["features"]] == [f["id"] for f in everything["features"][5:10]]
    _, geom = demo_features("buildings.geojson")[0]
    minx, miny, maxx, maxy = geom.bounds
    small = client.get("/api/v1/units", query_string={"kind": "building", "bbox": f"{minx},{miny},{maxx},{maxy}"})
    codes = [f["properties"]["code"] for f in small.get_json()["features"]]
    assert demo_features("buildings.geojson")[0][0]["code"] in codes
    assert len(codes) < len(demo_features("buildings.geojson"))


def test_units_refuses_bad_bbox_and_kind(client):
    assert client.get("/api/v1/units?bbox=1,2,3").get_json()["field"] == "bbox"
    assert client.get("/api/v1/units?kind=castle").get_json()["field"] == "kind"
    assert client.get("/api/v1/units?limit=0").get_json()["field"] == "limit"


def test_sites_lists_every_site_with_activities(client):
    body = client.get("/api/v1/sites").get_json()
    names = {f["properties"]["name"] for f in body["features"]}
    assert {"红宫红场旧址纪念馆", "红色文化街", "蓝训材故居", "红色革命传统教育基地"} <= names
    types = {f["geometry"]["type"] for f in body["features"]}
    assert {"Point", "LineString"} <= types
    lectures = [a for f in body["features"] for a in f["properties"]["activities"] if "法治宣讲" in a["title"]]
    assert len([a for a in lectures if a["date"].startswith("2023")]) == 5
    assert sum(a["attendees"] for a in lectures if a["date"].startswith("2023")) >= 2000


def test_nearest_sites_are_ordered_by_true_distance(client):
    sites = demo_features("sites.geojson")
    memorial = next(g for p, g in sites if p["kind"] == "memorial")
    lon, lat = memorial.centroid.x + 0.0004, memorial.centroid.y
    body = client.get("/api/v1/sites/nearest", query_string={"lat": lat, "lon": lon, "limit": 9}).get_json()
    distances = [s["distance_m"] for s in body["sites"]]
    assert distances == sorted(distances)
    assert len(distances) == min(9, len(sites))
    # Each distance agrees with an independent great-circle computation to the closest point.
    for site in body["sites"]:
        near = site["nearest_point"]
        assert math.isclose(haversine_m(lon, lat, near["lon"], near["lat"]), site["distance_m"], rel_tol=0.01, abs_tol=1)
    # The closest site is the one the geometry says is closest.
    from shapely.geometry import Point

    here = Point(lon, lat)
    expected = min(sites, key=lambda s: s[1].distance(here))[0]["name"]
    assert body["sites"][0]["name"] == expected


def test_nearest_sites_validates_limit(client):
    response = client.get("/api/v1/sites/nearest?lat=22.966&lon=115.325&limit=1000")
    assert response.status_code == 400 and response.get_json()["field"] == "limit"
