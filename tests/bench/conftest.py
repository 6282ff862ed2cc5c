"""A tiny generated city in its own database of the test cluster, shared by the bench tests."""

import pytest

from bench.cluster import connect, migrated_database
from bench.generate import generate
from bench.layout import SCALES, Layout
from geo_app import create_app
from geo_app.extensions import db

SPEC = SCALES["tiny"]


def generated_database(cluster, name, spec):
    """Create, migrate and fill a database with spec's dataset; return its URL."""
    url = migrated_database(cluster, name)
    conn = connect(cluster, name)
    try:
        generate(conn, spec)
    finally:
        conn.close()
    return url


@pytest.fixture(scope="session")
def bench_spec():
    return SPEC


@pytest.fixture(scope="session")
def bench_layout():
    return Layout(SPEC).check()


@pytest.fixture(scope="session")
def bench_url(pg_cluster):
    url = generated_database(pg_cluster, "bench_tiny", SPEC)
    yield url
    pg_cluster.drop_database("bench_tiny")


@pytest.fixture
def bench_session(bench_url):
    """A session on the generated city (read-only use: rolled back afterwards)."""
    app = create_app({"DATABASE_URL": bench_url, "TESTING": True, "SECRET_KEY": "test"})
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
