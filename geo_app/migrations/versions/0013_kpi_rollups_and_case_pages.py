"""KPI rollups kept by statement triggers on civic_case, and the indexes the case pages sort and filter by

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06 21:00:00

case_kpi_month: per community, month (China time), channel, category, status and unit kind, the counts
the KPIs are made of (services/kpi_rollup.py). case_kpi_assignee: the same per assignee, whatever the
month, duplicates left out. Only what does not change with the clock is kept: "responded late although
never accepted" and residents' own 回访 answers are counted live, from a partial index and from
resident_feedback. The trigger functions run as their owner, like heat's (0004/0005), so the app can read
the rollups but cannot write them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = "('received', 'dispatched', 'accepted', 'in_progress', 'returned')"
# The measures of one group of (signed) case rows d, in MEASURE_NAMES order; the same for both rollups.
MEASURE_NAMES = ("n", "resolved", "in_progress", "accepted", "responded_on_time", "resolved_on_time", "satisfied",
                 "visited", "resolve_seconds")
MEASURE_CONDITIONS = (None, "d.resolved_at IS NOT NULL", f"d.status IN {OPEN}", "d.accepted_at IS NOT NULL",
                      "d.accepted_at <= d.response_due_at", "d.resolved_at <= d.resolve_due_at",
                      "d.satisfaction IN ('satisfied', 'basically_satisfied')", "d.satisfaction IS NOT NULL",
                      "d.resolved_at IS NOT NULL")
MEASURES = ", ".join(
    f"coalesce(sum({'d.sign * extract(epoch FROM d.resolved_at - d.received_at)' if name == 'resolve_seconds' else 'd.sign'})"
    + (f" FILTER (WHERE {condition})" if condition else "") + f", 0) AS {name}"
    for name, condition in zip(MEASURE_NAMES, MEASURE_CONDITIONS, strict=True))
CHANGED = " OR ".join(f"{name} <> 0" for name in MEASURE_NAMES)  # an edit that moves no count writes nothing
SET = ", ".join(f"{m} = k.{m} + EXCLUDED.{m}" for m in MEASURE_NAMES)
MONTH_KEY = ("community_id", "month", "channel", "category", "status", "unit_kind")
ASSIGNEE_KEY = ("community_id", "assignee_id", "assignee_role")
# One upsert per rollup and statement, in key order, so concurrent changes lock rollup rows in the same order.
UPSERTS = f"""
    INSERT INTO case_kpi_month AS k ({', '.join(MONTH_KEY + MEASURE_NAMES)})
    SELECT * FROM (
        SELECT d.community_id, (date_trunc('month', d.received_at AT TIME ZONE 'Asia/Shanghai'))::date AS month,
               d.channel, d.category, d.status, coalesce(u.kind, 'none') AS unit_kind, {MEASURES}
        FROM ({{rows}}) AS d LEFT JOIN unit u ON u.id = d.unit_id
        GROUP BY 1, 2, 3, 4, 5, 6) AS g
    WHERE {CHANGED} ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ({', '.join(MONTH_KEY)}) DO UPDATE SET {SET};
    INSERT INTO case_kpi_assignee AS k ({', '.join(ASSIGNEE_KEY + MEASURE_NAMES)})
    SELECT * FROM (
        SELECT d.community_id, coalesce(d.assignee_id, 0) AS assignee_id, coalesce(d.assignee_role, '') AS role,
               {MEASURES}
        FROM ({{rows}}) AS d WHERE d.status <> 'duplicate'
        GROUP BY 1, 2, 3) AS g
    WHERE {CHANGED} ORDER BY 1, 2, 3
    ON CONFLICT ({', '.join(ASSIGNEE_KEY)}) DO UPDATE SET {SET};"""
COLUMNS = ("community_id, received_at, channel, category, status, unit_id, assignee_id, assignee_role, "
           "resolved_at, accepted_at, response_due_at, resolve_due_at, satisfaction")
NEW_ROWS = f"SELECT {COLUMNS}, 1 AS sign FROM new_rows"
OLD_ROWS = f"SELECT {COLUMNS}, -1 AS sign FROM old_rows"
MAINTAIN = f"""
CREATE OR REPLACE FUNCTION case_kpi_maintain() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{UPSERTS.format(rows=NEW_ROWS)}
    ELSIF TG_OP = 'DELETE' THEN{UPSERTS.format(rows=OLD_ROWS)}
    ELSE{UPSERTS.format(rows=f"{NEW_ROWS} UNION ALL {OLD_ROWS}")}
    END IF;
    RETURN NULL;
END;
$$
"""
RESET = """
CREATE OR REPLACE FUNCTION case_kpi_reset() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN TRUNCATE case_kpi_month, case_kpi_assignee; RETURN NULL; END; $$
"""
OPERATIONS = {"insert": ("INSERT", "NEW TABLE AS new_rows"),
              "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
              "delete": ("DELETE", "OLD TABLE AS old_rows")}
# (name, columns, where): the case pages' one order (received_at DESC, id DESC), alone and per community,
# the open cases (the overdue list) and the never-accepted ones (the live part of the response rate).
INDEXES = (
    ("ix_civic_case_received_id", "received_at, id", None),
    ("ix_civic_case_community_received_id", "community_id, received_at, id", None),
    ("ix_civic_case_open_received_id", "received_at, id", f"status IN {OPEN}"),
    ("ix_civic_case_unaccepted_due", "response_due_at", "accepted_at IS NULL AND status <> 'duplicate'"),
)


def _measure_columns():
    return [sa.Column(name, sa.Numeric() if name == "resolve_seconds" else sa.Integer(), nullable=False,
                      server_default="0") for name in MEASURE_NAMES]


def upgrade():
    op.create_table(
        "case_kpi_month",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("unit_kind", sa.String(16), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint(*MONTH_KEY, name="pk_case_kpi_month"),
    )
    op.create_table(
        "case_kpi_assignee",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("assignee_role", sa.String(32), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint(*ASSIGNEE_KEY, name="pk_case_kpi_assignee"),
    )
    op.execute(MAINTAIN)
    op.execute(RESET)
    for name, (operation, tables) in OPERATIONS.items():
        op.execute(f"CREATE TRIGGER civic_case_kpi_{name} AFTER {operation} ON civic_case REFERENCING {tables} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION case_kpi_maintain()")
    op.execute("CREATE TRIGGER civic_case_kpi_truncate AFTER TRUNCATE ON civic_case "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_kpi_reset()")
    op.execute("REVOKE EXECUTE ON FUNCTION case_kpi_maintain(), case_kpi_reset() FROM PUBLIC")
    # Backfill from the cases already there: the insert branch's aggregation over every case.
    backfill = UPSERTS.format(rows=f"SELECT {COLUMNS}, 1 AS sign FROM civic_case")
    op.execute(backfill)
    for name, columns, where in INDEXES:
        op.execute(f"CREATE INDEX {name} ON civic_case ({columns})" + (f" WHERE {where}" if where else ""))


def downgrade():
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name in (*OPERATIONS, "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS civic_case_kpi_{name} ON civic_case")
    op.execute("DROP FUNCTION IF EXISTS case_kpi_maintain()")
    op.execute("DROP FUNCTION IF EXISTS case_kpi_reset()")
    op.drop_table("case_kpi_assignee")
    op.drop_table("case_kpi_month")
