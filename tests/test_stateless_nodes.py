"""Two app nodes on one database are one app: a login made on one holds on the other, and a retried report
with the same Idempotency-Key gets the case the other node stored (nothing of either lives in a process)."""

import os
import re
import uuid

import pytest
import requests

from tests.conftest import token_for
from tests.factories import case_body, point_in_building
from tests.servers import gunicorn

pytestmark = [pytest.mark.committed_db, pytest.mark.slow]


def test_a_login_and_an_idempotency_key_hold_across_two_nodes(app):
    env = {"SECRET_KEY": "shared-" + os.urandom(8).hex()}  # the one thing every node must be given alike
    url = app.config["DATABASE_URL"]
    token = token_for(app, "cadre")
    with gunicorn(url, workers=1, env=env) as (first, _), gunicorn(url, workers=1, env=env) as (second, _):
        browser = requests.Session()
        form = browser.get(f"{first}/login", timeout=30).text
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        logged_in = browser.post(f"{first}/login", data={"csrf_token": csrf, "username": "cadre",
                                                         "password": "mingzhu-shequganbu"},
                                 allow_redirects=False, timeout=30)
        assert logged_in.status_code == 302
        assert browser.get(f"{second}/api/v1/stats", timeout=30).status_code == 200
        assert requests.get(f"{second}/api/v1/stats", timeout=30).status_code == 401  # no cookie, no entry

        key, body = uuid.uuid4().hex, case_body(**point_in_building("BD01"))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        stored = requests.post(f"{first}/api/v1/cases", json=body, headers=headers, timeout=30)
        again = requests.post(f"{second}/api/v1/cases", json=body, headers=headers, timeout=30)
    assert (stored.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == stored.json()["code"]
