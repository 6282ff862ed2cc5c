"""Public tracking codes: unguessable, forgiving to type, and the only key /track answers to."""

import math
import re
import secrets

import pytest
from alembic import command
from sqlalchemy import text

from geo_app.extensions import db
from geo_app.migrate import alembic_config
from geo_app.services.tracking import ALPHABET, LENGTH, normalize_tracking_code
from tests.factories import case_body, point_in_building

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")
TRACK_KEYS = {"tracking_code", "status", "status_label", "category", "received_at", "resolution_note", "history",
              "photos"}


@pytest.fixture
def receipt(public_client):
    """A resident's report and the receipt they got back."""
    response = public_client.post("/api/v1/cases", json=case_body(**point_in_building("BD01")))
    assert response.status_code == 201
    return response.get_json()


def _all_codes(app):
    with app.app_context():
        return db.session.execute(text("SELECT code, tracking_code FROM civic_case ORDER BY id")).all()


def test_every_case_has_a_distinct_well_formed_tracking_code_of_50_random_bits(app):
    rows = _all_codes(app)
    assert len(rows) > 300 and LENGTH * math.log2(len(ALPHABET)) >= 40
    codes = [tracking for _, tracking in rows]
    assert all(CODE.fullmatch(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_the_receipt_carries_the_tracking_code_and_tracking_answers_only_to_it(public_client, receipt):
    assert CODE.fullmatch(receipt["tracking_code"]) and receipt["track_url"] == f"/track/{receipt['tracking_code']}"
    tracked = public_client.get(f"/api/v1/track/{receipt['tracking_code']}")
    assert tracked.status_code == 200
    body = tracked.get_json()
    assert set(body) == TRACK_KEYS and body["tracking_code"] == receipt["tracking_code"]
    assert [step["status"] for step in body["history"]] == ["received", "dispatched"]
    assert all(set(step) == {"at", "status", "status_label"} for step in body["history"])
    # the staff case code answers like any unknown code, and the page uses the same API
    assert public_client.get(f"/api/v1/track/{receipt['code']}").status_code == 404


def test_tracking_shows_less_than_the_public_open311_view(public_client, receipt):
    """No case number, place, text, agency or deadline: only what the holder of the code needs."""
    text_of_track = public_client.get(f"/api/v1/track/{receipt['tracking_code']}").get_data(as_text=True)
    [open311] = public_client.get(f"/open311/v2/requests/{receipt['code']}.json").get_json()
    assert receipt["code"] not in text_of_track
    for field in ("agency_responsible", "expected_datetime"):
        assert open311[field] and open311[field] not in text_of_track
    for secret in ("王小明", "13912345678", "BD03-301", "三楼楼道", receipt["unit"]["name"]):
        assert secret not in text_of_track


@pytest.mark.parametrize("typed", [
    lambda c: c.lower(),
    lambda c: c.replace("-", ""),
    lambda c: " " + c[:3] + " " + c[3:].replace("-", " - ") + " ",
    lambda c: c.replace("0", "o").replace("1", "l"),
    lambda c: c.replace("1", "I").replace("0", "O").lower(),
    lambda c: "".join(chr(ord(ch) + 0xFEE0) for ch in c),  # full-width, as a Chinese IME types it
], ids=["lower", "no-dash", "spaces", "o-for-0-l-for-1", "i-and-o", "full-width"])
def test_a_code_typed_on_a_phone_or_read_aloud_still_finds_the_case(public_client, receipt, typed):
    response = public_client.get(f"/api/v1/track/{typed(receipt['tracking_code'])}")
    assert response.status_code == 200 and response.get_json()["tracking_code"] == receipt["tracking_code"]
    assert normalize_tracking_code(typed(receipt["tracking_code"])) == receipt["tracking_code"]


def test_300_guessed_codes_all_get_the_same_404_and_learn_nothing(make_app):
    """The break: 300 sequential staff codes walked every case's category and timeline in 2.8 s.

    The heavy-GET limit would now stop a walker after 60 a minute anyway; with it off, the codes alone give nothing.
    """
    app = make_app(RATELIMIT_ENABLED=False)
    public_client = app.test_client()
    case_codes = [code for code, _ in _all_codes(app)][:150]
    random_codes = [normalize_tracking_code("".join(secrets.choice(ALPHABET) for _ in range(10))) for _ in range(150)]
    assert len(case_codes) == 150
    answers = {(r.status_code, r.get_data(as_text=True))
               for r in (public_client.get(f"/api/v1/track/{code}") for code in case_codes + random_codes)}
    nonsense = public_client.get("/api/v1/track/no-such-thing")
    assert answers == {(404, nonsense.get_data(as_text=True))}
    assert nonsense.get_json()["error"] == "case_not_found" and "查询码" in nonsense.get_json()["message"]


def test_the_track_page_carries_the_tracking_code_and_asks_for_one(public_client, receipt):
    page = public_client.get(f"/track/{receipt['tracking_code']}").get_data(as_text=True)
    assert receipt["tracking_code"] in page and "查询码" in page and "MQ-2024-000123" not in page


def test_staff_see_the_tracking_code_to_give_a_resident_but_chiefs_do_not(client, chief_client):
    case = client.post("/api/v1/cases", json=case_body(**point_in_building("BD01"))).get_json()
    assert CODE.fullmatch(case["tracking_code"])
    assert client.get(f"/api/v1/cases/{case['code']}").get_json()["tracking_code"] == case["tracking_code"]
    assert chief_client.get(f"/api/v1/cases/{case['code']}").get_json()["tracking_code"] is None


def test_the_database_draws_distinct_codes_for_every_insert_path(session):
    drawn = [r[0] for r in session.execute(text("SELECT minqing_tracking_code() FROM generate_series(1, 2000)"))]
    assert all(CODE.fullmatch(code) for code in drawn) and len(set(drawn)) == len(drawn)
    # every character of the alphabet turns up in every position (a missing one by chance: p < 1e-25)
    for position in (0, 1, 2, 3, 4, 6, 7, 8, 9, 10):
        assert {code[position] for code in drawn} == set(ALPHABET), position


@pytest.mark.committed_db
def test_the_migration_gives_existing_cases_codes(app):
    """Down to 0006 (no tracking codes) and up again: every case already there gets a distinct code."""
    before = _all_codes(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    config = alembic_config(app.config["DATABASE_OWNER_URL"])
    command.downgrade(config, "0006")
    command.upgrade(config, "head")
    after = _all_codes(app)
    assert [code for code, _ in after] == [code for code, _ in before]
    codes = [tracking for _, tracking in after]
    assert all(CODE.fullmatch(code) for code in codes) and len(set(codes)) == len(codes)
    assert not set(codes) & {tracking for _, tracking in before}
