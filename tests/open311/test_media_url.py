"""Open311 media_url: kept as the client gave it (never fetched), else the first photo a cadre published."""

import io

from tests.photo_samples import phone_jpeg


def test_a_posted_media_url_is_stored_as_given_and_answered(client, public_client, post_request):
    url = "https://example.invalid/不存在/photo.jpg?size=large"  # never fetched: the host does not even exist
    created = post_request(media_url=url).get_json()
    code = created[0]["service_request_id"]
    answered = public_client.get(f"/open311/v2/requests/{code}.json").get_json()[0]
    assert answered["media_url"] == url
    case = client.get(f"/api/v1/cases/{code}").get_json()
    assert case["photos"] == []


def test_a_media_url_must_be_http(post_request, public_client):
    response = public_client.post("/open311/v2/requests.json", data={
        "service_code": "hazard", "lat": "22.9666735", "long": "115.3249236", "description": "垃圾",
        "media_url": "file:///etc/passwd"})
    assert response.status_code == 400 and "media_url" in response.get_json()[0]["description"]


def test_without_one_the_first_published_photo_is_answered(client, public_client, post_request):
    code = post_request().get_json()[0]["service_request_id"]
    assert public_client.get(f"/open311/v2/requests/{code}.json").get_json()[0]["media_url"] is None
    added = client.post(f"/api/v1/cases/{code}/photos", content_type="multipart/form-data",
                        data={"kind": "report", "photo": [(io.BytesIO(phone_jpeg()), "a.jpg", "image/jpeg"),
                                                          (io.BytesIO(phone_jpeg(80, 60)), "b.jpg", "image/jpeg")]})
    first, second = added.get_json()["photos"]
    assert public_client.get(f"/open311/v2/requests/{code}.json").get_json()[0]["media_url"] is None  # unpublished
    client.post(f"/api/v1/photos/{second['id']}/publish")
    media_url = public_client.get(f"/open311/v2/requests/{code}.json").get_json()[0]["media_url"]
    assert media_url == f"http://localhost/api/v1/photos/{second['id']}/display"
    assert public_client.get(media_url).status_code == 200
