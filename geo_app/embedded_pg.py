"""A private PostgreSQL + PostGIS cluster that listens on a Unix socket only.

Used by default when no DATABASE_URL is configured, and by the test suite for its throwaway
cluster. PostgreSQL refuses to run as root, so when we are root the server runs as an
unprivileged system user (``postgres`` by default, ``MINQING_PG_USER`` to change it).
"""

import glob
import hashlib
import logging
import os
import pwd
import re
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .db_roles import APP_ROLE, OWNER_ROLE, adopt_statements, database_statements, role_statements

logger = logging.getLogger(__name__)

DB_NAME = "minqing"
# The bootstrap superuser: it creates the roles, the databases and PostGIS, and nothing else.
DB_USER = "minqing"
# Unix socket paths are limited to ~107 bytes; keep the socket directory short.
SOCKET_ROOT = "/tmp"
PRIVILEGED_DATA_ROOT = "/var/lib/minqing"


class PostgresMissing(RuntimeError):
    """PostgreSQL or PostGIS is not installed; the message says how to install it."""


def install_hint(missing):
    """Return the exact install commands for what is missing."""
    return (
        f"{missing} is not installed.\n"
        "Install it with:\n"
        "  Debian/Ubuntu:   sudo apt-get install -y postgresql postgresql-postgis\n"
        "                   (or the versioned package, e.g. postgresql-15-postgis-3)\n"
        "  macOS Homebrew:  brew install postgresql@16 postgis\n"
        "or point DATABASE_URL at an existing PostGIS database."
    )


def candidate_bindirs(programs):
    """Return the folders that may hold PostgreSQL's programs, newest version first, without repeats.

    MINQING_PG_BINDIR first, then Debian's, RPM's and Homebrew's layouts, pg_config, and the PATH.
    """
    dirs = [os.environ["MINQING_PG_BINDIR"]] if os.environ.get("MINQING_PG_BINDIR") else []
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin",
                    "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin"):
        dirs += sorted(glob.glob(pattern), key=_version_key, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            dirs.append(out.stdout.strip())
    for name in programs:
        found = shutil.which(name)
        if found:
            dirs.append(os.path.dirname(os.path.realpath(found)))
    return list(dict.fromkeys(dirs))


SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")


def find_bindir():
    """Return the directory holding initdb/pg_ctl/postgres, newest version first."""
    forced = os.environ.get("MINQING_PG_BINDIR")
    if forced:
        for exe in SERVER_PROGRAMS:
            if not os.access(os.path.join(forced, exe), os.X_OK):
                raise PostgresMissing(install_hint(f"PostgreSQL ({exe} in MINQING_PG_BINDIR={forced})"))
        return forced
    for bindir in candidate_bindirs(SERVER_PROGRAMS):
        if all(os.access(os.path.join(bindir, exe), os.X_OK) for exe in SERVER_PROGRAMS):
            return bindir
    raise PostgresMissing(install_hint("PostgreSQL (initdb, pg_ctl, postgres)"))


def _world_traversable(path):
    """Tell whether every folder from / down to path lets other users pass through."""
    path = Path(path)
    for folder in [path, *path.parents]:
        if folder.exists() and not os.stat(folder).st_mode & 0o001:
            return False
    return True


def _version_key(path):
    """The major version in a bindir's parent folder name: 15 for …/postgresql/15/bin or …/postgresql@15/bin."""
    match = re.search(r"(\d+)$", Path(path).parent.name)
    return int(match.group(1)) if match else 0


def postgis_available(bindir):
    """Tell whether the PostGIS extension is installed for the server in bindir."""
    sharedirs = []
    pg_config = os.path.join(bindir, "pg_config")
    if os.access(pg_config, os.X_OK):
        out = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            sharedirs.append(out.stdout.strip())
    version = Path(bindir).parent.name
    sharedirs += [f"/usr/share/postgresql/{version}", str(Path(bindir).parent / "share"),
                  str(Path(bindir).parent / "share" / "postgresql")]
    return any(os.path.exists(os.path.join(d, "extension", "postgis.control")) for d in sharedirs)


@dataclass
class Cluster:
    """A PostgreSQL cluster living in ``data_dir`` with its socket in ``socket_dir``."""

    data_dir: Path
    socket_dir: Path
    fast: bool = False

    @classmethod
    def for_instance(cls, instance_path, fast=False):
        """Return the cluster that belongs to a Flask instance folder."""
        instance_path = Path(instance_path).resolve()
        digest = hashlib.sha1(str(instance_path).encode()).hexdigest()[:10]
        data_root = instance_path
        if os.geteuid() == 0 and not _world_traversable(instance_path.parent):
            # The unprivileged server user could not reach a folder such as /root/…: keep the data where it can.
            data_root = Path(PRIVILEGED_DATA_ROOT) / digest
        return cls(data_root / "pgdata", Path(SOCKET_ROOT) / f"minqing-pg-{digest}", fast=fast)

    @property
    def url(self):
        """Return the SQLAlchemy URL the app uses: the application database, as the app role."""
        return self.url_for(DB_NAME)

    @property
    def owner_url(self):
        """Return the SQLAlchemy URL that migrations, restores and grants use: as the owner role."""
        return self.url_for(DB_NAME, OWNER_ROLE)

    def url_for(self, dbname, role=APP_ROLE):
        """Return the SQLAlchemy URL for a database of this cluster, as a role (the app role by default)."""
        return f"postgresql+psycopg2://{role}@/{dbname}?host={self.socket_dir}"

    @property
    def log_file(self):
        return self.data_dir.parent / "postgresql.log"

    # -- privilege handling -------------------------------------------------

    def _server_user(self):
        """Return the unprivileged account to run the server as, or None to run as ourselves."""
        if os.geteuid() != 0:
            return None
        name = os.environ.get("MINQING_PG_USER", "postgres")
        try:
            pwd.getpwnam(name)
        except KeyError as exc:
            raise PostgresMissing(
                f"running as root, PostgreSQL must run as an unprivileged user, but user {name!r} does not exist.\n"
                "Install the postgresql package (it creates the 'postgres' user) or set MINQING_PG_USER."
            ) from exc
        return name

    def _run(self, args, check=True, **kwargs):
        user = self._server_user()
        if user:
            args = ["runuser", "-u", user, "--", *args]
        logger.debug("running %s", " ".join(map(str, args)))
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=check, **kwargs)

    def _prepare_dirs(self):
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._check_socket_dir()
        user = self._server_user()
        if user:
            entry = pwd.getpwnam(user)
            for path in (self.socket_dir,):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            if not self.data_dir.exists():
                self.data_dir.mkdir(mode=0o700)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
            self.log_file.touch(exist_ok=True)
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
            probe = self._run(["test", "-w", self.data_dir], check=False)
            if probe.returncode != 0:
                raise PostgresMissing(
                    f"user {user!r} cannot reach {self.data_dir}: a parent folder is not traversable. "
                    "Move the project to a world-traversable folder or set DATABASE_URL."
                )

    def _check_socket_dir(self):
        """Refuse a socket folder someone else made (or a link): the socket's folder is its only guard."""
        info = os.lstat(self.socket_dir)
        user = self._server_user()
        allowed = {os.geteuid()} | ({pwd.getpwnam(user).pw_uid} if user else set())
        if not stat.S_ISDIR(info.st_mode) or info.st_uid not in allowed:
            raise PostgresMissing(f"{self.socket_dir} exists but is not a folder owned by us; remove it and retry")
        os.chmod(self.socket_dir, 0o700)

    # -- lifecycle ----------------------------------------------------------

    @property
    def initialised(self):
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self):
        """Tell whether the server answers on its socket."""
        if not self.initialised:
            return False
        bindir = find_bindir()
        out = self._run([os.path.join(bindir, "pg_ctl"), "status", "-D", self.data_dir], check=False)
        return out.returncode == 0

    def init(self):
        """Create the cluster (once) with trust auth on the socket and no TCP listener."""
        bindir = find_bindir()
        if not postgis_available(bindir):
            raise PostgresMissing(install_hint("The PostGIS extension"))
        self._prepare_dirs()
        if self.initialised:
            return False
        # A fast (throwaway) cluster runs without fsync: initdb need not flush its files to disk either.
        out = self._run(
            [os.path.join(bindir, "initdb"), "-D", self.data_dir, "-U", DB_USER, "--auth=trust",
             "-E", "UTF8", "--no-locale", *(["--no-sync"] if self.fast else [])],
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{out.stdout}\n{out.stderr}")
        settings = [
            "listen_addresses = ''",
            f"unix_socket_directories = '{self.socket_dir}'",
            "max_connections = 200",
            "shared_buffers = 256MB",
            "timezone = 'Asia/Shanghai'",
        ]
        if self.fast:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        conf = "\n".join(settings) + "\n"
        tmp = self.data_dir.parent / "minqing.conf.tmp"
        tmp.write_text(conf)
        self._run(["sh", "-c", f"cat '{tmp}' >> '{self.data_dir}/postgresql.auto.conf'"])
        tmp.unlink()
        logger.info("initialised PostgreSQL cluster in %s", self.data_dir)
        return True

    def start(self):
        """Initialise if needed, start the server, and make sure the database and PostGIS exist."""
        self.init()
        if not self.is_running():
            bindir = find_bindir()
            self._prepare_dirs()
            out = self._run(
                [os.path.join(bindir, "pg_ctl"), "start", "-w", "-t", "60", "-D", self.data_dir,
                 "-l", self.log_file, "-o", f"-k {self.socket_dir} -c listen_addresses=''"],
                check=False,
            )
            if out.returncode != 0:
                log_tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
                raise RuntimeError(f"PostgreSQL did not start:\n{out.stdout}{out.stderr}\n{log_tail}")
            logger.info("PostgreSQL started, socket in %s", self.socket_dir)
        self.bootstrap_roles()
        self.create_database(DB_NAME)
        return self

    def bootstrap_roles(self):
        """Create the owner and app roles (once) without any power beyond logging in."""
        self.psql(";\n".join(role_statements(OWNER_ROLE, APP_ROLE)))

    def stop(self):
        """Stop the server if it runs."""
        if not self.is_running():
            return False
        bindir = find_bindir()
        self._run([os.path.join(bindir, "pg_ctl"), "stop", "-w", "-m", "fast", "-D", self.data_dir])
        return True

    def destroy(self):
        """Stop the server and delete its files."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    # -- databases ----------------------------------------------------------

    def psql(self, sql, dbname="postgres"):
        """Run SQL through psql on the socket and return its output."""
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg2.connect(dbname=dbname, user=DB_USER, host=str(self.socket_dir))
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def create_database(self, dbname, template=None):
        """Create a database owned by the owner role (with PostGIS) if it does not exist; return whether it did.

        An existing database is brought in line too: a cluster made by older versions, where the superuser
        owns everything, gets the roles and hands its tables to the owner.
        """
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'")
        if not exists:
            # a clone copies the template's files (one checkpoint) rather than writing every block through the WAL
            tmpl = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            self.psql(f'CREATE DATABASE "{dbname}" OWNER {OWNER_ROLE}{tmpl}')
            if template:
                return True
        statements = database_statements(dbname, OWNER_ROLE, APP_ROLE) + adopt_statements(OWNER_ROLE)
        self.psql(";\n".join(statements), dbname=dbname)
        return not exists

    def drop_database(self, dbname):
        """Drop a database, disconnecting its sessions first."""
        self.psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def describe(self):
        """Return a human summary of where the cluster is and whether it runs."""
        state = "running" if self.is_running() else ("stopped" if self.initialised else "not initialised")
        return (f"embedded PostgreSQL: {state}\n  data:   {self.data_dir}\n  socket: {self.socket_dir}\n"
                f"  log:    {self.log_file}\n  url:    {self.url}\n  owner:  {self.owner_url}")
