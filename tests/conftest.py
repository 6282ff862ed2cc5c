"""Fixtures: one throwaway PostGIS cluster per run, a fresh database per test cloned from a template."""

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo_app import create_app
from geo_app.embedded_pg import Cluster
from geo_app.extensions import db
from geo_app.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    """Start a private PostgreSQL + PostGIS cluster for this test run and remove it afterwards."""
    base = Path(tempfile.mkdtemp(prefix="minqing-test-"))
    os.chmod(base, 0o755)  # the server may run as the unprivileged 'postgres' user
    cluster = Cluster(base / "data", base / "sock", fast=True)
    cluster.start()
    yield cluster
    cluster.destroy()
    shutil.rmtree(base, ignore_errors=True)


def _build_template(cluster, name, load_demo):
    cluster.create_database(name)
    upgrade(cluster.url_for(name))
    if load_demo:
        app = create_app({"DATABASE_URL": cluster.url_for(name), "TESTING": True})
        with app.app_context():
            from geo_app.services.demo import create_demo_accounts
            from geo_app.services.demo import load_demo as load

            load(db.session)
            create_demo_accounts(db.session)
            db.session.commit()
            db.engine.dispose()
    return name


@pytest.fixture(scope="session")
def demo_template(pg_cluster):
    """A migrated database holding the demo community, cloned by each test that needs it."""
    return _build_template(pg_cluster, "tmpl_demo", load_demo=True)


@pytest.fixture(scope="session")
def empty_template(pg_cluster):
    """A migrated, empty database."""
    return _build_template(pg_cluster, "tmpl_empty", load_demo=False)


def _app_on_copy(cluster, template, **overrides):
    name = f"t_{os.getpid()}_{next(_counter)}"
    cluster.create_database(name, template=template)
    app = create_app({"DATABASE_URL": cluster.url_for(name), "TESTING": True, "SECRET_KEY": "test", **overrides})
    app.config["TEST_DATABASE_NAME"] = name
    return app


def _dispose(app, cluster):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cluster.drop_database(app.config["TEST_DATABASE_NAME"])


@pytest.fixture
def app(pg_cluster, demo_template):
    """The app on a fresh copy of the demo database."""
    app = _app_on_copy(pg_cluster, demo_template)
    yield app
    _dispose(app, pg_cluster)


@pytest.fixture
def make_app(pg_cluster, demo_template):
    """Build apps with configuration overrides on fresh copies of the demo database."""
    made = []

    def build(**overrides):
        made.append(_app_on_copy(pg_cluster, demo_template, **overrides))
        return made[-1]

    yield build
    for built in made:
        _dispose(built, pg_cluster)


@pytest.fixture
def empty_app(pg_cluster, empty_template):
    """The app on a fresh, empty (migrated) database."""
    app = _app_on_copy(pg_cluster, empty_template)
    yield app
    _dispose(app, pg_cluster)


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
    """Run `minqing` commands against a given app's database: runner(app, args)."""

    def run(app, args, **kwargs):
        from geo_app.cli import cli

        runner = CliRunner()
        return runner.invoke(cli, args, env={"DATABASE_URL": app.config["DATABASE_URL"]}, catch_exceptions=False,
                             **kwargs)

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
