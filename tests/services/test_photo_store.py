"""The photo stores: PostgreSQL (default) and S3 against a real local SeaweedFS; the same behaviour from both."""

import io

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from geo_app.services.photo_store import DatabaseStore, PhotoStoreError, parse_s3_url, store_for
from tests.conftest import client_as
from tests.factories import case_body
from tests.photo_samples import metadata_of, phone_jpeg
from tests.s3_server import seaweed_s3


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with seaweed_s3(tmp_path_factory.mktemp("weed")) as endpoint:
        yield endpoint


@pytest.fixture
def s3_credentials(s3, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3["access_key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3["secret_key"])
    store_for.cache_clear()
    yield s3
    store_for.cache_clear()


def test_the_database_store_writes_once_and_reads_back(session):
    store = DatabaseStore()
    store.put(session, "k" * 64, b"bytes", "image/jpeg")
    store.put(session, "k" * 64, b"bytes", "image/jpeg")  # the same content again: nothing happens
    assert store.get(session, "k" * 64) == b"bytes"
    assert store.get(session, "0" * 64) is None
    assert session.execute(text("SELECT count(*) FROM photo_blob WHERE key = :k"), {"k": "k" * 64}).scalar() == 1


def test_s3_urls_name_bucket_prefix_and_endpoint():
    location = parse_s3_url("s3://photos/minqing/prod?endpoint=http://10.0.0.5:8333&region=cn-north-1")
    assert (location.bucket, location.prefix, location.endpoint, location.region) == (
        "photos", "minqing/prod/", "http://10.0.0.5:8333", "cn-north-1")
    with pytest.raises(PhotoStoreError):
        parse_s3_url("ftp://photos")


@pytest.mark.slow
def test_the_s3_store_writes_and_reads_objects(s3_credentials):
    store = store_for(s3_credentials["url"])
    store.put(None, "a" * 64, b"\xff\xd8photo", "image/jpeg")
    assert store.get(None, "a" * 64) == b"\xff\xd8photo"
    assert store.get(None, "b" * 64) is None


@pytest.mark.slow
def test_photos_go_to_s3_when_configured_and_are_served_from_there(make_app, s3_credentials):
    import boto3

    app = make_app(PHOTO_STORE=s3_credentials["url"])
    cadre = client_as(app, "cadre")
    created = cadre.post("/api/v1/cases", content_type="multipart/form-data", data={
        **{k: str(v) for k, v in case_body().items()}, "photos": [(io.BytesIO(phone_jpeg()), "a.jpg", "image/jpeg")]})
    assert created.status_code == 201, created.get_json()
    photo = created.get_json()["photos"][0]
    served = cadre.get(photo["url"])
    assert served.status_code == 200 and metadata_of(served.data) == {"exif": {}, "info": []}
    with app.app_context():
        keys = db.session.execute(text("SELECT display_key, thumb_key FROM case_photo WHERE id = :id"),
                                  {"id": photo["id"]}).one()
        assert db.session.execute(text("SELECT count(*) FROM photo_blob WHERE key IN (:d, :t)"),
                                  {"d": keys.display_key, "t": keys.thumb_key}).scalar() == 0
    client = boto3.client("s3", endpoint_url=s3_credentials["endpoint_url"], region_name="us-east-1",
                          aws_access_key_id=s3_credentials["access_key"],
                          aws_secret_access_key=s3_credentials["secret_key"])
    stored = client.get_object(Bucket=s3_credentials["bucket"], Key=f"photos/{keys.display_key}")
    assert stored["ContentType"] == "image/jpeg" and stored["Body"].read() == served.data


@pytest.mark.slow
def test_an_unreachable_s3_store_refuses_the_report_and_writes_nothing(make_app, s3_credentials):
    app = make_app(PHOTO_STORE="s3://minqing-photos?endpoint=http://127.0.0.1:9")  # nothing listens there
    with app.app_context():
        before = db.session.execute(text("SELECT count(*) FROM civic_case")).scalar()
    response = client_as(app, "cadre").post("/api/v1/cases", content_type="multipart/form-data", data={
        **{k: str(v) for k, v in case_body().items()}, "photos": [(io.BytesIO(phone_jpeg()), "a.jpg", "image/jpeg")]})
    assert response.status_code == 503 and response.get_json()["error"] == "photo_store_unavailable"
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM civic_case")).scalar() == before
