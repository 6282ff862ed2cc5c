"""The read-only facts the dashboard pages use."""

from datetime import date

from geo_app.services.dashboard import _month_list, case_months


def test_month_list_crosses_years():
    assert _month_list(date(2023, 11, 30), date(2024, 2, 1)) == ["2023-11", "2023-12", "2024-01", "2024-02"]


def test_case_months_span_the_demo_cases(session):
    months = case_months(session, "mingzhu")
    assert months[0] == "2022-08" and months[-1] == "2024-06"
    assert len(months) == len(set(months)) == 23


def test_case_months_of_a_community_without_cases(session):
    assert case_months(session, "no-such-community") == []
