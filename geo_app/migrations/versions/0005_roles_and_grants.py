"""database roles: an owner runs migrations, the app role holds only the grants it needs

The heat rollup's trigger functions run as their owner (SECURITY DEFINER with a fixed search_path), so the
app needs only SELECT on case_heat_month(_total): it cannot write a rollup row that no case accounts for.
The grants themselves are not a migration: geo_app/db_roles.py applies them after every upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:00:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROLLUP_FUNCTIONS = ("case_heat_maintain()", "case_heat_reset()")


def upgrade():
    for function in ROLLUP_FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} SECURITY DEFINER SET search_path = public, pg_temp")
        op.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")


def downgrade():
    for function in ROLLUP_FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} SECURITY INVOKER RESET search_path")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO PUBLIC")
