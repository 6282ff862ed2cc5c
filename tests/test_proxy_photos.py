"""Behind deploy/nginx.conf a phone's photos reach the app; other requests keep the small body limit."""

import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import demo_clone
from tests.factories import case_body
from tests.photo_samples import phone_jpeg
from tests.servers import gunicorn, nginx, request

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(pg_cluster, demo_template):
    with demo_clone(pg_cluster, demo_template, "proxy_photos") as name:
        yield pg_cluster.url_for(name)


def post_multipart(url, fields, files):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="{name}"\r\n'
              f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n" for name, data in files]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_photos_of_several_megabytes_pass_nginx_and_other_large_bodies_do_not(database_url):
    photo = phone_jpeg(1500, 2000, quality=98, noise=True)
    assert len(photo) > 3 * 1024 * 1024  # over the 3 MB nginx allows everywhere else
    fields = {k: str(v) for k, v in case_body(reporter_name="", household="").items()}
    with gunicorn(database_url) as (base, _), nginx(base.split("//", 1)[1]) as proxy:
        assert post_multipart(f"{proxy}/api/v1/cases", fields, [("a.jpg", photo)]) == 201
        status, _, _ = request(f"{proxy}/api/v1/lookup", method="POST", body={"padding": "x" * (4 * 1024 * 1024)})
        assert status == 413
