"""Back up and restore the database with pg_dump / pg_restore in PostgreSQL's custom archive format.

Framework-free: give it a SQLAlchemy URL (``…?host=/socket/dir`` included). The client binaries are
chosen to match the server's major version, because pg_dump refuses a newer server and pg_restore
refuses an archive written by a newer pg_dump.
"""

import logging
import os
import re
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from ..embedded_pg import candidate_bindirs
from ..errors import AppError

logger = logging.getLogger(__name__)

ARCHIVE_MAGIC = b"PGDMP"
# libpq connection keywords we pass on from the URL's query string, and their environment variables.
LIBPQ_ENV = {
    "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
    "dbname": "PGDATABASE", "passfile": "PGPASSFILE", "service": "PGSERVICE", "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslrootcert": "PGSSLROOTCERT", "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "gssencmode": "PGGSSENCMODE",
    "client_encoding": "PGCLIENTENCODING",
}
SUBPROCESS_TIMEOUT_S = 6 * 3600


class BackupError(AppError):
    """pg_dump or pg_restore failed, or could not be found; the message says why."""

    status = 500
    code = "backup_failed"


class NotAnArchive(AppError):
    """The file given to restore is not a pg_dump custom-format archive."""

    status = 422
    code = "not_an_archive"


def connection_params(url):
    """Return the libpq keywords (host, port, user, password, dbname, …) a SQLAlchemy URL stands for."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BackupError(f"backups need a PostgreSQL database, not {parsed.drivername!r}")
    params = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "password": parsed.password,
              "dbname": parsed.database}
    for key, value in parsed.query.items():
        if key not in LIBPQ_ENV:
            logger.warning("ignoring connection parameter %r of the database URL for pg_dump/pg_restore", key)
            continue
        # A repeated key (?host=a&host=b) is libpq's multi-host form: a comma-separated list.
        params[key] = ",".join(value) if isinstance(value, tuple) else value
    if not params.get("dbname"):
        raise BackupError("the database URL names no database")
    return {k: str(v) for k, v in params.items() if v not in (None, "")}


def client_env(params):
    """Return an environment for pg_dump/pg_restore that connects as params say (no password on argv)."""
    env = os.environ.copy()
    env.update({LIBPQ_ENV[k]: v for k, v in params.items()})
    return env


def server_major(params):
    """Return the server's major version, e.g. 15."""
    import psycopg2

    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        raise BackupError(f"cannot connect to database {params['dbname']!r}: {str(exc).strip()}") from exc
    try:
        return conn.server_version // 10000
    finally:
        conn.close()


def _tool_major(exe):
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\)\s+(\d+)", out.stdout)
    return int(match.group(1)) if out.returncode == 0 and match else None


def _clients(name):
    """Return {major version: path} of every installed copy of a client program."""
    found = {}
    for bindir in candidate_bindirs((name,)):
        exe = os.path.join(bindir, name)
        if os.access(exe, os.X_OK):
            version = _tool_major(exe)
            if version is not None:
                found.setdefault(version, exe)
    return found


def find_client(name, major):
    """Return the path of pg_dump or pg_restore for a server of this major version.

    The same major version is preferred; otherwise the oldest newer one, which still understands the server.
    """
    found = _clients(name)
    usable = sorted(v for v in found if v >= major)
    if not usable:
        have = ", ".join(f"{name} {v}" for v in sorted(found)) or f"no {name} at all"
        raise BackupError(
            f"the database server is PostgreSQL {major} but there is {have}; install the matching client, e.g. "
            f"sudo apt-get install -y postgresql-client-{major}"
        )
    return found[usable[0]]


def _conninfo_dbname(dbname):
    """Return a libpq conninfo naming only the database, so a name with '=' is never taken as a conninfo."""
    return "dbname='" + dbname.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(args, env):
    logger.info("running %s", " ".join(map(str, args)))
    try:
        return subprocess.run([str(a) for a in args], env=env, capture_output=True, text=True, check=False,
                              timeout=SUBPROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{Path(args[0]).name} did not finish within {SUBPROCESS_TIMEOUT_S} s") from exc


def _tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


def backup_database(url, out_path, *, overwrite=False):
    """Write the whole database to out_path as a custom-format archive; return what was written.

    The archive is written next to out_path under a temporary name, checked with pg_restore --list and only
    then renamed, so out_path is either a complete archive or untouched. It holds personal data: mode 0600.
    """
    out = Path(out_path)
    if out.exists() and not overwrite:
        raise BackupError(f"{out} exists already; choose another name or allow overwriting it")
    if not out.parent.is_dir():
        raise BackupError(f"folder {out.parent} does not exist")
    params = connection_params(url)
    major = server_major(params)
    pg_dump = find_client("pg_dump", major)
    pg_restore = find_client("pg_restore", major)
    env = client_env(params)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        result = _run([pg_dump, "--format=custom", "--no-password", f"--file={partial}",
                       f"--dbname={_conninfo_dbname(params['dbname'])}"], env)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed:\n{_tail(result.stderr)}")
        try:
            info = archive_info(partial, env=env, pg_restore=pg_restore)
        except NotAnArchive as exc:
            raise BackupError(f"pg_dump wrote an archive pg_restore cannot read: {exc.message}") from exc
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    info.update({"path": str(out), "bytes": out.stat().st_size, "server_major": major, "pg_dump": pg_dump})
    logger.info("backed up database %s to %s (%d bytes)", params["dbname"], out, info["bytes"])
    return info


def check_archive(path):
    """Refuse anything that is not a pg_dump custom-format archive, with a message saying what it is."""
    path = Path(path)
    if not path.is_file():
        raise NotAnArchive(f"{path} is not a file")
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(ARCHIVE_MAGIC):
        return
    hint = ""
    if b"PostgreSQL database dump" in head or head.lstrip().startswith(b"--"):
        hint = " It looks like a plain SQL dump; restore that with psql instead."
    elif not head:
        hint = " It is empty."
    raise NotAnArchive(f"{path} is not a pg_dump archive (custom format, as written by `minqing backup`); "
                       f"nothing was restored.{hint}")


def archive_info(path, *, env=None, pg_restore=None):
    """Return the header of an archive (created_at, dbname, dumped_by, entries); refuse an unreadable one."""
    check_archive(path)
    if pg_restore is None:
        found = _clients("pg_restore")
        if not found:
            raise BackupError("pg_restore is not installed; install the PostgreSQL client (postgresql-client)")
        pg_restore = found[max(found)]  # the newest reads every older archive
    result = _run([pg_restore, "--list", path], env or os.environ.copy())
    if result.returncode != 0:
        raise NotAnArchive(f"{path} cannot be read as a pg_dump archive ({_tail(result.stderr, 3)}); "
                           "nothing was restored.")
    header = {}
    for line in result.stdout.splitlines():
        match = re.match(r";\s+(Archive created at|dbname:|TOC Entries:|Dumped by pg_dump version:|"
                         r"Dumped from database version:)\s*(.*)", line)
        if match:
            header[match.group(1).rstrip(":")] = match.group(2).strip()
    entries = sum(1 for line in result.stdout.splitlines() if line and not line.startswith(";"))
    return {"created_at": header.get("Archive created at"), "dbname": header.get("dbname"),
            "dumped_by": header.get("Dumped by pg_dump version"),
            "server_version": header.get("Dumped from database version"), "entries": entries}


EXTENSION_TABLES_SQL = """
    SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
    WHERE d.deptype = 'e' AND c.relkind = 'r'
"""


def _extension_tables(params):
    import psycopg2

    conn = psycopg2.connect(**params)
    try:
        with conn.cursor() as cur:
            cur.execute(EXTENSION_TABLES_SQL)
            return {row[0] for row in cur.fetchall()}
    finally:
        conn.close()


def _restorable_list(in_path, env, pg_restore, out, params):
    """Write the archive's table of contents to out without the extensions and their tables' data.

    They belong to the superuser who installed PostGIS, not to the owner who restores.
    """
    result = _run([pg_restore, "--list", in_path], env)
    if result.returncode != 0:
        raise NotAnArchive(f"{in_path} cannot be read as a pg_dump archive ({_tail(result.stderr, 3)}); "
                           "nothing was restored.")
    theirs = _extension_tables(params)
    kept = []
    for line in result.stdout.splitlines():
        if re.search(r"\s(EXTENSION|COMMENT - EXTENSION)\s", line):
            continue
        data = re.search(r"\sTABLE DATA \S+ (\S+) ", line)
        if data and data.group(1) in theirs:
            continue
        kept.append(line)
    Path(out).write_text("\n".join(kept) + "\n")


def restore_database(url, in_path, *, grant_to=None):
    """Replace the database's contents with an archive's, all or nothing; return the archive's header.

    Connect as the schema owner. pg_restore runs with --clean --if-exists (drop what the archive holds, then
    recreate it), --no-owner (the owner owns what it creates), --no-privileges (the archive's grants may name
    roles of another server) and --single-transaction (a failure leaves the database as it was). PostGIS is
    left alone: it belongs to the superuser who installed it. Then the app role (grant_to) gets its grants.
    """
    import tempfile

    check_archive(in_path)
    params = connection_params(url)
    major = server_major(params)
    pg_restore = find_client("pg_restore", major)
    env = client_env(params)
    info = archive_info(in_path, env=env, pg_restore=pg_restore)
    with tempfile.TemporaryDirectory(prefix="minqing-restore-") as tmp:
        listing = Path(tmp) / "toc.list"
        _restorable_list(in_path, env, pg_restore, listing, params)
        result = _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                       "--exit-on-error", "--no-password", f"--use-list={listing}",
                       f"--dbname={_conninfo_dbname(params['dbname'])}", in_path], env)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed; the database was left as it was:\n{_tail(result.stderr)}")
    logger.info("restored database %s from %s", params["dbname"], in_path)
    if grant_to:
        from ..db_roles import apply_grants

        apply_grants(url, grant_to)
    info.update({"path": str(in_path), "database": params["dbname"]})
    return info
