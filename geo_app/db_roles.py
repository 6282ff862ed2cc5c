"""Database roles and grants: an owner role runs migrations and owns the schema; the app role owns nothing.

Framework-free. ``TABLE_GRANTS`` is the one place that says what the app may do to each table; it is
applied after every ``db upgrade`` and ``restore``. A table without an entry stops the grants with an
error naming it, so a migration that adds a table must add its line here too.
"""

import logging

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from .errors import AppError

logger = logging.getLogger(__name__)

OWNER_ROLE = "minqing_owner"
APP_ROLE = "minqing_app"

READ = ("SELECT",)
APPEND = ("SELECT", "INSERT")  # history: never UPDATE, DELETE or TRUNCATE
WRITE = ("SELECT", "INSERT", "UPDATE")  # the app deletes nothing it keeps; history is kept with since/until
TRANSIENT = ("SELECT", "INSERT", "UPDATE", "DELETE")  # rows that expire: sessions, limiter windows

TABLE_GRANTS = {
    "alembic_version": READ,
    "community": WRITE,
    "unit": WRITE,
    "person": WRITE,
    "responsibility": WRITE,
    "site": WRITE,
    "site_activity": WRITE,
    "civic_case": WRITE,
    "case_counter": WRITE,
    "case_event": APPEND,
    "points_account": WRITE,
    "points_entry": APPEND,
    "app_user": WRITE,
    "admin_log": APPEND,
    "user_session": TRANSIENT,  # a login; logout, disabling and a new password delete rows
    "rate_limit_counter": TRANSIENT,  # UNLOGGED counters of the shared limiter; expired windows deleted
    "heat_level": READ,
    "feedback_token": WRITE,  # a 回访 link's hash; used_at is set once (migration 0010)
    "resident_feedback": APPEND,  # the reporters' own answers
    "phone_reveal": APPEND,  # each reveal of a reporter's phone to an assignee
    # Kept by the SECURITY DEFINER triggers of migration 0004/0005 only: the app cannot forge a rollup.
    "case_heat_month": READ,
    "case_heat_month_total": READ,
    "case_kpi_month": READ,  # likewise kept by the triggers of migration 0013
    "case_kpi_month_total": READ,
    "case_kpi_assignee": READ,
    "case_kpi_person": READ,
    "case_change": READ,  # per-community case versions, kept by migration 0014's SECURITY DEFINER triggers
    "case_photo": WRITE,  # a cadre publishes or hides a photo
    "photo_blob": APPEND,  # photo bytes (PHOTO_STORE=db): content-addressed, never changed
    # The notification outbox and inbox (migration 0009): its rows are the history, never deleted.
    "notification": WRITE,
    # procrastinate's queue (migration 0009): the worker deletes finished jobs and dead workers' rows.
    "procrastinate_jobs": TRANSIENT,
    "procrastinate_workers": TRANSIENT,
    "procrastinate_periodic_defers": TRANSIENT,
    "procrastinate_events": APPEND,  # deleted with their jobs by cascade, as the owner
}
ALLOWED_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE"}
# Role attributes neither role may hold.
NO_POWERS = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

# Relations of ours: in schema public and not created by an extension (PostGIS's spatial_ref_sys, views).
_OURS = """
    n.nspname = 'public' AND NOT EXISTS (
        SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
"""
TABLES_SQL = f"""
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_OURS} ORDER BY 1
"""
SEQUENCES_SQL = f"""
    SELECT c.relname, t.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
         AND d.refclassid = 'pg_class'::regclass
    LEFT JOIN pg_class t ON t.oid = d.refobjid
    WHERE c.relkind = 'S' AND {_OURS} ORDER BY 1
"""
DEFINER_FUNCTIONS_SQL = """
    SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.prosecdef AND NOT EXISTS (
        SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    ORDER BY 1
"""


class GrantError(AppError):
    """The roles or grants cannot be set up as declared; the message names the table or role."""

    status = 500
    code = "grant_failed"


def quote_ident(name):
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value):
    """Quote an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def role_of(url):
    """Return the user name a database URL connects as (None when it names none)."""
    return make_url(url).username


def check_table_grants():
    """Refuse a TABLE_GRANTS entry that holds a privilege the app must never have."""
    for table, privileges in TABLE_GRANTS.items():
        bad = set(privileges) - ALLOWED_PRIVILEGES
        if bad:
            raise GrantError(
                f"TABLE_GRANTS[{table!r}] holds {sorted(bad)}: only {sorted(ALLOWED_PRIVILEGES)} may be granted"
            )


def role_statements(owner, app):
    """Return the SQL a superuser (or a role with CREATEROLE) runs once: the two roles, powerless but for LOGIN.

    The roles are created without a password (set one with ALTER ROLE … PASSWORD when they log in over TCP).
    """
    if owner == app:
        raise GrantError(f"the owner and the app must be different roles, both are {owner!r}")
    statements = []
    for role in (owner, app):
        statements.append(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            + quote_literal(role)
            + ") THEN "
            f"CREATE ROLE {quote_ident(role)} LOGIN; END IF; END $$"
        )
        statements.append(f"ALTER ROLE {quote_ident(role)} LOGIN {NO_POWERS}")
    return statements


def database_statements(dbname, owner, app):
    """Return the SQL a superuser runs inside the database: its owner, PostGIS, CREATE on public for the owner alone."""
    return [
        f"ALTER DATABASE {quote_ident(dbname)} OWNER TO {quote_ident(owner)}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {quote_ident(dbname)} TO {quote_ident(app)}",
        "CREATE EXTENSION IF NOT EXISTS postgis",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {quote_ident(owner)}",
    ]


def adopt_statements(owner):
    """Return the SQL a superuser runs inside the database to give the owner everything of ours another role owns.

    For databases made by older versions, where the superuser that ran the migrations owns the tables.
    (REASSIGN OWNED refuses the bootstrap superuser, hence one ALTER … OWNER per object.)
    """
    target = quote_literal(owner)
    return [
        f"""
DO $$
DECLARE
    r record;
    kinds CONSTANT jsonb := '{{"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW",
                                "S": "SEQUENCE", "f": "FOREIGN TABLE"}}';
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS obj, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {_OURS}
          AND pg_get_userbyid(c.relowner) <> {target}
          -- an owned sequence follows its table
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                   AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                   AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', kinds ->> r.relkind::text, r.obj, {target});
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS obj, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> {target}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                       r.obj, {target});
    END LOOP;
    FOR r IN
        SELECT t.oid::regtype AS obj FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> {target}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                          AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO %I', r.obj, {target});
    END LOOP;
END $$"""
    ]


def grant_statements(conn, app):
    """Return the GRANT/REVOKE statements that give the app exactly TABLE_GRANTS on the tables that exist.

    ``conn`` is a SQLAlchemy connection to the database. Raises GrantError naming every table without an entry.
    """
    check_table_grants()
    tables = [row[0] for row in conn.execute(text(TABLES_SQL))]
    missing = [t for t in tables if t not in TABLE_GRANTS]
    if missing:
        raise GrantError(
            f"table(s) {', '.join(missing)} have no entry in TABLE_GRANTS (geo_app/db_roles.py): say what the "
            "app may do to them there"
        )
    role = quote_ident(app)
    statements = []
    for table in tables:
        statements.append(f"REVOKE ALL ON TABLE {quote_ident(table)} FROM PUBLIC, {role}")
        statements.append(f"GRANT {', '.join(TABLE_GRANTS[table])} ON TABLE {quote_ident(table)} TO {role}")
    for sequence, table in conn.execute(text(SEQUENCES_SQL)):
        statements.append(f"REVOKE ALL ON SEQUENCE {quote_ident(sequence)} FROM PUBLIC, {role}")
        if table in TABLE_GRANTS and "INSERT" in TABLE_GRANTS[table]:
            statements.append(f"GRANT USAGE ON SEQUENCE {quote_ident(sequence)} TO {role}")
    for function in conn.execute(text(DEFINER_FUNCTIONS_SQL)).scalars():
        # Trigger functions that run as the owner: nobody calls them directly.
        statements.append(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
    return statements


def _engine(url):
    return create_engine(url, poolclass=pool.NullPool)


def apply_grants(url, app):
    """Connect to url (as the owner) and apply TABLE_GRANTS for the app role, in one transaction."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            statements = grant_statements(conn, app)
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()
    logger.info("granted the app role %s its privileges (%d statements)", app, len(statements))
    return statements


def bootstrap(url, dbname, owner, app):
    """As a superuser: create the roles, hand the database and its objects to the owner, install PostGIS.

    ``url`` connects to the database ``dbname`` itself. Idempotent; safe on a database made by older versions.
    """
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            if not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
                raise GrantError(f"creating the roles needs a superuser; {role_of(url)!r} is not one")
            current = conn.execute(text("SELECT current_user")).scalar()
            if current in (owner, app):
                raise GrantError(f"the owner and app roles must not be the superuser {current!r}")
            for statement in (
                role_statements(owner, app)
                + database_statements(dbname, owner, app)
                + adopt_statements(owner)
            ):
                conn.execute(text(statement))
    finally:
        engine.dispose()
    logger.info("database %s: roles %s (owner) and %s (app) in place", dbname, owner, app)


def grant_script(dbname, owner, app, conn=None):
    """Return the SQL a DBA runs, as text: roles and database (as a superuser), then table grants (as the owner)."""
    lines = [f"-- 1. As a superuser, connected to database {dbname}:"]
    lines += [s + ";" for s in role_statements(owner, app) + database_statements(dbname, owner, app)]
    lines.append(
        f"-- 2. As {owner}: `minqing db upgrade` creates the schema and applies these grants itself."
    )
    if conn is None:
        lines.append("--    (the database was not reachable or has no tables yet: run `minqing db upgrade`)")
    else:
        statements = grant_statements(conn, app)
        lines += [s + ";" for s in statements] or ["--    (no tables yet: run `minqing db upgrade`)"]
    return "\n".join(lines) + "\n"


def migration_target(database_url, owner_url):
    """Return (the URL to migrate and restore with, the app role to grant to or None).

    Without a separate owner URL the app connects as the owner itself: nothing to grant (and no protection).
    """
    if not owner_url or role_of(owner_url) == role_of(database_url):
        logger.warning(
            "the app connects as the schema owner; set DATABASE_OWNER_URL and see `minqing db grant`"
        )
        return database_url, None
    return owner_url, role_of(database_url)


def grant_command(database_url, owner_url, *, apply=False, superuser_url=None):
    """Do what `minqing db grant` does: return the SQL (and, with apply, run it); return the text to print."""
    if not owner_url:
        raise GrantError("set DATABASE_OWNER_URL to the schema owner's URL (DATABASE_URL is the app's role)")
    owner, app, dbname = role_of(owner_url), role_of(database_url), make_url(database_url).database
    if not owner or not app:
        raise GrantError("DATABASE_URL and DATABASE_OWNER_URL must each name a user")
    if owner == app:
        raise GrantError(
            f"DATABASE_URL and DATABASE_OWNER_URL both connect as {owner!r}: give the app its own role"
        )
    done = []
    if apply and superuser_url:
        bootstrap(superuser_url, dbname, owner, app)
        done.append(f"-- applied: roles {owner} and {app}, database {dbname} owned by {owner}")
    engine = _engine(owner_url)
    try:
        with engine.begin() as conn:
            script = grant_script(dbname, owner, app, conn)
            if apply:
                statements = grant_statements(conn, app)
                for statement in statements:
                    conn.execute(text(statement))
                done.append(f"-- applied: {len(statements)} grant statements as {owner}")
    except OperationalError as exc:
        if apply:
            raise GrantError(f"cannot connect as {owner!r}: {str(exc.orig).strip()}") from exc
        script = grant_script(dbname, owner, app)
    finally:
        engine.dispose()
    return script + "".join(line + "\n" for line in done)
