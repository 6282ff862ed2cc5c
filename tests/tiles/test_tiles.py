"""Vector tiles at /tiles: MVT decoded by mapbox-vector-tile, scope like the API, ETag/304, TileJSON, bad input."""

import mapbox_vector_tile
import pytest
from shapely.geometry import box

from bench.tiles_bench import tile_bbox, tile_of
from tests.conftest import client_as
from tests.factories import B_BUILDINGS, BUILDINGS, interior_point
from tests.helpers import demo_features

Z = 17


def demo_tile(code="BD03", z=Z):
    lon, lat = interior_point(BUILDINGS[code])
    return (z, *tile_of(lon, lat, z))


def decode(response, layer):
    assert response.status_code == 200 and response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)[layer]["features"]


def test_a_demo_tile_decodes_with_the_buildings_that_are_there(public_client):
    z, x, y = demo_tile()
    features = decode(public_client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt"), "buildings")
    names = {f["properties"]["name"] for f in features}
    tile = box(*tile_bbox(z, x, y))
    inside = {props["name"] for props, geom in demo_features("buildings.geojson") if tile.contains(geom)}
    near = {props["name"] for props, geom in demo_features("buildings.geojson") if tile.buffer(0.0005).intersects(geom)}
    assert inside and inside <= names <= near
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"} and all(f["id"] for f in features)
    assert set(features[0]["properties"]) == {"name", "kind", "kind_label", "community"}
    assert {f["properties"]["kind_label"] for f in features} == {"楼栋"}


def test_staff_tiles_carry_masked_people_and_grids_are_staff_only(public_client, client):
    z, x, y = demo_tile(z=15)
    assert public_client.get(f"/tiles/grids/{z}/{x}/{y}.mvt").status_code == 401
    grids = decode(client.get(f"/tiles/grids/{z}/{x}/{y}.mvt"), "grids")
    people = [f["properties"]["people"] for f in grids]
    assert grids and any("网格员" in p for p in people)
    assert not any(len(digits) == 11 for p in people for digits in "".join(c if c.isdigit() else " " for c in p).split())
    z, x, y = demo_tile()
    staff = decode(client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt"), "buildings")
    assert any("楼栋长" in f["properties"]["people"] and "****" in f["properties"]["people"] for f in staff)


def test_cases_are_for_staff_of_their_own_community(app, community_b, public_client, client):
    lon, lat = B_BUILDINGS["QD-BD01"]
    z, (x, y) = 15, tile_of(lon, lat, 15)
    assert public_client.get(f"/tiles/cases/{z}/{x}/{y}.mvt").status_code == 401
    assert public_client.get("/tiles/cases.json").status_code == 401
    refused = client.get(f"/tiles/cases/{z}/{x}/{y}.mvt?community=qiaodong")
    assert refused.status_code == 403 and refused.get_json()["error"] == "community_forbidden"
    assert client.get(f"/tiles/cases/{z}/{x}/{y}.mvt").status_code == 204  # mingzhu's cadre: none of theirs here
    theirs = decode(client_as(app, "qd_cadre").get(f"/tiles/cases/{z}/{x}/{y}.mvt"), "cases")
    assert sorted(f["properties"]["code"] for f in theirs) == sorted(community_b.case_codes)
    assert not any("title" in f["properties"] or "reporter" in str(f["properties"]) for f in theirs)


def test_etag_answers_304_and_public_tiles_are_publicly_cacheable(public_client, client):
    z, x, y = demo_tile()
    first = public_client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt")
    assert first.headers["Cache-Control"] == "public, max-age=300" and first.headers["ETag"]
    again = public_client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    staff = client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt")
    assert staff.headers["Cache-Control"] == "private, no-cache" and staff.headers["ETag"] != first.headers["ETag"]
    assert client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt",
                      headers={"If-None-Match": staff.headers["ETag"]}).status_code == 304


def test_empty_tiles_and_zooms_below_the_layer_are_204(public_client):
    assert public_client.get("/tiles/buildings/17/0/0.mvt").status_code == 204
    z, x, y = demo_tile(z=10)
    empty = public_client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt")
    assert empty.status_code == 204 and empty.data == b"" and empty.headers["ETag"]


def test_streets_and_sites_tiles_at_the_demo(public_client):
    z, x, y = demo_tile(z=14)
    assert decode(public_client.get(f"/tiles/streets/{z}/{x}/{y}.mvt"), "streets")
    sites = decode(public_client.get(f"/tiles/sites/{z}/{x}/{y}.mvt"), "sites")
    assert sites and all(f["properties"]["kind_label"] for f in sites)


def test_tilejson_describes_the_layer(public_client):
    doc = public_client.get("/tiles/buildings.json").get_json()
    assert doc["tilejson"] == "3.0.0" and doc["tiles"][0].endswith("/tiles/buildings/{z}/{x}/{y}.mvt")
    assert (doc["minzoom"], doc["maxzoom"]) == (14, 18)
    minlon, minlat, maxlon, maxlat = doc["bounds"]
    lon, lat = interior_point(BUILDINGS["BD03"])
    assert minlon < lon < maxlon and minlat < lat < maxlat
    assert doc["vector_layers"][0]["id"] == "buildings" and "name" in doc["vector_layers"][0]["fields"]
    scoped = public_client.get("/tiles/sites.json?community=mingzhu").get_json()
    assert scoped["tiles"][0].endswith("/tiles/sites/{z}/{x}/{y}.mvt?community=mingzhu")


@pytest.mark.parametrize(("path", "field"), [
    ("/tiles/buildings/a/1/1.mvt", "z"), ("/tiles/buildings/23/1/1.mvt", "z"), ("/tiles/buildings/2/4/1.mvt", "x"),
    ("/tiles/buildings/2/1/-1.mvt", "y"), ("/tiles/buildings/2/1/1.mvt?foo=1", "foo"),
])
def test_bad_tile_addresses_are_refused_in_chinese(public_client, path, field):
    refused = public_client.get(path)
    body = refused.get_json()
    assert refused.status_code == 400 and body["field"] == field
    assert any("\u4e00" <= c <= "\u9fff" for c in body["message"])


def test_an_unknown_layer_is_404_naming_the_layers(public_client):
    refused = public_client.get("/tiles/heat/1/1/1.mvt")
    assert refused.status_code == 404 and "buildings" in refused.get_json()["message"]


def test_the_units_tile_holds_every_kind_the_reader_may_read_bottom_first(public_client, client):
    order = ["grids", "streets", "lanes", "shops", "buildings"]
    z, x, y = demo_tile(z=16)
    public = list(mapbox_vector_tile.decode(public_client.get(f"/tiles/units/{z}/{x}/{y}.mvt").data))
    assert "buildings" in public and "grids" not in public and public == [k for k in order if k in public]
    staff = list(mapbox_vector_tile.decode(client.get(f"/tiles/units/{z}/{x}/{y}.mvt").data))
    assert staff[0] == "grids" and "buildings" in staff and staff == [k for k in order if k in staff]
    doc = client.get("/tiles/units.json").get_json()
    assert [layer["id"] for layer in doc["vector_layers"]] == ["grids", "streets", "lanes", "shops", "buildings"]
    assert "people" in doc["vector_layers"][0]["fields"]
    public_doc = public_client.get("/tiles/units.json").get_json()
    assert "grids" not in [layer["id"] for layer in public_doc["vector_layers"]]
