"""Heavy reads from a real streaming standby: stale within the bound, the primary after one's own write, and a
standby that lags too far or is down is skipped, never an error."""

import os
import shutil
import tempfile
import time

import pytest

from geo_app import create_app
from geo_app.extensions import db
from geo_app.replicas import WROTE_COOKIE
from geo_app.services.accounts import issue_token
from tests.factories import case_body, point_in_building
from tests.replication import dump_database, restore_dump, start_primary, start_standby

pytestmark = [pytest.mark.slow]
LAT, LON = point_in_building("BD01")["lat"], point_in_building("BD01")["lon"]
HEAVY_READS = ("/api/v1/heat", "/api/v1/stats?by=category", "/api/v1/units?limit=5", "/api/v1/sites",
               f"/api/v1/sites/nearest?lat={LAT}&lon={LON}", "/ogc/collections/cases/items?limit=5", "/heatmap",
               "/stats")


@pytest.fixture(scope="module")
def replicated(pg_cluster, demo_template):
    """A primary holding the demo community and a hot standby streaming from it (asynchronously)."""
    root = tempfile.mkdtemp(prefix="minqing-replica-")
    os.chmod(root, 0o755)
    primary = start_primary(root, synchronous=False)
    standby = None
    try:
        dump = os.path.join(root, "demo.dump")
        dump_database(pg_cluster, demo_template, dump)
        restore_dump(primary, dump)
        standby = start_standby(primary, root)
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)  # the dump and the servers' logs


def make(primary, standby, **overrides):
    app = create_app({"DATABASE_URL": primary.url, "DATABASE_REPLICA_URL": [standby.url], "SECRET_KEY": "test",
                      "TESTING": True, **overrides})
    with app.app_context():
        token = issue_token(db.session, "cadre", actor="test")
        db.session.commit()
    return app, {"Authorization": f"Bearer {token}"}


def replay(standby, paused):
    """Pause or resume the standby's replay; a pause is only asked for by the call, so wait until it has taken hold."""
    standby.psql(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")
    deadline = time.monotonic() + 10
    while paused and standby.psql("SELECT pg_get_wal_replay_pause_state()")[0][0] != "paused":
        assert time.monotonic() < deadline, "the standby did not pause its replay within 10 s"
        time.sleep(0.05)


def caught_up(primary, standby):
    """Wait until the standby has replayed all the primary has written so far.

    Until a freshly started standby has replayed a commit, its lag cannot be told once it has WAL left to replay
    (pg_last_xact_replay_timestamp() is null), and the app rightly reads from the primary instead.
    """
    written = primary.psql("SELECT pg_current_wal_lsn()")[0][0]
    deadline = time.monotonic() + 10
    while standby.psql(f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn")[0][0] is not True:
        assert time.monotonic() < deadline, f"the standby did not replay up to {written} within 10 s"
        time.sleep(0.05)


def test_heavy_reads_come_from_the_standby_and_a_writer_reads_its_own_write_from_the_primary(replicated):
    primary, standby = replicated
    app, auth = make(primary, standby, REPLICA_MAX_LAG_MS=3_600_000)
    reader, writer = app.test_client(), app.test_client()
    caught_up(primary, standby)  # the token make() issued is replayed: the standby's lag can be told from here on
    before = reader.get("/api/v1/stats?by=category", headers=auth).get_json()
    replay(standby, paused=True)
    try:
        posted = writer.post("/api/v1/cases", json=case_body(**point_in_building("BD01")), headers=auth)
        assert posted.status_code == 201 and WROTE_COOKIE in " ".join(posted.headers.getlist("Set-Cookie"))
        # The standby has not replayed the new case (within the bound): a reader still sees the old counts …
        assert reader.get("/api/v1/stats?by=category", headers=auth).get_json() == before
        # … every heavy read answers from it …
        for path in HEAVY_READS:
            assert reader.get(path, headers=auth).status_code == 200, path
        # (the public's too, each statement bounded by the request's database budget on the standby as well)
        for path in ("/api/v1/sites", "/ogc/collections/heat/items?limit=5", "/heatmap"):
            assert app.test_client().get(path).status_code == 200, path
        # … and the writer, reading right after its write, gets the primary's.
        assert writer.get("/api/v1/stats?by=category", headers=auth).get_json() != before
        # A case page is not a heavy read: it comes from the primary for everybody.
        assert reader.get(f"/api/v1/cases/{posted.get_json()['code']}", headers=auth).status_code == 200
    finally:
        replay(standby, paused=False)


def test_a_standby_further_behind_than_the_bound_or_down_is_skipped(replicated):
    primary, standby = replicated
    app, auth = make(primary, standby, REPLICA_MAX_LAG_MS=200)
    reader, writer = app.test_client(), app.test_client()
    replay(standby, paused=True)
    try:
        assert writer.post("/api/v1/cases", json=case_body(**point_in_building("BD01")), headers=auth).status_code == 201
        time.sleep(1.5)  # past the bound and the last lag check
        fresh = writer.get("/api/v1/stats?by=category", headers=auth).get_json()
        assert reader.get("/api/v1/stats?by=category", headers=auth).get_json() == fresh
    finally:
        replay(standby, paused=False)
    standby.stop()
    try:
        time.sleep(1.1)
        for path in HEAVY_READS:
            assert reader.get(path, headers=auth).status_code == 200, path
    finally:
        standby.start()
