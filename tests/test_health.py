"""GET /healthz."""

from geo_app import create_app


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_names_the_database_when_it_is_down(tmp_path):
    app = create_app({"DATABASE_URL": f"postgresql+psycopg2://nobody@/nothing?host={tmp_path}", "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_api_answers_503_with_retry_after_when_the_database_is_down(tmp_path):
    app = create_app({"DATABASE_URL": f"postgresql+psycopg2://nobody@/nothing?host={tmp_path}", "TESTING": True})
    response = app.test_client().get("/api/v1/sites")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5" and response.get_json()["error"] == "unavailable"
