"""The owner lookup: a clicked point becomes the unit chain and the person who answers for it."""

import pytest
import shapely
from shapely.geometry import Point

from geo_app.geo.coords import from_wgs84
from tests.helpers import demo_features, demo_people, interior_point

BUILDINGS = demo_features("buildings.geojson")
CHIEF_BY_BUILDING = {r["unit_code"]: r["name"] for r in demo_people("building_chief")}


def get_lookup(client, lon, lat, **extra):
    return client.get("/api/v1/lookup", query_string={"lat": lat, "lon": lon, **extra})


def test_every_building_with_a_chief_resolves_to_that_chief(client):
    assert len(CHIEF_BY_BUILDING) == 12
    for props, geom in BUILDINGS:
        if props["code"] not in CHIEF_BY_BUILDING:
            continue
        lon, lat = interior_point(geom)
        body = get_lookup(client, lon, lat).get_json()
        assert body["chain"][0]["kind"] == "building"
        assert body["chain"][0]["code"] == props["code"]
        assert body["assignee"]["role"] == "building_chief"
        assert body["assignee"]["person"]["name"] == CHIEF_BY_BUILDING[props["code"]]
        assert body["fallback"] is False


def test_chain_is_most_specific_first_and_nested(client):
    props, geom = next((p, g) for p, g in BUILDINGS if p["code"] in CHIEF_BY_BUILDING)
    lon, lat = interior_point(geom)
    body = get_lookup(client, lon, lat).get_json()
    kinds = [u["kind"] for u in body["chain"]]
    assert kinds[:3] == ["building", "lane", "street"]
    assert body["chain"][1]["code"] == props["parent"]
    assert body["community"]["code"] == "mingzhu"
    assert body["point"] == {"lat": lat, "lon": lon}


def test_building_without_chief_falls_back_to_its_lane_chief(client):
    lane_chiefs = {r["unit_code"]: r["name"] for r in demo_people("lane_chief")}
    props, geom = next((p, g) for p, g in BUILDINGS if p["code"] not in CHIEF_BY_BUILDING)
    body = get_lookup(client, *interior_point(geom)).get_json()
    assert body["chain"][0]["code"] == props["code"]
    assert body["chain"][0]["people"] == []
    assert body["assignee"]["role"] == "lane_chief"
    assert body["assignee"]["person"]["name"] == lane_chiefs[props["parent"]]


def test_phones_are_masked(client):
    _, geom = BUILDINGS[0]
    body = get_lookup(client, *interior_point(geom)).get_json()
    phones = [p["phone"] for unit in body["chain"] for p in unit["people"]]
    assert phones and all(len(p) == 11 and p[3:7] == "****" for p in phones)


def test_shop_resolves_to_its_shop_chief(client):
    shop_chiefs = {r["unit_code"]: r["name"] for r in demo_people("shop_chief")}
    for props, geom in demo_features("shops.geojson"):
        body = get_lookup(client, *interior_point(geom)).get_json()
        assert body["chain"][0]["code"] == props["code"]
        assert body["assignee"]["person"]["name"] == shop_chiefs[props["code"]]


def test_shared_edge_between_two_buildings_resolves_deterministically(client):
    pairs = [(a, b) for i, a in enumerate(BUILDINGS) for b in BUILDINGS[i + 1:]
             if a[1].touches(b[1]) and a[1].intersection(b[1]).length > 0]
    assert pairs, "the demo must hold a pair of buildings sharing an edge"
    (pa, ga), (pb, gb) = pairs[0]
    edge = ga.intersection(gb)
    mid = edge.interpolate(0.5, normalized=True)
    answers = {get_lookup(client, mid.x, mid.y).get_json()["chain"][0]["code"] for _ in range(3)}
    assert len(answers) == 1
    assert answers <= {pa["code"], pb["code"]}


def test_point_in_lane_with_no_building_goes_to_lane_chief(client):
    lanes = demo_features("lanes.geojson")
    occupied = shapely.union_all([g for _, g in BUILDINGS] + [g for _, g in demo_features("shops.geojson")])
    props, geom = lanes[0]
    free = geom.difference(occupied.buffer(0.00005))
    point = free.representative_point()
    body = get_lookup(client, point.x, point.y).get_json()
    assert body["chain"][0]["kind"] == "lane"
    assert body["assignee"]["role"] == "lane_chief"


def test_gap_inside_the_community_falls_back_to_the_community_queue(client):
    community = demo_features("community.geojson")[0][1]
    covered = shapely.union_all([g for f in ("streets.geojson", "grids.geojson") for _, g in demo_features(f)])
    gap = community.difference(covered.buffer(0.00002))
    point = gap.representative_point()
    body = get_lookup(client, point.x, point.y).get_json()
    assert body["chain"] == []
    assert body["fallback"] is True
    assert body["assignee"] == {"person": None, "unit_id": None, "role": "community_queue", "role_label": "社区党委"}


def test_outside_every_community_is_404(client):
    response = get_lookup(client, 115.40, 22.90)
    assert response.status_code == 404
    assert "outside every community" in response.get_json()["message"]


@pytest.mark.parametrize("crs,forward", [("gcj02", lambda lon, lat: from_wgs84(lon, lat, "gcj02")),
                                           ("bd09", lambda lon, lat: from_wgs84(lon, lat, "bd09"))])
def test_chinese_coordinates_are_converted_before_lookup(client, crs, forward):
    props, geom = next((p, g) for p, g in BUILDINGS if p["code"] in CHIEF_BY_BUILDING)
    lon, lat = interior_point(geom)
    shifted = forward(lon, lat)
    # Unconverted, the shifted point lies hundreds of metres away, outside this building.
    assert not geom.contains(Point(shifted))
    body = get_lookup(client, shifted[0], shifted[1], crs=crs).get_json()
    assert body["chain"][0]["code"] == props["code"]
    assert abs(body["point"]["lon"] - lon) < 1e-7 and abs(body["point"]["lat"] - lat) < 1e-7


@pytest.mark.parametrize(
    "params,field",
    [
        ({"lon": "115.325"}, "lat"),
        ({"lat": "22.966"}, "lon"),
        ({"lat": "abc", "lon": "115.325"}, "lat"),
        ({"lat": "NaN", "lon": "115.325"}, "lat"),
        ({"lat": "22.966", "lon": "inf"}, "lon"),
        ({"lat": "22.966", "lon": "1e400"}, "lon"),
        ({"lat": "95", "lon": "115.325"}, "lat"),
        ({"lat": "22.966", "lon": "190"}, "lon"),
        ({"lat": "48.85", "lon": "2.35"}, "lat"),
        ({"lat": "22.966", "lon": "115.325", "crs": "mars"}, "crs"),
    ],
)
def test_bad_coordinates_are_refused_naming_the_parameter(client, params, field):
    response = client.get("/api/v1/lookup", query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field
    assert field in body["message"]


def test_swapped_axes_are_named(client):
    body = client.get("/api/v1/lookup", query_string={"lat": "115.325", "lon": "22.966"}).get_json()
    assert "swapped" in body["message"]
