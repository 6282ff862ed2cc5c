"""Paper: the 派单单 on the case page (QR code to the page, drawn here) and the monthly report of /stats."""

import re

import pytest
import segno

from geo_app.services.reports import month_window, qr_svg


def _first_case(client):
    return client.get("/api/v1/cases?limit=1").get_json()["cases"][0]


def test_the_case_page_carries_its_dispatch_sheet_with_a_qr_code_to_itself(client):
    case = _first_case(client)
    html = client.get(f"/cases/{case['code']}").get_data(as_text=True)
    sheet = html[html.index('id="mq-dispatch-sheet"'):]
    assert "民情派单单" in sheet and case["code"] in sheet and case["title"] in sheet
    assert case["category"]["label"] in sheet and case["urgency"]["label"] in sheet
    assert f"http://localhost/cases/{case['code']}" == re.search(r'data-url="([^"]+)"', sheet).group(1)
    assert qr_svg(f"http://localhost/cases/{case['code']}") in sheet
    assert "<svg" in sheet and "http" not in sheet.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", "")
    assert 'href="/static/css/print.css?v=' in html


def test_the_qr_code_holds_the_url():
    url = "http://example.test/cases/MQ-2024-000001"
    code = segno.make(url, error="m")
    assert qr_svg(url) == code.svg_inline(scale=3, border=2, title="扫码查看此民情", svgclass="mq-qr")
    assert code.designator.endswith("-M")


def test_the_monthly_report_adds_up_to_the_api(client):
    api = client.get("/api/v1/stats?by=channel&from=2024-03-01&to=2024-03-31").get_json()["rows"]
    html = client.get("/stats/report?month=2024-03").get_data(as_text=True)
    assert "2024年3月民情工作月报" in html
    for row in api:
        assert re.search(rf"<td>{row['label']}</td><td>{row['received']}</td><td>{row['resolved']}</td>", html)
    assert re.search(r"<td>\d+\.\d%</td>", html) and not re.search(r"<td>[01]\.\d+</td>", html)  # rates as percentages


def test_the_report_defaults_to_the_last_whole_month():
    from datetime import date

    label, month, start, end = month_window(None, date(2025, 1, 15))
    assert (label, month, start.month, end.year, end.month) == ("2024年12月", "2024-12", 12, 2025, 1)


@pytest.mark.parametrize("month", ["2024-13", "24-01", "2024/01", "abcd"])
def test_a_bad_month_is_refused_in_chinese(client, month):
    response = client.get(f"/stats/report?month={month}", headers={"Accept": "text/html"})
    assert response.status_code == 400 and "月份" in response.get_data(as_text=True)


def test_a_chief_gets_no_monthly_report(chief_client):
    assert chief_client.get("/stats/report").status_code == 403
