"""Least privilege: the app's database role can read and append, never rewrite history or reach the server."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from geo_app.db_roles import APP_ROLE, OWNER_ROLE, TABLE_GRANTS, GrantError, apply_grants
from tests.conftest import owner_connection

PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

REFUSED = [
    "ALTER TABLE case_event DISABLE TRIGGER ALL",
    "ALTER TABLE admin_log DISABLE TRIGGER admin_log_append_only",
    "SET session_replication_role = replica",
    "COPY (SELECT 1) TO PROGRAM 'true'",
    "SELECT pg_read_file('/etc/passwd')",
    "CREATE TEMP TABLE stolen (line text); COPY stolen FROM '/etc/passwd'",
    "COPY civic_case TO '/tmp/minqing-leak.csv'",
    "UPDATE case_event SET note = 'rewritten'",
    "DELETE FROM case_event",
    "TRUNCATE case_event",
    "UPDATE admin_log SET actor = 'someone else'",
    "DELETE FROM admin_log",
    "TRUNCATE admin_log",
    "INSERT INTO case_heat_month_total (level, month, gy, gx, community_id, n) VALUES (10, '2024-01-01', 0, 0, 1, 99)",
    "DELETE FROM civic_case",
    "CREATE TABLE mine (id int)",
    "CREATE ROLE intruder SUPERUSER",
    "SET ROLE minqing_owner",
    "CREATE EXTENSION dblink",
    "ALTER TABLE civic_case OWNER TO minqing_app",
]


def test_the_app_connects_as_the_app_role(session):
    assert session.execute(text("SELECT current_user")).scalar() == APP_ROLE


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_is_refused(session, statement):
    with pytest.raises(DBAPIError, match="permission denied|must be (owner|superuser|a member)|not allowed"):
        session.execute(text(statement))
    session.rollback()


def test_the_app_role_cannot_pass_its_grants_on(session):
    session.execute(text("GRANT SELECT ON app_user TO PUBLIC"))  # PostgreSQL only warns: nothing to grant
    acl = session.execute(text("SELECT relacl::text FROM pg_class WHERE relname = 'app_user'")).scalar()
    assert "{=" not in acl and ",=" not in acl, acl


def test_the_app_role_has_no_powers(session):
    row = session.execute(
        text(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, "
            "pg_has_role(current_user, 'pg_read_server_files', 'USAGE'), "
            "pg_has_role(current_user, 'pg_write_server_files', 'USAGE'), "
            "pg_has_role(current_user, 'pg_execute_server_program', 'USAGE'), "
            "pg_has_role(current_user, :owner, 'USAGE') FROM pg_roles WHERE rolname = current_user"
        ),
        {"owner": OWNER_ROLE},
    ).one()
    assert tuple(row) == (False,) * 9


def test_the_app_role_owns_nothing(session):
    owned = (
        session.execute(
            text("""
        SELECT 'relation ' || relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :r)
        UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = :r)
        UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
                  WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = :r)
        UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = :r)
        UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typowner = (SELECT oid FROM pg_roles WHERE rolname = :r)
    """),
            {"r": APP_ROLE},
        )
        .scalars()
        .all()
    )
    assert owned == []
    assert (
        session.execute(
            text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        ).scalar()
        == OWNER_ROLE
    )


def test_the_app_role_holds_exactly_the_declared_grants(session):
    tables = (
        session.execute(
            text(
                "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
            )
        )
        .scalars()
        .all()
    )
    assert sorted(tables) == sorted(TABLE_GRANTS), (
        "every table needs an entry in geo_app/db_roles.TABLE_GRANTS"
    )
    for table in tables:
        held = {
            p
            for p in PRIVILEGES
            if session.execute(
                text("SELECT has_table_privilege(current_user, :t, :p)"), {"t": table, "p": p}
            ).scalar()
        }
        assert held == set(TABLE_GRANTS[table]), table
    for table in ("case_event", "admin_log"):
        assert TABLE_GRANTS[table] == ("SELECT", "INSERT")


def test_sequences_only_where_the_app_inserts(session):
    rows = session.execute(
        text(
            "SELECT c.relname, has_sequence_privilege(current_user, c.oid, 'USAGE'), "
            "has_sequence_privilege(current_user, c.oid, 'UPDATE') FROM pg_class c "
            "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
        )
    ).all()
    assert rows
    for name, usage, update in rows:
        assert not update, f"{name}: setval would let the app rewind ids"
        table = name.removesuffix("_id_seq")  # any other sequence (case_change_seq) is the owner's triggers' only
        assert usage == (table in TABLE_GRANTS and "INSERT" in TABLE_GRANTS[table]), name


def test_rollup_triggers_run_as_the_owner_and_nobody_else_may_call_them(session):
    rows = session.execute(
        text(
            "SELECT p.proname, pg_get_userbyid(p.proowner), r.rolsuper, p.proconfig, "
            "has_function_privilege(:app, p.oid, 'EXECUTE') FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
            "WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1"
        ),
        {"app": APP_ROLE},
    ).all()
    assert [row[0] for row in rows] == ["case_change_bump", "case_heat_maintain", "case_heat_reset", "case_kpi_maintain",
                                       "case_kpi_reset"]
    for name, owner, superuser, config, executable in rows:
        assert (owner, superuser, executable) == (OWNER_ROLE, False, False), name
        assert config == ["search_path=public, pg_temp"], name


def test_a_case_taken_in_by_the_app_role_updates_the_rollup(session):
    from geo_app.services.cases import create_case
    from tests.factories import case_in

    total = "SELECT coalesce(sum(n), 0) FROM case_heat_month_total WHERE level = 10"
    before = session.execute(text(total)).scalar()
    create_case(session, case_in())
    session.flush()
    assert session.execute(text(total)).scalar() == before + 1


@pytest.mark.committed_db  # the owner adds a table on a connection of its own
def test_a_table_without_an_entry_stops_the_grants(app):
    conn = owner_connection(app)
    try:
        with conn.begin():
            conn.execute(text("CREATE TABLE forgotten (id serial PRIMARY KEY)"))
    finally:
        conn.close()
    with pytest.raises(GrantError, match="forgotten.*TABLE_GRANTS"):
        apply_grants(app.config["DATABASE_OWNER_URL"], APP_ROLE)


def test_db_grant_prints_the_sql_and_applies_the_grants(app, cli_runner):
    printed = cli_runner(app, ["db", "grant"])
    assert printed.exit_code == 0, printed.output
    assert f'CREATE ROLE "{APP_ROLE}" LOGIN' in printed.output
    assert f'ALTER ROLE "{APP_ROLE}" LOGIN NOSUPERUSER' in printed.output
    assert f'GRANT SELECT, INSERT ON TABLE "case_event" TO "{APP_ROLE}";' in printed.output
    assert 'UPDATE ON TABLE "case_event"' not in printed.output

    conn = owner_connection(app)
    try:
        with conn.begin():  # drift: someone granted too much by hand
            conn.execute(text(f"GRANT UPDATE, DELETE ON case_event TO {APP_ROLE}"))
    finally:
        conn.close()
    applied = cli_runner(app, ["db", "grant", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "applied:" in applied.output
    with app.app_context():
        from geo_app.extensions import db

        assert (
            db.session.execute(text("SELECT has_table_privilege('case_event', 'UPDATE')")).scalar() is False
        )
        db.session.remove()
        db.engine.dispose()


def test_db_grant_refuses_one_role_for_both(app):
    from click.testing import CliRunner

    from geo_app.cli import cli

    env = {"DATABASE_URL": app.config["DATABASE_URL"], "DATABASE_OWNER_URL": app.config["DATABASE_URL"]}
    result = CliRunner().invoke(cli, ["db", "grant"], env=env)
    assert result.exit_code == 1
    assert "give the app its own role" in result.output and "Traceback" not in result.output


def test_the_docker_init_script_creates_the_same_powerless_roles():
    from pathlib import Path

    from geo_app.db_roles import NO_POWERS

    script = (Path(__file__).resolve().parents[1] / "tools" / "docker" / "initdb-roles.sh").read_text()
    for role in (OWNER_ROLE, APP_ROLE):
        assert f'ALTER ROLE "{role}" LOGIN {NO_POWERS};' in script
    compose = (Path(__file__).resolve().parents[1] / "docker-compose.yml").read_text()
    assert "20_minqing_roles.sh" in compose and f"DATABASE_URL: postgresql+psycopg2://{APP_ROLE}:" in compose
