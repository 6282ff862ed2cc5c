"""Fixtures: one throwaway PostGIS cluster per run, shared by the xdist workers, and a database per test.

The demo and empty templates are built once per run (under a file lock, whichever worker comes first) or
restored from a cache kept across runs (tests/dbcache.py). The app always connects as the app role
(minqing_app); migrations run as the owner (minqing_owner).

How a test gets its database:
- by default, ``app``/``make_app``/``empty_app`` (and ``client``, ``session`` …) share one connection to this
  worker's copy of the template, inside a transaction that is rolled back when the test ends; every
  ``commit()`` of the app only releases a savepoint. Cheap, and what any single-connection test needs.
- a test marked ``@pytest.mark.committed_db`` (or a module with ``pytestmark``), and any test that uses
  ``cli_runner``, gets a fresh clone of the template instead, where commits are real and other connections
  (threads, CLI runs, pg_dump, servers) see them.
"""

import contextlib
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from geo_app import create_app
from geo_app.db_roles import OWNER_ROLE
from geo_app.embedded_pg import Cluster
from geo_app.extensions import db
from geo_app.services import passwords
from tests import dbcache

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"
RUN_DIR_ENV = "MINQING_TEST_RUN_DIR"
_counter = itertools.count()

# A session bound to a connection that is inside a transaction works in a savepoint of it.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


def _compile_each_url_builder_once():
    """Make create_app cheap in the tests: nearly every test builds an app, and 80 % of the 60 ms it takes is werkzeug
    compiling a URL builder for each of the ~70 rules (an ast generated and compiled every time). A builder is a pure
    function of the rule's parsed parts and defaults (the rule itself comes in as an argument when it is called), so
    one compiled builder per distinct rule serves every app of the run."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders = {}

    def compiled_once(self, append_unknown=True):
        key = (tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = compiled_once


_compile_each_url_builder_once()

# The tests make hundreds of accounts: they hash with scrypt at a lower work factor (2^10, ~3 ms, not 2^15, ~0.1 s).
# Each stored hash names its parameters, so logging in checks it the same way; the servers the tests start as
# subprocesses keep the default for the accounts they make.
passwords.HASH_METHOD = "scrypt:1024:8:1"


def pytest_configure(config):
    """Choose the run's folder (cluster, locks) once, in the controlling process, before workers start."""
    config.addinivalue_line(
        "markers", "committed_db: the test gets a fresh database clone where commits are real"
    )
    if hasattr(config, "workerinput") or os.environ.get(RUN_DIR_ENV):
        return
    run_dir = tempfile.mkdtemp(prefix="minqing-test-")
    os.chmod(run_dir, 0o755)  # the server may run as the unprivileged 'postgres' user
    os.environ[RUN_DIR_ENV] = run_dir
    config.minqing_run_dir = run_dir


# Tests that share a costly module or session fixture that must not be built twice at once (the generated
# city's fixed database name, a cluster of its own) or need not be built twice (a standby, the wheel, an S3
# server, the gunicorn GDAL reads from, the gunicorn and nginx of test_proxy's two tests behind nginx, the cluster
# test_embedded_pg's two tests of a running server look at) go to one xdist worker together; a browser test
# module goes to one worker as a whole (each worker has its own live server); every other test is scheduled alone.
XDIST_GROUPS = ("tests/bench/", "tests/test_db_restart.py", "tests/test_replicas.py", "tests/packaging/",
                "tests/test_embedded_pg.py",
                "tests/services/test_photo_store.py", "tests/ogc/test_gdal.py",
                "tests/test_proxy.py::test_behind_nginx_")
XDIST_BY_MODULE = ("tests/browser/",)


def _needs_demo(item):
    return "demo_template" in getattr(item, "fixturenames", ())


def _xdist_scope(nodeid):
    """The unit xdist schedules a test in: its XDIST_GROUPS group, its module under XDIST_BY_MODULE, or itself."""
    if nodeid.startswith(XDIST_BY_MODULE):
        return nodeid.split("::", 1)[0]
    return next((group for group in XDIST_GROUPS if nodeid.startswith(group)), nodeid)


def pytest_collection_modifyitems(items):
    """Order the run for xdist: the tests that need no demo template first (a group only if none of its tests
    does: a group goes to a worker whole), so that the other workers have work while the first worker builds it
    (pytest_runtestloop); then the long tests (slow, then browser), so that the short ones fill in around them.
    """
    scopes_needing_demo = {_xdist_scope(item.nodeid) for item in items if _needs_demo(item)}
    items.sort(key=lambda item: (
        _xdist_scope(item.nodeid) in scopes_needing_demo,
        0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("browser") else 2))


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    """Under xdist, the first worker builds the demo template before its first test, if any test needs it."""
    if _worker() == "gw0" and any(_needs_demo(item) for item in session.items):
        _demo_template(_started_cluster())
    return (yield)


def pytest_xdist_make_scheduler(config, log):
    """Schedule by XDIST_GROUPS under `-n` (xdist's own xdist_group marks do not work with pytest 9), in the order
    pytest_collection_modifyitems gives (not xdist's, biggest group first)."""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class GroupedScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _xdist_scope(nodeid)

    return GroupedScheduling(config, log)


def pytest_unconfigure(config):
    """Stop the run's cluster and remove its folder (only the process that made the folder does)."""
    run_dir = getattr(config, "minqing_run_dir", None)
    if not run_dir:
        return
    cluster = _run_cluster(Path(run_dir))
    if cluster.initialised:
        cluster.destroy()
    shutil.rmtree(run_dir, ignore_errors=True)
    os.environ.pop(RUN_DIR_ENV, None)


def _run_dir():
    return Path(os.environ[RUN_DIR_ENV])


def _run_cluster(run_dir):
    return Cluster(run_dir / "data", run_dir / "sock", fast=True)


def _once(name, build):
    """Run build() once per test run, whichever worker asks first; the others wait for it."""
    run_dir = _run_dir()
    with FileLock(run_dir / f"{name}.lock"):
        done = run_dir / f"{name}.done"
        if not done.exists():
            build()
            done.touch()


def _started_cluster():
    cluster = _run_cluster(_run_dir())
    _once("cluster", cluster.start)
    return cluster


@pytest.fixture(scope="session")
def pg_cluster():
    """The run's private PostgreSQL + PostGIS cluster (removed when the run ends)."""
    return _started_cluster()


def _template(cluster, name, load_demo):
    _once(name, lambda: dbcache.build_or_restore(cluster, name, load_demo))
    return name


def _demo_template(cluster):
    return _template(cluster, "tmpl_demo", load_demo=True)


@pytest.fixture(scope="session")
def demo_template(pg_cluster):
    """A migrated database holding the demo community: never used directly, only cloned."""
    return _demo_template(pg_cluster)


@pytest.fixture(scope="session")
def empty_template(pg_cluster):
    """A migrated, empty database."""
    return _template(pg_cluster, "tmpl_empty", load_demo=False)


def _worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _worker_copy(cluster, template):
    """This worker's own clone of a template, for the rolled-back tests."""
    name = f"w_{_worker()}_{template}"
    cluster.drop_database(name)
    cluster.create_database(name, template=template)
    return name


@pytest.fixture(scope="session")
def demo_worker_db(pg_cluster, demo_template):
    return _worker_copy(pg_cluster, demo_template)


@pytest.fixture(scope="session")
def empty_worker_db(pg_cluster, empty_template):
    return _worker_copy(pg_cluster, empty_template)


@contextlib.contextmanager
def demo_clone(cluster, template, label):
    """A database of a test's or a module's own, cloned from a template and dropped afterwards; yields its name."""
    name = f"{label}_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name, template=template)
    try:
        yield name
    finally:
        cluster.drop_database(name)


def _config(cluster, name, overrides):
    return {
        "DATABASE_URL": cluster.url_for(name),
        "DATABASE_OWNER_URL": cluster.url_for(name, OWNER_ROLE),
        "TESTING": True,
        "SECRET_KEY": "test",
        **overrides,
    }


def wants_committed_db(request):
    """Tell whether a test needs real commits: marked committed_db, or it runs CLI commands."""
    return request.node.get_closest_marker("committed_db") is not None or "cli_runner" in request.fixturenames


class _Databases:
    """Make apps for one test on one template and tear them down: clones, or a rolled-back shared connection."""

    def __init__(self, cluster, template, worker_db, committed):
        self.cluster, self.template, self.worker_db, self.committed = cluster, template, worker_db, committed
        self.apps = []
        self.connection = self.outer = None

    def make(self, **overrides):
        if self.committed:
            name = f"t_{os.getpid()}_{next(_counter)}"
            self.cluster.create_database(name, template=self.template)
            app = create_app(_config(self.cluster, name, overrides))
            app.config["TEST_DATABASE_NAME"] = name
        else:
            app = create_app(_config(self.cluster, self.worker_db, overrides))
            app.config["TEST_DATABASE_NAME"] = self.worker_db
            with app.app_context():
                engines = db._app_engines[app]  # Flask-SQLAlchemy keeps each app's engines here
                if self.connection is None:
                    self.connection = engines[None].connect()
                    self.outer = self.connection.begin()
                    # The limiter counts on a connection of its own (a rolled-back request still counts), so its
                    # counters outlive the test's transaction: start each test on this worker copy from zero.
                    if app.config.get("RATELIMIT_ENABLED", True):
                        app.extensions["minqing_limiter"].reset()
                engines[None].dispose()
                # Every session of this app joins the test's transaction (in a savepoint); nothing is committed.
                engines[None] = self.connection
        self.apps.append(app)
        return app

    def close(self):
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                if self.committed:
                    db.engine.dispose()
        if self.connection is not None:
            self.outer.rollback()
            self.connection.close()
            self.connection.engine.dispose()
        if self.committed:
            for app in self.apps:
                self.cluster.drop_database(app.config["TEST_DATABASE_NAME"])


@pytest.fixture
def _demo_databases(request, pg_cluster, demo_template):
    committed = wants_committed_db(request)
    worker_db = None if committed else request.getfixturevalue("demo_worker_db")
    databases = _Databases(pg_cluster, demo_template, worker_db, committed)
    yield databases
    databases.close()


@pytest.fixture
def app(_demo_databases):
    """The app on the demo database (rolled back after the test, or a fresh clone: see the module docstring)."""
    return _demo_databases.make()


@pytest.fixture
def make_app(_demo_databases):
    """Build apps with configuration overrides on the demo database (sharing the test's transaction)."""
    return _demo_databases.make


@pytest.fixture
def empty_app(request, pg_cluster, empty_template):
    """The app on an empty (migrated) database."""
    committed = wants_committed_db(request)
    worker_db = None if committed else request.getfixturevalue("empty_worker_db")
    databases = _Databases(pg_cluster, empty_template, worker_db, committed)
    yield databases.make()
    databases.close()


def owner_connection(app):
    """Return a new SQLAlchemy connection to the app's database as the schema owner (close it after use)."""
    from sqlalchemy import create_engine, pool

    return create_engine(app.config["DATABASE_OWNER_URL"], poolclass=pool.NullPool).connect()


def truncate_as_owner(app, *tables):
    """Empty tables as the schema owner, lifting case_event's append-only guard for that alone (test set-up only).

    The test must be ``committed_db`` and its own session must hold no lock on these tables (commit first).
    """
    from sqlalchemy import text

    conn = owner_connection(app)
    try:
        with conn.begin():
            conn.execute(text("ALTER TABLE case_event DISABLE TRIGGER case_event_no_truncate"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            conn.execute(text("ALTER TABLE case_event ENABLE TRIGGER case_event_no_truncate"))
    finally:
        conn.close()


def token_for(app, username):
    """Issue a fresh API token for a demo account (replacing its previous one)."""
    from geo_app.services.accounts import issue_token

    with app.app_context():
        token = issue_token(db.session, username, actor="test")
        db.session.commit()
    return token


def client_as(app, username):
    """Return a test client that authenticates with a fresh API token of a demo account."""
    token = token_for(app, username)
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return test_client


@pytest.fixture
def client(app):
    """A client acting as the demo cadre (社区干部) of 明珠社区."""
    return client_as(app, "cadre")


@pytest.fixture
def public_client(app):
    """A client with no login and no token: a resident."""
    return app.test_client()


@pytest.fixture
def admin_client(app):
    return client_as(app, "admin")


@pytest.fixture
def chief_client(app):
    """A client acting as BD01's 楼栋长."""
    return client_as(app, "chief")


@pytest.fixture
def session(app):
    """A database session inside an app context on the demo copy."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def empty_session(empty_app):
    with empty_app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def cli_runner():
    """Run `minqing` commands against a given app's database: runner(app, args). The app's test gets a clone."""

    def run(app, args, **kwargs):
        from geo_app.cli import cli

        runner = CliRunner()
        env = {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "DATABASE_OWNER_URL": app.config["DATABASE_OWNER_URL"],
        }
        return runner.invoke(cli, args, env=env, catch_exceptions=False, **kwargs)

    return run


@pytest.fixture
def community_b(app):
    """A second community (qiaodong) in the demo copy, with its own units, people, cases and accounts
    (qd_cadre, qd_chief): see tests/factories.build_second_community."""
    from tests.factories import build_second_community

    with app.app_context():
        built = build_second_community(db.session)
        db.session.commit()
    return built
