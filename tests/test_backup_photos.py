"""`minqing backup` / `minqing restore` carry the photos (PHOTO_STORE=db): rows and bytes come back exactly."""

import hashlib
import io

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as
from tests.factories import case_body
from tests.photo_samples import phone_jpeg

pytestmark = pytest.mark.committed_db  # pg_dump, pg_restore and the CLI use connections of their own


def photos_of(app):
    """Return every photo row with the sha256 of its stored display and thumbnail bytes."""
    with app.app_context():
        rows = db.session.execute(text(
            """SELECT p.id, p.kind, p.public, d.data AS display, t.data AS thumb FROM case_photo p
               JOIN photo_blob d ON d.key = p.display_key JOIN photo_blob t ON t.key = p.thumb_key ORDER BY p.id""")).all()
        db.session.remove()
        db.engine.dispose()
    return [(r.id, r.kind, r.public, hashlib.sha256(r.display).hexdigest(), hashlib.sha256(r.thumb).hexdigest())
            for r in rows]


def test_backup_and_restore_round_trip_photos(app, cli_runner, tmp_path):
    cadre = client_as(app, "cadre")
    created = cadre.post("/api/v1/cases", content_type="multipart/form-data", data={
        **{k: str(v) for k, v in case_body().items()},
        "photos": [(io.BytesIO(phone_jpeg()), "a.jpg", "image/jpeg"), (io.BytesIO(phone_jpeg(80, 60)), "b.jpg", "image/jpeg")]})
    assert created.status_code == 201, created.get_json()
    first = created.get_json()["photos"][0]
    assert cadre.post(f"/api/v1/photos/{first['id']}/publish").status_code == 200
    served = cadre.get(first["url"]).data
    before = photos_of(app)
    assert len(before) == 2 and before[0][2] is True

    archive = tmp_path / "minqing.dump"
    assert cli_runner(app, ["backup", str(archive)]).exit_code == 0
    later = cadre.post(f"/api/v1/cases/{created.get_json()['code']}/photos", content_type="multipart/form-data",
                       data={"kind": "after", "photo": [(io.BytesIO(phone_jpeg(120, 90)), "c.jpg", "image/jpeg")]})
    assert later.status_code == 201
    assert len(photos_of(app)) == 3

    result = cli_runner(app, ["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert photos_of(app) == before
    again = client_as(app, "cadre").get(first["url"])
    assert again.status_code == 200 and again.data == served
    assert app.test_client().get(first["url"]).status_code == 200  # still published
