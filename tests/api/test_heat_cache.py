"""Heat answers kept by the cases' version: ETag and 304, and a new answer as soon as a case changes."""

from sqlalchemy import text

from geo_app.services.heat import heat_cells
from tests.factories import case_body

VIEW = "115.30,22.95,115.34,22.99"


def total(body):
    return sum(cell[2] for cell in body["cells"])


def test_heat_carries_an_etag_and_answers_304_to_it(client):
    first = client.get("/api/v1/heat?zoom=17")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/api/v1/heat?zoom=17", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    # A different question is a different answer: no 304 for another zoom with the same tag.
    other = client.get("/api/v1/heat?zoom=12", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.headers["ETag"] != first.headers["ETag"]


def test_kept_answer_equals_a_fresh_count(app, client, session):
    kept = client.get("/api/v1/heat?zoom=16").get_json()
    again = client.get("/api/v1/heat?zoom=16").get_json()
    with app.app_context():
        community_id = session.execute(text("SELECT community_id FROM app_user WHERE username = 'cadre'")).scalar()
        fresh = heat_cells(session, {"community_id": community_id}, zoom=16)
    assert kept == again == fresh


def test_a_new_case_changes_the_etag_and_the_answer(client):
    before = client.get("/api/v1/heat?zoom=17")
    assert client.post("/api/v1/cases", json=case_body()).status_code == 201
    after = client.get("/api/v1/heat?zoom=17", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert total(after.get_json()) == total(before.get_json()) + 1


def test_a_status_change_invalidates_a_filtered_view(client):
    case = client.post("/api/v1/cases", json=case_body()).get_json()
    url = f"/api/v1/heat?zoom=17&status={case['status']}"
    before = client.get(url)
    accepted = client.post(f"/api/v1/cases/{case['code']}/transitions",
                           json={"action": "accept", "version": case["version"]})
    assert accepted.status_code == 200, accepted.get_json()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert total(after.get_json()) == total(before.get_json()) - 1


def test_a_rolled_back_change_never_lends_its_version_to_another(session):
    # A key must name one state of the cases: a version seen inside a transaction that rolled back is never
    # handed to a later change (case_change_seq), else an answer cached then could be served for it.
    from geo_app.services.cases import create_case
    from geo_app.services.heat_cache import case_version
    from tests.factories import case_in

    before = case_version(session)
    savepoint = session.begin_nested()
    create_case(session, case_in())
    session.flush()
    seen_then = case_version(session)
    savepoint.rollback()
    assert case_version(session) == before
    create_case(session, case_in())
    session.flush()
    assert case_version(session) not in (before, seen_then)


def test_public_heat_answers_304_and_stays_public(public_client):
    url = f"/api/v1/heat?bbox={VIEW}"
    first = public_client.get(url)
    assert first.status_code == 200, first.get_json()
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert public_client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_the_app_cannot_set_a_version(app, session):
    # Versions are kept by the owner's triggers only (db_roles: case_change is READ for the app).
    from geo_app.services.heat_cache import case_version

    assert case_version(session) > 0
    privileges = session.execute(text("SELECT has_table_privilege('case_change', 'UPDATE')")).scalar()
    assert privileges is False
