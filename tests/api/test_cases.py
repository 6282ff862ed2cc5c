"""Case intake, reading, listing and the workflow over HTTP."""

import threading

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as
from tests.factories import CHIEFS, case_body, gap_point, point_in_building, point_in_shop
from tests.helpers import demo_features


def post_case(client, **overrides):
    response = client.post("/api/v1/cases", json=case_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, case, action, **extra):
    response = client.post(f"/api/v1/cases/{case['code']}/transitions",
                           json={"action": action, "version": case["version"], **extra})
    return response


def count_cases(app):
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM civic_case")).scalar()


def test_case_in_a_building_goes_to_its_building_chief(client):
    case = post_case(client, **point_in_building("BD05"))
    assert case["code"].startswith("MQ-") and len(case["code"]) == len("MQ-2024-000123")
    assert case["status"] == "dispatched"
    assert case["assignee"]["role"] == "building_chief"
    assert case["assignee"]["name"] == CHIEFS[("building_chief", "BD05")]
    assert case["unit"]["kind"] == "building"
    assert case["channel"] == {"code": "resident", "label": "居民自报"}
    assert [e["action"] for e in case["history"]] == ["receive", "dispatch"]


def test_case_in_a_shop_goes_to_its_shop_chief(client):
    case = post_case(client, **point_in_shop("SH07"))
    assert case["assignee"]["name"] == CHIEFS[("shop_chief", "SH07")]


def test_case_in_a_lane_and_a_street(client):
    import shapely

    lanes = demo_features("lanes.geojson")
    streets = demo_features("streets.geojson")
    plots = shapely.union_all([g for f in ("buildings.geojson", "shops.geojson") for _, g in demo_features(f)])
    lane_props, lane = lanes[2]
    free = lane.difference(plots.buffer(0.00005)).representative_point()
    case = post_case(client, lat=free.y, lon=free.x)
    assert case["assignee"]["name"] == CHIEFS[("lane_chief", lane_props["code"])]
    street_props, street = streets[0]
    only_street = street.difference(shapely.union_all([g for _, g in lanes]).buffer(0.00005)).representative_point()
    case = post_case(client, lat=only_street.y, lon=only_street.x)
    assert case["assignee"]["name"] == CHIEFS[("street_chief", street_props["code"])]


def test_case_in_the_gap_waits_in_the_community_queue(client):
    case = post_case(client, **gap_point())
    assert case["status"] == "received"
    assert case["assignee"]["role"] == "community_queue" and case["assignee"]["role_label"] == "社区党委"
    assert case["unit"] is None


def test_labels_are_accepted_as_well_as_codes(client):
    case = post_case(client, channel="夜谈悦好", category="矛盾纠纷", tags=["就业", "housing"])
    assert case["channel"]["code"] == "night_talk" and case["category"]["code"] == "dispute"
    assert {t["code"] for t in case["tags"]} == {"employment", "housing"}


def test_gcj02_input_is_converted(client):
    from geo_app.geo.coords import from_wgs84

    p = point_in_building("BD07")
    lon, lat = from_wgs84(p["lon"], p["lat"], "gcj02")
    case = post_case(client, lat=lat, lon=lon, crs="gcj02")
    assert case["assignee"]["name"] == CHIEFS[("building_chief", "BD07")]
    assert abs(case["lat"] - p["lat"]) < 1e-7


def test_anonymous_report_keeps_no_name(client):
    case = post_case(client, anonymous=True)
    assert case["reporter_name"] is None and case["anonymous"] is True


def test_full_walk_to_return_visit_and_stats(client):
    case = post_case(client, category="dispute", **point_in_building("BD02"))  # not under RESOLVE_REQUIRES_PHOTO: resolved without a photo
    for action, extra in [("accept", {}), ("start", {}), ("resolve", {"note": "已劝导移走"}),
                          ("visit", {"satisfaction": "满意"}), ("close", {})]:
        response = act(client, case, action, **extra)
        assert response.status_code == 200, response.get_json()
        case = response.get_json()
    assert case["status"] == "closed" and case["satisfaction"]["label"] == "满意"
    assert [e["to"] for e in case["history"]] == ["received", "dispatched", "accepted", "in_progress", "resolved",
                                                 "visited", "closed"]
    assert all(e["at"] for e in case["history"])
    assert case["times"]["visited"] is not None
    rows = client.get("/api/v1/stats?by=assignee").get_json()["rows"]
    assert any(CHIEFS[("building_chief", "BD02")] in r["label"] for r in rows)


@pytest.mark.parametrize("action", ["accept", "start", "resolve", "visit", "close", "return", "mark_duplicate",
                                    "confirm", "dispatch"])
def test_each_action_from_dispatched(client, action):
    case = post_case(client)
    other = post_case(client, title="另一个")
    extra = {"resolve": {"note": "done"}, "visit": {"satisfaction": "satisfied"}, "return": {"note": "不是我的"},
             "mark_duplicate": {"duplicate_of": other["code"]}, "dispatch": point_in_building("BD09")}.get(action, {})
    response = act(client, case, action, **extra)
    legal = action in ("accept", "return", "mark_duplicate", "confirm", "dispatch")
    assert response.status_code == (200 if legal else 409), response.get_json()
    if not legal:
        body = response.get_json()
        assert body["error"] == "illegal_transition"
        assert set(body["allowed_actions"]) == {"dispatch", "accept", "return", "mark_duplicate", "confirm"}
        assert "allowed next actions" in body["message"]


def test_return_sends_the_case_to_the_cadres_queue_and_it_can_be_redispatched(client):
    case = post_case(client)
    case = act(client, case, "return", note="地点不在我楼").get_json()
    assert case["status"] == "returned" and case["assignee"]["role"] == "community_queue"
    case = act(client, case, "dispatch", **point_in_building("BD04")).get_json()
    assert case["status"] == "dispatched" and case["assignee"]["name"] == CHIEFS[("building_chief", "BD04")]
    assert case["history"][-2]["note"] == "地点不在我楼"


def test_dispatch_by_person_id(client):
    people = client.get("/api/v1/people?role=grid_worker").get_json()["people"]
    case = post_case(client, **gap_point())
    response = act(client, case, "dispatch", assignee_id=people[0]["id"])
    assert response.status_code == 200 and response.get_json()["assignee"]["id"] == people[0]["id"]
    assert act(client, response.get_json(), "dispatch", assignee_id=999999).status_code == 400


def test_required_notes_and_satisfaction(client):
    case = post_case(client, category="dispute")  # not under RESOLVE_REQUIRES_PHOTO: resolved without a photo
    case = act(client, case, "accept").get_json()
    response = act(client, case, "resolve")
    assert response.status_code == 400 and response.get_json()["field"] == "note"
    case = act(client, case, "resolve", note="ok").get_json()
    response = act(client, case, "visit", satisfaction="还行")
    assert response.status_code == 400 and response.get_json()["field"] == "satisfaction"


def test_duplicates_are_suggested_and_linked(client):
    first = post_case(client, **point_in_building("BD06"))
    second = post_case(client, **point_in_building("BD06"), title="同一处电动车充电")
    assert first["code"] in [d["code"] for d in second["possible_duplicates"]]
    other_category = post_case(client, **point_in_building("BD06"), category="suggestion")
    assert first["code"] not in [d["code"] for d in other_category["possible_duplicates"]]
    marked = act(client, second, "mark_duplicate", duplicate_of=first["code"]).get_json()
    assert marked["status"] == "duplicate" and marked["duplicate_of"] == first["code"]
    assert act(client, marked, "mark_duplicate", duplicate_of="MQ-1999-000001").status_code == 409


def test_stale_version_is_409_and_changes_nothing(client):
    case = post_case(client)
    accepted = act(client, case, "accept").get_json()
    stale = act(client, case, "return", note="x")
    assert stale.status_code == 409 and stale.get_json()["error"] == "version_mismatch"
    now = client.get(f"/api/v1/cases/{case['code']}").get_json()
    assert now["status"] == "accepted" and now["version"] == accepted["version"]


@pytest.mark.committed_db  # two threads, two connections
def test_two_cadres_dispatching_at_once_exactly_one_wins(app):
    cadre, admin = client_as(app, "cadre"), client_as(app, "admin")
    case = post_case(cadre, **gap_point())
    people = cadre.get("/api/v1/people?role=grid_worker").get_json()["people"]
    barrier = threading.Barrier(2)
    results = []

    def dispatch(local, person_id):
        barrier.wait()
        results.append(local.post(f"/api/v1/cases/{case['code']}/transitions",
                                  json={"action": "dispatch", "version": case["version"], "assignee_id": person_id}))

    threads = [threading.Thread(target=dispatch, args=(c, p["id"])) for c, p in zip((cadre, admin), people[:2], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 409]
    final = cadre.get(f"/api/v1/cases/{case['code']}").get_json()
    assert [e["action"] for e in final["history"]].count("dispatch") == 1


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"channel": "pigeon"}, "channel"),
        ({"category": "阴谋论"}, "category"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"description": "长" * 4001}, "description"),
        ({"lat": None}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"crs": "utm"}, "crs"),
        ({"tags": ["astrology"]}, "tags"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
        ({"anonymous": "yes"}, "anonymous"),
    ],
)
def test_bad_intake_is_refused_naming_the_field_and_nothing_is_written(app, overrides, field):
    client = app.test_client()
    before = count_cases(app)
    response = client.post("/api/v1/cases", json=case_body(**overrides))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert count_cases(app) == before


def test_point_outside_every_community_is_404_and_nothing_written(app):
    client = app.test_client()
    before = count_cases(app)
    response = client.post("/api/v1/cases", json=case_body(lat=23.5, lon=116.5))
    assert response.status_code == 404 and "outside every community" in response.get_json()["message"]
    assert count_cases(app) == before


def test_non_json_and_nan_bodies_are_refused(app):
    client = app.test_client()
    response = client.post("/api/v1/cases", data="title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["field"] == "body"
    response = client.post("/api/v1/cases", data='{"title": "x", "lat": NaN, "lon": 115.3}',
                           content_type="application/json")
    assert response.status_code == 400


def test_list_filters_and_track(client):
    mine = post_case(client, channel="rider", **point_in_building("BD10"))
    listed = client.get("/api/v1/cases", query_string={"channel": "骑手随手拍", "status": "dispatched"}).get_json()
    assert mine["code"] in [c["code"] for c in listed["cases"]]
    assert all(c["channel"]["code"] == "rider" and c["status"] == "dispatched" for c in listed["cases"])
    p = point_in_building("BD10")
    boxed = client.get("/api/v1/cases", query_string={
        "bbox": f"{p['lon'] - 1e-4},{p['lat'] - 1e-4},{p['lon'] + 1e-4},{p['lat'] + 1e-4}"}).get_json()
    assert mine["code"] in [c["code"] for c in boxed["cases"]]
    assert client.get("/api/v1/cases?from=2030-01-01").get_json()["total"] == 0
    assert client.get("/api/v1/cases?from=2024-13-01").status_code == 400
    tracked = client.get(f"/api/v1/track/{mine['tracking_code']}").get_json()
    assert tracked["status"] == "dispatched"
    assert "reporter_name" not in tracked and "lat" not in tracked and "assignee" not in tracked
    assert client.get("/api/v1/track/MQ-2020-999999").status_code == 404


def test_overdue_list(client):
    overdue = client.get("/api/v1/cases?overdue=1").get_json()
    assert overdue["total"] >= 1
    assert all(c["overdue"] in ("response", "resolution") for c in overdue["cases"])


def test_idempotency_key_stores_a_retried_post_once(app):
    client = app.test_client()
    before = count_cases(app)
    headers = {"Idempotency-Key": "retry-123"}
    first = client.post("/api/v1/cases", json=case_body(), headers=headers)
    again = client.post("/api/v1/cases", json=case_body(), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["code"] == again.get_json()["code"]
    assert count_cases(app) == before + 1
