"""case_change: a per-community version of the cases, bumped by statement triggers, that keys cached heat

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00

Every statement that inserts, updates or deletes cases gives each community it touched (a TRUNCATE:
every community) a new version from the sequence case_change_seq, in the same transaction, so a reader
sees a new version exactly when it can see the change. A sequence never hands out a number twice, even
to a transaction that rolls back, so a version names one state of the cases; the newest version of all
communities (their max) names the state of all of them. A cached heat answer is keyed by the version it was computed at
(services/heat_cache.py). The functions run as their owner (SECURITY DEFINER, fixed search_path) like
the heat rollup's, so the app can read a version but never set one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# One upsert per statement, communities in key order (as the rollup's), so concurrent writers lock alike.
BUMP = """
    INSERT INTO case_change AS c (community_id, version)
    SELECT community_id, nextval('case_change_seq')
    FROM (SELECT DISTINCT community_id FROM ({rows}) AS r ORDER BY community_id) AS d
    ON CONFLICT (community_id) DO UPDATE SET version = EXCLUDED.version;"""
FUNCTION = f"""
CREATE OR REPLACE FUNCTION case_change_bump() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{BUMP.format(rows="SELECT community_id FROM new_rows")}
    ELSIF TG_OP = 'DELETE' THEN{BUMP.format(rows="SELECT community_id FROM old_rows")}
    ELSIF TG_OP = 'UPDATE' THEN{BUMP.format(rows="SELECT community_id FROM new_rows UNION SELECT community_id FROM old_rows")}
    ELSE
        UPDATE case_change SET version = nextval('case_change_seq');
    END IF;
    RETURN NULL;
END;
$$
"""


def upgrade():
    op.create_table(
        "case_change",
        sa.Column("community_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", name="pk_case_change"),
    )
    op.execute("CREATE SEQUENCE case_change_seq")
    op.execute(FUNCTION)
    op.execute("CREATE TRIGGER civic_case_change_insert AFTER INSERT ON civic_case REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_change_bump()")
    op.execute("CREATE TRIGGER civic_case_change_update AFTER UPDATE ON civic_case "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_change_bump()")
    op.execute("CREATE TRIGGER civic_case_change_delete AFTER DELETE ON civic_case REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_change_bump()")
    op.execute("CREATE TRIGGER civic_case_change_truncate AFTER TRUNCATE ON civic_case "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_change_bump()")
    op.execute("INSERT INTO case_change (community_id, version) "
               "SELECT community_id, nextval('case_change_seq') FROM (SELECT DISTINCT community_id FROM civic_case) c")


def downgrade():
    for name in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS civic_case_change_{name} ON civic_case")
    op.execute("DROP FUNCTION IF EXISTS case_change_bump()")
    op.drop_table("case_change")
    op.execute("DROP SEQUENCE IF EXISTS case_change_seq")
