"""Heat cells and the stats endpoint over HTTP."""

import random

import pytest


@pytest.mark.parametrize("zoom", [12, 15, 17, 19])
def test_heat_counts_add_up_to_the_matching_cases(client, zoom):
    body = client.get("/api/v1/heat", query_string={"zoom": zoom}).get_json()
    total = client.get("/api/v1/cases?limit=1").get_json()["total"]
    assert sum(c[2] for c in body["cells"]) == total
    assert body["cell_m"] > 0


def test_heat_with_random_filters_matches_the_case_list(client):
    rng = random.Random(7)
    channels = ["night_talk", "mailbox", "grid_worker", "rider", "resident"]
    categories = ["hazard", "dispute", "environment", "suggestion"]
    for _ in range(8):
        params = {"channel": rng.choice(channels), "category": rng.choice(categories),
                  "from": f"2023-{rng.randint(1, 6):02d}-01", "to": f"2024-{rng.randint(1, 6):02d}-28"}
        cells = client.get("/api/v1/heat", query_string={**params, "zoom": 16}).get_json()["cells"]
        expected = client.get("/api/v1/cases", query_string={**params, "limit": 1}).get_json()["total"]
        assert sum(c[2] for c in cells) == expected, params


def test_bigger_zoom_gives_smaller_cells(client):
    sizes = [client.get(f"/api/v1/heat?zoom={z}").get_json()["cell_m"] for z in (12, 16, 19)]
    assert sizes == sorted(sizes, reverse=True)


def test_heat_refuses_bad_parameters(client):
    assert client.get("/api/v1/heat?zoom=40").get_json()["field"] == "zoom"
    assert client.get("/api/v1/heat?channel=pigeon").get_json()["field"] == "channel"
    assert client.get("/api/v1/heat?from=2024-05-01&to=2024-01-01").get_json()["field"] == "from"


def test_stats_by_channel_json_and_csv(client):
    body = client.get("/api/v1/stats?by=channel").get_json()
    assert body["by"] == "channel"
    night = next(r for r in body["rows"] if r["key"] == "night_talk")
    assert night["label"] == "夜谈悦好" and night["received"] == 94
    csv_text = client.get("/api/v1/stats?by=channel&format=csv").get_data(as_text=True)
    assert "\n夜谈悦好,94,93,1," in csv_text
    assert client.get("/api/v1/stats?by=weather").status_code == 400
