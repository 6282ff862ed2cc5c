"""Community scope: staff of community B read nothing of community A (the demo's 明珠社区) through any parameter,
while A's own staff and the admin do — API, Open311 and pages alike."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as
from tests.factories import case_body, point_in_building
from tests.helpers import demo_people

A = "mingzhu"
A_NAMES = {p["name"] for p in demo_people()}
A_HOUSEHOLD = "BD01-101"  # a demo household with a points account
B_VIEWERS = ("qd_cadre", "qd_chief")
A_VIEWERS = ("cadre", "chief", "admin")
COMMUNITY_FIELD = re.compile(r'"community":\s*"mingzhu"')


@dataclass
class Facts:
    """Things of community A a probe may name."""

    case: str  # a case in BD01, assigned to A's chief
    person: int  # its assignee, a person of A
    lat: float
    lon: float
    bbox: str


@pytest.fixture
def viewers(app, community_b):
    return {name: client_as(app, name) for name in (*B_VIEWERS, *A_VIEWERS)}


@pytest.fixture
def facts(viewers):
    case = viewers["cadre"].post("/api/v1/cases", json=case_body(**point_in_building("BD01"))).get_json()
    point = point_in_building("BD01")
    lat, lon = point["lat"], point["lon"]
    return Facts(case["code"], case["assignee"]["id"], lat, lon, f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}")


def shows_a(response, facts):
    """Tell whether an answer carries anything of community A: its case, its people, rows labelled with it."""
    body = response.get_data(as_text=True)
    return facts.case in body or any(name in body for name in A_NAMES) or bool(COMMUNITY_FIELD.search(body))


def heat_shows_a(response, facts):
    return response.status_code == 200 and bool(response.get_json()["cells"])


def trusted_view_shows_a(response, facts):
    """An Open311 request in the trusted view: the description and place, which the public view withholds."""
    return response.status_code == 200 and any(r["lat"] is not None for r in response.get_json())


def points_shown(response, facts):
    return response.status_code == 200


REFUSED, OK = 403, 200
# probe id → (path template, expected status for qd_cadre, qd_chief, cadre, chief, admin, what "shows A" means)
PROBES = {
    "people?community=A": ("/api/v1/people?community={a}", (REFUSED, REFUSED, OK, OK, OK), shows_a),
    "people": ("/api/v1/people", (OK, OK, OK, OK, OK), shows_a),
    "units?community=A": ("/api/v1/units?community={a}", (REFUSED, REFUSED, OK, OK, OK), shows_a),
    "units?bbox in A": ("/api/v1/units?bbox={f.bbox}", (OK, OK, OK, OK, OK), shows_a),
    "lookup in A": ("/api/v1/lookup?lat={f.lat}&lon={f.lon}", (REFUSED, REFUSED, OK, OK, OK), shows_a),
    "cases?community=A": ("/api/v1/cases?limit=1000&community={a}", (REFUSED, REFUSED, OK, OK, OK), shows_a),
    "cases?bbox in A": ("/api/v1/cases?limit=1000&bbox={f.bbox}", (OK, OK, OK, OK, OK), shows_a),
    "cases?assignee of A": ("/api/v1/cases?assignee={f.person}", (OK, OK, OK, OK, OK), shows_a),
    "case of A": ("/api/v1/cases/{f.case}", (REFUSED, REFUSED, OK, OK, OK), shows_a),
    "heat?community=A": ("/api/v1/heat?zoom=16&community={a}", (REFUSED, REFUSED, OK, OK, OK), heat_shows_a),
    "heat?bbox in A": ("/api/v1/heat?zoom=16&bbox={f.bbox}", (OK, OK, OK, OK, OK), heat_shows_a),
    "stats?community=A": ("/api/v1/stats?by=assignee&community={a}", (REFUSED, REFUSED, OK, REFUSED, OK), shows_a),
    "stats csv": ("/api/v1/stats?by=assignee&format=csv", (OK, REFUSED, OK, REFUSED, OK), shows_a),
    "points of A": ("/api/v1/points/{a}", (REFUSED, REFUSED, OK, REFUSED, OK), points_shown),
    "points, household of A": ("/api/v1/points/{a}/" + A_HOUSEHOLD, (REFUSED, REFUSED, OK, REFUSED, OK),
                               points_shown),
    "open311 jurisdiction A": ("/open311/v2/requests.json?jurisdiction_id={a}", (REFUSED, REFUSED, OK, OK, OK),
                               trusted_view_shows_a),
    "open311 ids of A": ("/open311/v2/requests.json?service_request_id={f.case}", (OK, OK, OK, OK, OK),
                         trusted_view_shows_a),
    "open311 request of A": ("/open311/v2/requests/{f.case}.json", (OK, OK, OK, OK, OK), trusted_view_shows_a),
    "page /map?community=A": ("/map?community={a}", (REFUSED, REFUSED, OK, OK, OK), None),
    "page /heatmap?community=A": ("/heatmap?community={a}", (REFUSED, REFUSED, OK, OK, OK), None),
    "page /stats?community=A": ("/stats?community={a}", (REFUSED, REFUSED, OK, REFUSED, OK), None),
    "page case of A": ("/cases/{f.case}", (REFUSED, REFUSED, OK, OK, OK), None),
}
ORDER = (*B_VIEWERS, *A_VIEWERS)


@pytest.mark.parametrize("probe", PROBES)
def test_staff_of_b_read_nothing_of_a_while_a_and_the_admin_do(viewers, facts, probe):
    template, expected, shows = PROBES[probe]
    path = template.format(a=A, f=facts)
    responses = {who: viewers[who].get(path) for who in ORDER}
    assert tuple(responses[who].status_code for who in ORDER) == expected, {
        who: r.get_data(as_text=True)[:200] for who, r in responses.items()}
    role_refused = {"qd_chief"} if expected[3] == REFUSED else set()  # cadre-only: a chief is refused by role
    for who in B_VIEWERS:
        response = responses[who]
        if response.status_code == REFUSED and who not in role_refused and (
                "community=" in template or "jurisdiction_id=" in template or "lookup" in template):
            assert A in response.get_data(as_text=True), "the refusal names the community asked for"
        if shows is not None and response.status_code == OK:
            assert not shows(response, facts), f"{who} read community A through {probe}"
    for who in A_VIEWERS:
        if shows is not None and responses[who].status_code == OK:
            assert shows(responses[who], facts), f"{who} should see community A through {probe}"


def test_a_refusal_is_machine_readable_and_names_both_communities(viewers, community_b):
    body = viewers["qd_cadre"].get(f"/api/v1/people?community={A}").get_json()
    assert body["error"] == "community_forbidden" and body["field"] == "community"
    assert A in body["message"] and community_b.code in body["message"]


def test_staff_of_b_read_their_own_community(viewers, community_b):
    cadre, chief = viewers["qd_cadre"], viewers["qd_chief"]
    people = cadre.get("/api/v1/people").get_json()["people"]
    assert {p["community"] for p in people} == {community_b.code} and len(people) == 3
    assert chief.get(f"/api/v1/people?community={community_b.code}").get_json()["count"] == 3
    units = chief.get("/api/v1/units").get_json()
    assert units["total"] == 3 and {f["properties"]["community"] for f in units["features"]} == {community_b.code}
    point = community_b.point("QD-BD01")
    found = chief.get(f"/api/v1/lookup?lat={point['lat']}&lon={point['lon']}").get_json()
    assert found["community"]["code"] == community_b.code and found["assignee"]["person"]["name"] == "乔栋甲"
    assert {c["code"] for c in cadre.get("/api/v1/cases").get_json()["cases"]} == set(community_b.case_codes)
    own = {c["code"] for c in chief.get("/api/v1/cases").get_json()["cases"]}
    assert own == set(community_b.case_codes[:2])  # QD-BD01's cases; QD-BD02's belong to another chief
    assert chief.get(f"/api/v1/cases/{community_b.case_codes[2]}").status_code == 403
    assert cadre.get(f"/api/v1/points/{community_b.code}/{community_b.household}").get_json()["balance"] == 10
    assert cadre.get(f"/api/v1/stats?community={community_b.code}").status_code == 200
    for page in ("/map", "/heatmap", "/stats", f"/cases/{community_b.case_codes[2]}"):
        assert cadre.get(page).status_code == 200, page
    assert chief.get(f"/map?community={community_b.code}").status_code == 200


def test_the_admin_reads_every_community_and_each_on_request(viewers, community_b):
    admin = viewers["admin"]
    everyone = {p["community"] for p in admin.get("/api/v1/people").get_json()["people"]}
    assert everyone == {A, community_b.code}
    only_b = admin.get(f"/api/v1/cases?community={community_b.code}").get_json()
    assert {c["code"] for c in only_b["cases"]} == set(community_b.case_codes)
    assert admin.get("/api/v1/people?community=nowhere").status_code == 404


@pytest.mark.parametrize("who", B_VIEWERS)
def test_staff_of_b_cannot_act_on_a_case_of_a(app, viewers, facts, who):
    response = viewers[who].post(f"/api/v1/cases/{facts.case}/transitions", json={"action": "accept", "version": 2})
    assert response.status_code == 403
    with app.app_context():
        status = db.session.execute(text("SELECT status FROM civic_case WHERE code = :c"), {"c": facts.case}).scalar()
    assert status == "dispatched"


def test_a_case_of_b_is_not_dispatched_to_a_person_or_point_of_a(viewers, facts, community_b):
    cadre = viewers["qd_cadre"]
    case = cadre.get(f"/api/v1/cases/{community_b.case_codes[0]}").get_json()
    path = f"/api/v1/cases/{case['code']}/transitions"
    to_person = cadre.post(path, json={"action": "dispatch", "version": case["version"], "assignee_id": facts.person})
    assert to_person.status_code == 400 and to_person.get_json()["field"] == "assignee_id"
    to_point = cadre.post(path, json={"action": "dispatch", "version": case["version"], "lat": facts.lat,
                                      "lon": facts.lon})
    assert to_point.status_code == 400 and "another community" in to_point.get_json()["message"]
    assert cadre.get(path.rsplit("/", 1)[0]).get_json()["version"] == case["version"]


@pytest.mark.parametrize("who", B_VIEWERS)
def test_staff_of_b_reporting_a_point_in_a_get_the_public_receipt(viewers, who):
    response = viewers[who].post("/api/v1/cases", json=case_body(**point_in_building("BD03")))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "tracking_code", "status", "status_label", "category", "channel", "unit", "assignee",
                         "track_url"}
    assert not any(name in response.get_data(as_text=True) for name in A_NAMES)
