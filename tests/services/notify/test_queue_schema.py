"""The queue's schema is frozen in the repository: an upgraded procrastinate needs its own migration first."""

from importlib import resources
from pathlib import Path

from sqlalchemy import text

import geo_app

FROZEN = Path(geo_app.__file__).parent / "migrations" / "sql" / "procrastinate-3.10.0.sql"


def test_the_frozen_schema_is_the_installed_procrastinates():
    installed = (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")
    assert installed.strip() == FROZEN.read_text(encoding="utf-8").strip(), (
        "procrastinate was upgraded: add a migration applying its sql/migrations/ files newer than 3.10.0, "
        "then freeze the new schema.sql")


def test_the_app_role_may_run_the_queue_but_never_delete_a_notification(session):
    privileges = dict(session.execute(text(
        "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.role_table_grants "
        "WHERE grantee = 'minqing_app' AND table_name IN ('notification', 'procrastinate_jobs', 'procrastinate_events') "
        "GROUP BY 1")).all())
    assert privileges == {"notification": "INSERT,SELECT,UPDATE", "procrastinate_jobs": "DELETE,INSERT,SELECT,UPDATE",
                          "procrastinate_events": "INSERT,SELECT"}
