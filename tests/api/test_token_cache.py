"""API tokens are kept briefly per process; a revocation is honoured at once here and within the bound elsewhere."""

import time

from sqlalchemy import text

from geo_app.extensions import db
from geo_app.services.accounts import issue_token, set_active
from tests.conftest import token_for


def bearer(app, token):
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return test_client




def test_a_disabled_account_is_refused_at_once(app):
    token = token_for(app, "cadre")
    client = bearer(app, token)
    assert client.get("/api/v1/people").status_code == 200  # kept now
    with app.app_context():
        set_active(db.session, "cadre", False, actor="test")
        db.session.commit()
    assert client.get("/api/v1/people").status_code == 401


def test_a_replaced_token_is_refused_at_once(app):
    old = token_for(app, "cadre")
    client = bearer(app, old)
    assert client.get("/api/v1/people").status_code == 200
    with app.app_context():
        new = issue_token(db.session, "cadre", actor="test")
        db.session.commit()
    assert client.get("/api/v1/people").status_code == 401
    assert bearer(app, new).get("/api/v1/people").status_code == 200


def revoke_elsewhere(app, username):
    """Revoke a token as another process would: straight in the database, this process's cache untouched."""
    with app.app_context():
        db.session.execute(text("UPDATE app_user SET token_hash = NULL WHERE username = :u"), {"u": username})
        db.session.commit()


def test_a_token_revoked_elsewhere_works_at_most_token_cache_seconds(make_app):
    app = make_app(TOKEN_CACHE_SECONDS=1)
    client = bearer(app, token_for(app, "cadre"))
    assert client.get("/api/v1/people").status_code == 200
    revoke_elsewhere(app, "cadre")
    time.sleep(1.2)  # the bound TOKEN_CACHE_SECONDS, not a timing measurement
    assert client.get("/api/v1/people").status_code == 401


def test_without_the_cache_a_revocation_elsewhere_is_honoured_at_once(make_app):
    app = make_app(TOKEN_CACHE_SECONDS=0)
    client = bearer(app, token_for(app, "cadre"))
    assert client.get("/api/v1/people").status_code == 200
    revoke_elsewhere(app, "cadre")
    assert client.get("/api/v1/people").status_code == 401
