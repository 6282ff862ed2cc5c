"""The in-app inbox: GET /api/v1/me/notifications (unread first, unread count), POST …/read."""

from tests.factories import case_body, point_in_building


def dispatch_to_chief(client, title="楼道电动车充电"):
    """Report a case in BD01 (auto-dispatched to its 楼栋长, the demo chief); return its code."""
    answer = client.post("/api/v1/cases", json=case_body(**point_in_building("BD01"), title=title))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["code"]


def test_the_chief_finds_a_new_dispatch_at_the_top_of_the_inbox_and_reads_it(client, chief_client):
    first = dispatch_to_chief(client, "楼道堆物")
    second = dispatch_to_chief(client, "楼顶漏水")
    inbox = chief_client.get("/api/v1/me/notifications").get_json()
    assert inbox["unread"] == 2
    assert [item["case"] for item in inbox["items"][:2]] == [second, first]
    top = inbox["items"][0]
    assert top["title"] == f"【新派单】{second} 楼顶漏水" and top["kind_label"] == "新派单" and not top["read"]
    assert "签收时限" in top["body"] and top["link"] == f"/cases/{second}"
    marked = chief_client.post("/api/v1/me/notifications/read", json={"ids": [top["id"]]}).get_json()
    assert (marked["marked"], marked["unread"]) == (1, 1)
    after = chief_client.get("/api/v1/me/notifications").get_json()
    assert after["items"][0]["case"] == first and after["items"][-1]["read"]  # unread first, read after
    assert chief_client.post("/api/v1/me/notifications/read", json={"all": True}).get_json()["unread"] == 0


def test_nobody_reads_anothers_inbox(client, chief_client, public_client):
    dispatch_to_chief(client)
    assert client.get("/api/v1/me/notifications").get_json()["unread"] == 0  # the cadre's own inbox
    chief_item = chief_client.get("/api/v1/me/notifications").get_json()["items"][0]
    assert client.post("/api/v1/me/notifications/read", json={"ids": [chief_item["id"]]}).get_json()["marked"] == 0
    assert chief_client.get("/api/v1/me/notifications").get_json()["unread"] == 1
    assert public_client.get("/api/v1/me/notifications").status_code == 401


def test_a_read_request_must_name_something(chief_client):
    refused = chief_client.post("/api/v1/me/notifications/read", json={})
    assert refused.status_code == 400 and "ids" in refused.get_json()["message"]
    refused = chief_client.post("/api/v1/me/notifications/read", json={"ids": ["x"]})
    assert refused.status_code == 400 and refused.get_json()["field"] == "ids"
