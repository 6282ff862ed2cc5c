"""Every date or time a caller sends is bounded (2000-01-01 … 2100-12-31): out of range is a 400, never a 500."""

import pytest

OUT_OF_RANGE = [
    ("/api/v1/heat", "to", "9999-12-31"),
    ("/api/v1/heat", "from", "0001-01-01"),
    ("/api/v1/heat", "to", "2101-01-01"),
    ("/api/v1/heat", "from", "1999-12-31"),
    ("/api/v1/cases", "to", "9999-12-31"),
    ("/api/v1/cases", "from", "9999-12-31T23:59:59-12:00"),
    ("/api/v1/cases", "to", "0001-01-01T00:00:00+14:00"),
    ("/api/v1/stats", "to", "9999-12-31"),
    ("/api/v1/stats", "from", "0001-01-01"),
]


@pytest.mark.parametrize("path,field,value", OUT_OF_RANGE, ids=[f"{p}-{f}={v}" for p, f, v in OUT_OF_RANGE])
def test_api_dates_out_of_range_are_400_naming_the_field(client, path, field, value):
    response = client.get(path, query_string={field: value})
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["field"] == field and body["message"].startswith(f"{field} 超出范围")
    assert "2000-01-01" in body["message"] and "2100-12-31" in body["message"]


def test_the_public_heatmap_refuses_them_too(public_client):
    response = public_client.get("/api/v1/heat", query_string={"to": "9999-12-31"})
    assert response.status_code == 400 and response.get_json()["field"] == "to"


@pytest.mark.parametrize("params", [{"from": "2000-01-01"}, {"to": "2100-12-31"},
                                    {"from": "2000-01-01", "to": "2100-12-31"}])
def test_the_edges_of_the_range_are_accepted(client, params):
    for path in ("/api/v1/heat", "/api/v1/cases", "/api/v1/stats"):
        assert client.get(path, query_string=params).status_code == 200, (path, params)


@pytest.mark.parametrize("field,value", [("end_date", "0001-01-01"), ("end_date", "9999-12-31T23:59:59Z"),
                                         ("start_date", "9999-12-31"), ("start_date", "0001-01-01T00:00:00+08:00"),
                                         ("end_date", "2000-01-01T00:00:00 14:00")])
def test_open311_dates_out_of_range_are_400(public_client, field, value):
    response = public_client.get("/open311/v2/requests.json", query_string={field: value})
    assert response.status_code == 400, response.get_data(as_text=True)
    [error] = response.get_json()
    assert error["code"] == 400 and error["description"].startswith(f"{field} 超出范围")


def test_open311_default_window_before_the_earliest_day_is_fine(public_client):
    """end_date at the first day: the 90-day default window reaches back before it without overflowing."""
    response = public_client.get("/open311/v2/requests.json", query_string={"end_date": "2000-01-01"})
    assert response.status_code == 200 and response.get_json() == []
