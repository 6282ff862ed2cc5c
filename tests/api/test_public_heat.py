"""The public heatmap cannot be differenced into a sensitive case.

The attack it replays: with free filters, (all categories) − (all but legal), and windows a day apart,
located legal consultations in their ~100 m cell. Here 15 legal consultations (and other sensitive
cases) sit in one building among ordinary cases; every answer the public can get — every slice, zoom
and bbox — is the same before and after they are added, so no difference of answers can reveal them,
and their cell never appears.
"""

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from geo_app.schemas import CaseIn
from geo_app.services.cases import create_case
from geo_app.services.clock import LOCAL_TZ, china_today
from tests.conftest import client_as
from tests.factories import case_body, point_in_building

LEGAL_BUILDING = "BD11"
BUSY_BUILDING = "BD03"
VIEW = (115.30, 22.95, 115.34, 22.99)
ZOOMS = (1, 6, 10, 12, 13, 14, 15, 16, 20)


def last_month_day(day=10, hour=10):
    """A moment in the last whole month (inside the default public slice)."""
    first = china_today().replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=day)
    return datetime(previous.year, previous.month, previous.day, hour, tzinfo=LOCAL_TZ)


def plant(app, building, count, when, **fields):
    with app.app_context():
        for i in range(count):
            body = case_body(**point_in_building(building), title=f"测试 {building} {i}", **fields)
            create_case(db.session, CaseIn(**body), now=when + timedelta(minutes=i))
        db.session.commit()


@pytest.fixture
def heat_app(make_app):
    """The demo, the limits off (hundreds of requests), and ordinary cases in the last whole month."""
    app = make_app(RATELIMIT_ENABLED=False)
    when = last_month_day()
    plant(app, BUSY_BUILDING, 7, when, channel="resident", category="hazard")  # a cell the public sees
    plant(app, LEGAL_BUILDING, 3, when, channel="rider", category="environment")  # under k: hidden
    return app


def plant_sensitive(app):
    """15 legal consultations in one building, and other cases of sensitive categories or channels."""
    when = last_month_day(day=12)
    plant(app, LEGAL_BUILDING, 15, when, channel="lawyer", category="legal")
    plant(app, LEGAL_BUILDING, 4, when + timedelta(days=1), channel="resident", category="legal")
    plant(app, LEGAL_BUILDING, 3, when + timedelta(days=2), channel="night_talk", category="hardship")
    plant(app, LEGAL_BUILDING, 3, when + timedelta(days=3), channel="patrol", category="sentiment")
    plant(app, LEGAL_BUILDING, 4, when, channel="mailbox", category="environment")
    plant(app, BUSY_BUILDING, 6, when, channel="lawyer", category="legal")


def cell_of(app, building, zoom):
    point = point_in_building(building)
    with app.app_context():
        level = db.session.execute(text("SELECT clat, clon FROM heat_level WHERE zoom = :z"), {"z": zoom}).one()
    return int(point["lat"] // level.clat), int(point["lon"] // level.clon), level


def public_slices():
    """Every slice the public may ask for: the default, and each month of the last 14 up to this one."""
    first = china_today().replace(day=1)
    months = []
    for back in range(14):
        index = first.year * 12 + first.month - 1 - back
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return [None, *months]


def bboxes(app):
    """The community's view, a box around the legal building, and boxes shifted by fractions of a cell."""
    point = point_in_building(LEGAL_BUILDING)
    lat, lon = point["lat"], point["lon"]
    boxes = [VIEW, (lon - 0.0004, lat - 0.0004, lon + 0.0004, lat + 0.0004)]
    for shift in (0.0003, 0.0007):
        boxes.append((lon - 0.002 + shift, lat - 0.002 + shift, lon + 0.002 + shift, lat + 0.002 + shift))
    return [",".join(f"{v:.6f}" for v in box) for box in boxes]


def every_public_answer(app):
    """Ask the public API everything it may be asked here; return {query: (status, body)}."""
    client = app.test_client()
    answers = {}
    for month in public_slices():
        for zoom in ZOOMS:
            for bbox in bboxes(app):
                query = {"zoom": zoom, "bbox": bbox} | ({"month": month} if month else {})
                response = client.get("/api/v1/heat", query_string=query)
                answers[json.dumps(query, sort_keys=True)] = (response.status_code, response.get_json())
    return answers


def test_no_public_answer_changes_when_sensitive_cases_are_added(heat_app):
    before = every_public_answer(heat_app)
    plant_sensitive(heat_app)
    after = every_public_answer(heat_app)
    assert sum(status == 200 for status, _ in before.values()) == len(before)
    assert any(body["cells"] for _, body in before.values()), "the slices hold visible cells to compare"
    changed = [query for query in before if before[query] != after[query]]
    assert changed == [], f"answers that give away a sensitive case: {changed[:5]}"


def test_the_legal_cell_never_appears_though_staff_see_it(heat_app):
    plant_sensitive(heat_app)
    gy, gx, level = cell_of(heat_app, LEGAL_BUILDING, 15)
    for _status, body in every_public_answer(heat_app).values():
        if body["zoom"] == 15:
            assert (gy, gx) not in {(int(c[0] // level.clat), int(c[1] // level.clon)) for c in body["cells"]}
    # The attack of the report, as staff may still run it: (all categories) − (all but legal) = the consultations.
    cadre = client_as(heat_app, "cadre")
    day = last_month_day(day=1).date()
    window = {"zoom": 15, "from": day.isoformat(), "to": (day + timedelta(days=27)).isoformat()}
    everything = cadre.get("/api/v1/heat", query_string=window).get_json()["cells"]
    not_legal = cadre.get("/api/v1/heat", query_string=window | {
        "category": "dispute,hardship,suggestion,hazard,sentiment,environment,other"}).get_json()["cells"]

    def count(cells):
        return sum(c[2] for c in cells if (int(c[0] // level.clat), int(c[1] // level.clon)) == (gy, gx))

    assert count(everything) - count(not_legal) == 19


@pytest.mark.parametrize("query,field", [
    ("category=hazard", "category"), ("channel=resident", "channel"), ("status=closed", "status"),
    ("assignee=54", "assignee"), ("from=2024-01-01", "from"), ("to=2024-01-02", "to"),
    ("community=mingzhu", "community"), ("category=法律咨询", "category"),
])
def test_a_public_filter_or_free_range_is_refused_naming_what_is_allowed(app, query, field):
    response = app.test_client().get(f"/api/v1/heat?{query}&zoom=15&bbox=115.30,22.95,115.34,22.99")
    body = response.get_json()
    assert response.status_code == 400 and body["field"] == field
    assert "固定切片" in body["message"] and "month" in body["message"] and body["allowed"] == ["bbox", "month", "zoom"]
    assert client_as(app, "cadre").get(f"/api/v1/heat?{query}").status_code == 200


@pytest.mark.parametrize("month", ["2024-13", "2024-5", "24-05", "2099-01", "1999-12", "2024-05-01"])
def test_a_bad_month_is_refused(app, month):
    response = app.test_client().get(f"/api/v1/heat?month={month}&bbox=115.30,22.95,115.34,22.99")
    assert response.status_code == 400 and response.get_json()["field"] == "month"
    assert "month" in response.get_json()["message"]


def test_a_public_answer_names_its_slice_and_k(app):
    body = app.test_client().get("/api/v1/heat?month=2023-08&zoom=13&bbox=115.30,22.95,115.34,22.99").get_json()
    assert body["slice"] == {"label": "2023-08", "from": "2023-08-01", "to": "2023-09-01"}
    assert body["min_count"] == 5 and body["cells"] and min(c[2] for c in body["cells"]) >= 5
    default = app.test_client().get("/api/v1/heat?zoom=13&bbox=115.30,22.95,115.34,22.99").get_json()
    this_month = china_today().replace(day=1)
    assert default["slice"]["to"] == this_month.isoformat() and default["slice"]["label"] == "最近12个完整月"


def test_a_public_bbox_is_required_and_bounded(app):
    response = app.test_client().get("/api/v1/heat?zoom=15")
    assert response.status_code == 400 and response.get_json()["field"] == "bbox" and "需要 bbox" in response.get_json()["message"]
    response = app.test_client().get("/api/v1/heat?zoom=15&bbox=100,20,120,40")
    assert response.status_code == 400 and response.get_json()["field"] == "bbox" and "范围太大" in response.get_json()["message"]
    assert app.test_client().get("/api/v1/heat?zoom=5&bbox=100,20,120,40").status_code == 200


def test_an_unknown_sensitive_code_stops_the_app(make_app):
    with pytest.raises(ValueError, match="HEAT_SENSITIVE_CATEGORIES"):
        make_app(HEAT_SENSITIVE_CATEGORIES=["legl"])


def test_the_public_heatmap_page_offers_only_what_the_public_may_ask(heat_app):
    plant(heat_app, LEGAL_BUILDING, 2, datetime.now(LOCAL_TZ), channel="lawyer", category="legal")
    page = heat_app.test_client().get("/heatmap").get_data(as_text=True)
    assert 'id="mq-filters"' not in page and 'name="channel"' not in page and 'name="status"' not in page
    assert "最近12个完整月" in page and "少于 5 件" in page and "法律咨询" in page
    config = json.loads(re.search(r'<script type="application/json" id="mq-config">(.*?)</script>', page, re.S)[1])
    assert config["public"] is True and "community" not in config
    # the months come from non-sensitive cases only: this month's legal cases do not extend them
    assert config["months"][-1] == last_month_day().strftime("%Y-%m")
    staff = client_as(heat_app, "cadre").get("/heatmap").get_data(as_text=True)
    assert 'id="mq-filters"' in staff and 'name="channel"' in staff
