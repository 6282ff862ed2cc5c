"""GET /api/v1/place names a point for anyone — the units' names, never a person."""

from tests.factories import point_in_building


def test_anyone_gets_the_names_of_the_place_and_no_people(app):
    response = app.test_client().get("/api/v1/place", query_string=point_in_building("BD01"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["chain"][0] == {"kind": "building", "kind_label": "楼栋", "name": "明珠花园1栋"}
    assert body["community"]["name"]
    text = response.get_data(as_text=True)
    assert "people" not in text and "phone" not in text and "person" not in text


def test_a_point_outside_every_community_is_a_chinese_404(app):
    response = app.test_client().get("/api/v1/place?lat=39.9&lon=116.4")
    assert response.status_code == 404
    assert "不在任何社区" in response.get_json()["message"]
