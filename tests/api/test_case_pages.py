"""Case lists at city scale: keyset pages (next_cursor / next), a bounded offset, counts that say when they estimate."""

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import text

from geo_app.services import case_pages


def codes(body):
    return [c["code"] for c in body["cases"]]


def test_walking_the_cursor_gives_every_case_once_in_order(admin_client):
    whole = admin_client.get("/api/v1/cases?limit=1000").get_json()
    assert whole["next_cursor"] is None and whole["count_is_estimate"] is False
    walked, url, pages = [], "/api/v1/cases?limit=37&channel=night_talk,mailbox,grid_worker,rider,resident", 0
    while url:
        body = admin_client.get(url).get_json()
        walked += codes(body)
        url, pages = body["next"], pages + 1
    expected = [c["code"] for c in whole["cases"] if c["channel"]["code"] in
                ("night_talk", "mailbox", "grid_worker", "rider", "resident")]
    assert walked == expected and pages > 1
    assert len(set(walked)) == len(walked)


def test_the_next_link_keeps_the_filters_and_drops_the_offset(admin_client):
    body = admin_client.get("/api/v1/cases?limit=2&offset=3&category=hazard").get_json()
    args = parse_qs(urlsplit(body["next"]).query)
    assert args["category"] == ["hazard"] and args["cursor"] == [body["next_cursor"]] and "offset" not in args
    following = admin_client.get(body["next"]).get_json()
    both = admin_client.get("/api/v1/cases?limit=4&offset=3&category=hazard").get_json()
    assert codes(body) + codes(following) == codes(both)


def test_offset_is_bounded_with_a_clear_error_and_a_bad_cursor_is_refused(admin_client):
    assert admin_client.get(f"/api/v1/cases?offset={case_pages.OFFSET_MAX}").status_code == 200
    too_far = admin_client.get(f"/api/v1/cases?offset={case_pages.OFFSET_MAX + 1}")
    assert too_far.status_code == 400 and too_far.get_json()["field"] == "offset"
    assert "next_cursor" in too_far.get_json()["message"]
    for cursor in ("nonsense", "W10", "WyIyMDI0LTAxLTAxIiwgMV0"):  # garbage, [], a time without zone
        bad = admin_client.get(f"/api/v1/cases?cursor={cursor}")
        assert bad.status_code == 400 and bad.get_json()["field"] == "cursor", cursor


def test_counts_beyond_the_bound_come_from_the_rollup_or_say_they_are_estimates(admin_client, session, monkeypatch):
    exact = admin_client.get("/api/v1/cases?limit=1").get_json()
    monkeypatch.setattr(case_pages, "COUNT_BOUND", 5)
    from_rollup = admin_client.get("/api/v1/cases?limit=1").get_json()
    assert (from_rollup["total"], from_rollup["count_is_estimate"]) == (exact["total"], False)
    window = admin_client.get("/api/v1/cases?limit=1&from=2023-01-01&to=2023-12-31&community=mingzhu").get_json()
    recount = session.execute(text(
        "SELECT count(*) FROM civic_case WHERE community_id = (SELECT id FROM community WHERE code = 'mingzhu') "
        "AND received_at >= '2023-01-01T00:00+08' AND received_at < '2024-01-01T00:00+08'")).scalar()
    assert (window["total"], window["count_is_estimate"]) == (recount, False)
    # a ragged window or a filter the rollup does not carry: exact below the bound, else an estimate said to be one
    for query in ("from=2023-01-05", "status=closed,visited"):
        estimated = admin_client.get(f"/api/v1/cases?limit=1&{query}").get_json()
        assert estimated["count_is_estimate"] is True and estimated["total"] > 5, query
    monkeypatch.setattr(case_pages, "COUNT_BOUND", 100_000)
    exact = admin_client.get("/api/v1/cases?limit=1&status=closed,visited").get_json()
    assert exact["count_is_estimate"] is False
    assert exact["total"] == session.execute(text(
        "SELECT count(*) FROM civic_case WHERE status IN ('closed', 'visited')")).scalar()


def test_overdue_pages_follow_the_cursor_too(admin_client):
    whole = admin_client.get("/api/v1/cases?overdue=1&limit=1000").get_json()
    first = admin_client.get("/api/v1/cases?overdue=1&limit=3").get_json()
    assert codes(first) == codes(whole)[:3]
    if first["next"]:
        assert codes(admin_client.get(first["next"]).get_json()) == codes(whole)[3:6]
