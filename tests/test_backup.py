"""`minqing backup` / `minqing restore`: the data comes back exactly, and bad or unconfirmed restores are refused."""

import os
import stat

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from geo_app.services.backup import connection_params
from geo_app.services.cases import create_case
from tests.factories import case_in

pytestmark = pytest.mark.committed_db  # pg_dump, pg_restore and the CLI use connections of their own

TABLES = ("civic_case", "case_event", "case_counter")


def fingerprint(app):
    """Return row count and an md5 over every row (geometry included) of the case tables."""
    with app.app_context():
        result = {}
        for table in TABLES:
            order = "year" if table == "case_counter" else "id"
            result[table] = tuple(db.session.execute(text(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{order}), '')) FROM {table} t"
            )).one())
        db.session.remove()
        db.engine.dispose()
    return result


def change_data(app):
    """Take in a new case and edit an old one, as a day's work would."""
    with app.app_context():
        case, created = create_case(db.session, case_in(title="备份之后的新民情"), idempotency_key="after-backup")
        assert created
        db.session.execute(text("UPDATE civic_case SET title = title || '（已修改）' "
                                "WHERE id = (SELECT min(id) FROM civic_case)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return case["code"], case["tracking_code"]


@pytest.fixture
def archive(app, cli_runner, tmp_path):
    out = tmp_path / "minqing.dump"
    result = cli_runner(app, ["backup", str(out)])
    assert result.exit_code == 0, result.output
    assert "backed up to" in result.output
    return out


def test_backup_change_restore_brings_the_data_back_exactly(app, cli_runner, archive):
    before = fingerprint(app)
    assert before["civic_case"][0] > 0 and before["case_event"][0] > 0
    assert archive.read_bytes()[:5] == b"PGDMP"
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600  # it holds residents' personal data

    new_code, new_tracking_code = change_data(app)
    assert fingerprint(app) != before

    result = cli_runner(app, ["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert "restored database" in result.output and "db upgrade" not in result.output
    assert fingerprint(app) == before
    response = app.test_client().get(f"/api/v1/track/{new_tracking_code}")
    assert response.status_code == 404

    # The app works on the restored database: the next case takes the code the discarded one had.
    with app.app_context():
        case, created = create_case(db.session, case_in(), idempotency_key="after-restore")
        db.session.commit()
        assert created and case["code"] == new_code
        db.session.remove()
        db.engine.dispose()


def test_restore_without_yes_is_refused_and_changes_nothing(app, cli_runner, archive):
    change_data(app)
    changed = fingerprint(app)
    result = cli_runner(app, ["restore", str(archive)])
    assert result.exit_code == 1
    assert "replaces ALL data" in result.output and "--yes" in result.output
    assert fingerprint(app) == changed


@pytest.mark.parametrize("content, hint", [
    (b"-- PostgreSQL database dump\nSELECT 1;\n", "plain SQL dump"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a pg_dump archive"),
    (b"", "empty"),
])
def test_restore_refuses_a_file_that_is_not_an_archive(app, cli_runner, tmp_path, content, hint):
    before = fingerprint(app)
    bogus = tmp_path / "not-a-backup.dump"
    bogus.write_bytes(content)
    result = cli_runner(app, ["restore", str(bogus), "--yes"])
    assert result.exit_code == 1
    assert "not a pg_dump archive" in result.output and hint in result.output
    assert "Traceback" not in result.output
    assert fingerprint(app) == before


def test_restore_refuses_a_truncated_archive(app, cli_runner, archive, tmp_path):
    before = fingerprint(app)
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(archive.read_bytes()[:300])
    result = cli_runner(app, ["restore", str(truncated), "--yes"])
    assert result.exit_code == 1
    assert "cannot be read as a pg_dump archive" in result.output
    assert fingerprint(app) == before


def test_backup_does_not_overwrite_without_force(app, cli_runner, archive):
    first = archive.read_bytes()
    result = cli_runner(app, ["backup", str(archive)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert archive.read_bytes() == first
    result = cli_runner(app, ["backup", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    assert not archive.with_name(archive.name + ".partial").exists()


def test_connection_params_read_the_socket_directory_and_password():
    params = connection_params("postgresql+psycopg2://minqing:p%40ss%3Aword@/minqing?host=/tmp/minqing-pg-abc")
    assert params == {"host": "/tmp/minqing-pg-abc", "user": "minqing", "password": "p@ss:word", "dbname": "minqing"}
    params = connection_params("postgresql://app@db.example:6543/city?sslmode=require&unknown=1")
    assert params == {"host": "db.example", "port": "6543", "user": "app", "dbname": "city", "sslmode": "require"}
