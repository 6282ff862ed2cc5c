"""The demo reproduces the work report's numbers."""

import pytest
from sqlalchemy import text

from geo_app.services.kpis import stats
from geo_app.services.points import summary
from tests.conftest import truncate_as_owner


def test_channel_numbers_match_the_work_report(session):
    rows = {r["key"]: r for r in stats(session, "channel")["rows"]}
    night = rows["night_talk"]
    assert (night["received"], night["resolved"], night["in_progress"]) == (94, 93, 1)
    mailbox = rows["mailbox"]
    assert (mailbox["received"], mailbox["resolved"], mailbox["satisfaction_rate"]) == (161, 161, 1.0)
    assert rows["lawyer"]["received"] == 49
    assert rows["patrol"]["received"] == 36
    assert {"grid_worker", "rider"} <= set(rows)


def test_night_talks_start_in_august_2022_and_letters_in_2023(session):
    first_talk, first_letter = session.execute(text(
        "SELECT min(received_at) FILTER (WHERE channel = 'night_talk'), min(received_at) FILTER (WHERE channel = 'mailbox') "
        "FROM civic_case")).one()
    assert (first_talk.year, first_talk.month) == (2022, 8)
    assert first_letter.year == 2023


def test_points_ledgers_add_up_to_the_report(session):
    result = summary(session, "mingzhu")
    assert result["households"] == 393 and result["earned"] == 7186
    assert result["balance"] == result["earned"] - result["redeemed"]


@pytest.mark.slow
@pytest.mark.committed_db  # the owner empties the case tables on a connection of its own
def test_the_same_seed_gives_the_same_data(app, session):
    from geo_app.services.demo_cases import load_demo_cases

    before = session.execute(text("SELECT md5(string_agg(code || title || ST_AsText(geom) || status, ',' ORDER BY code)) "
                                  "FROM civic_case")).scalar()
    session.commit()
    truncate_as_owner(app, "civic_case", "case_event", "points_entry", "points_account", "case_counter")
    load_demo_cases(session)
    after = session.execute(text("SELECT md5(string_agg(code || title || ST_AsText(geom) || status, ',' ORDER BY code)) "
                                 "FROM civic_case")).scalar()
    assert before == after
