"""KPI rollups kept by statement triggers on civic_case, and the indexes the case pages sort and filter by

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06 21:00:00

case_kpi_month: per community, month (China time), channel, category, status and unit kind, the counts
the KPIs are made of (services/kpi_rollup.py); case_kpi_month_total: the same per community, month and
value of one grouping (channel, category or unit kind), for views without a status/channel/category
filter; case_kpi_assignee: per assignee, whatever the month (case_kpi_person: per person, every
community at once, indexed for the worst-first ranking). Only what does not change with the clock is
kept: the never-accepted cases whose response deadline is still ahead (a partial index) and residents'
own 回访 answers (resident_feedback) are counted live. The trigger functions run as their owner, like
heat's (0004/0005), so the app can read the rollups but cannot write them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = "('received', 'dispatched', 'accepted', 'in_progress', 'returned')"
# The measures of one group of (signed) case rows d, in MEASURE_NAMES order; the same for every rollup. n counts
# every case, duplicates included (the case lists' totals); the others leave duplicates out, as the KPIs do.
MEASURE_NAMES = ("n", "duplicates", "resolved", "in_progress", "accepted", "unaccepted", "responded_on_time",
                 "resolved_on_time", "satisfied", "visited", "resolve_seconds")
MEASURE_CONDITIONS = (None, "d.status = 'duplicate'", "d.resolved_at IS NOT NULL", f"d.status IN {OPEN}",
                      "d.accepted_at IS NOT NULL", "d.accepted_at IS NULL", "d.accepted_at <= d.response_due_at",
                      "d.resolved_at <= d.resolve_due_at", "d.satisfaction IN ('satisfied', 'basically_satisfied')",
                      "d.satisfaction IS NOT NULL", "d.resolved_at IS NOT NULL")


def _measure(name, condition):
    value = "d.sign * extract(epoch FROM d.resolved_at - d.received_at)" if name == "resolve_seconds" else "d.sign"
    if name not in ("n", "duplicates"):
        condition = f"{condition} AND d.status <> 'duplicate'"
    return f"coalesce(sum({value})" + (f" FILTER (WHERE {condition})" if condition else "") + f", 0) AS {name}"


MEASURES = ", ".join(_measure(name, condition)
                     for name, condition in zip(MEASURE_NAMES, MEASURE_CONDITIONS, strict=True))
CHANGED = " OR ".join(f"{name} <> 0" for name in MEASURE_NAMES)  # an edit that moves no count writes nothing
SET = ", ".join(f"{m} = k.{m} + EXCLUDED.{m}" for m in MEASURE_NAMES)
MONTH_KEY = ("community_id", "month", "channel", "category", "status", "unit_kind")
TOTAL_KEY = ("community_id", "month", "dimension", "value")
ASSIGNEE_KEY = ("community_id", "assignee_id", "assignee_role")
MONTH_OF = "(date_trunc('month', d.received_at AT TIME ZONE 'Asia/Shanghai'))::date"


def _upsert(table, key, columns, source, groups):
    return f"""
    INSERT INTO {table} AS k ({', '.join(key + MEASURE_NAMES)})
    SELECT * FROM (SELECT {columns}, {MEASURES} FROM {source} GROUP BY {groups}) AS g
    WHERE {CHANGED} ORDER BY {groups}
    ON CONFLICT ({', '.join(key)}) DO UPDATE SET {SET};"""


# One upsert per rollup and statement, in key order, so concurrent changes lock rollup rows in the same order.
# case_kpi_month carries the filters (status, channel, category); case_kpi_month_total, one row per
# community, month and value of each grouping, serves the views without those filters compactly.
UPSERTS = "".join((
    _upsert("case_kpi_month", MONTH_KEY, f"d.community_id, {MONTH_OF}, d.channel, d.category, d.status, "
            "coalesce(u.kind, 'none')", "({rows}) AS d LEFT JOIN unit u ON u.id = d.unit_id", "1, 2, 3, 4, 5, 6"),
    _upsert("case_kpi_month_total", TOTAL_KEY, f"d.community_id, {MONTH_OF}, v.dimension, v.value",
            "({rows}) AS d LEFT JOIN unit u ON u.id = d.unit_id CROSS JOIN LATERAL (VALUES ('channel', d.channel), "
            "('category', d.category), ('unit_kind', coalesce(u.kind, 'none'))) AS v (dimension, value)",
            "1, 2, 3, 4"),
    _upsert("case_kpi_assignee", ASSIGNEE_KEY, "d.community_id, coalesce(d.assignee_id, 0), "
            "coalesce(d.assignee_role, '')", "({rows}) AS d", "1, 2, 3"),
    # one row per person, whatever the community: the city-wide ranking reads it along an index (the
    # community queue stays in case_kpi_assignee, one row per community, so intake never queues on one row)
    _upsert("case_kpi_person", ("assignee_id",), "d.assignee_id", "({rows}) AS d WHERE d.assignee_id IS NOT NULL",
            "1"),
))
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
BEGIN TRUNCATE case_kpi_month, case_kpi_month_total, case_kpi_assignee, case_kpi_person; RETURN NULL; END; $$
"""
OPERATIONS = {"insert": ("INSERT", "NEW TABLE AS new_rows"),
              "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
              "delete": ("DELETE", "OLD TABLE AS old_rows")}
# (name, columns, where): the case pages' one order (received_at DESC, id DESC), alone and per community,
# the open cases (the overdue list, with what its condition reads) and the never-accepted ones (the live part
# of the response rate: those whose response deadline is still ahead).
# The worst-first orders of by=assignee (services/kpi_rollup.py ranks along them).
PERSON_INDEXES = (("ix_case_kpi_person_in_progress", "in_progress DESC, (n - duplicates) DESC, assignee_id"),
                  ("ix_case_kpi_person_received", "(n - duplicates) DESC, assignee_id"))
INDEXES = (
    ("ix_civic_case_received_id", "received_at, id", None, None),
    ("ix_civic_case_community_received_id", "community_id, received_at, id", None, None),
    ("ix_civic_case_open_received_id", "received_at, id", f"status IN {OPEN}",
     "community_id, assignee_id, accepted_at, response_due_at, resolved_at, resolve_due_at"),
    ("ix_civic_case_unaccepted_due", "response_due_at", "accepted_at IS NULL AND status <> 'duplicate'", None),
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
        "case_kpi_month_total",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint(*TOTAL_KEY, name="pk_case_kpi_month_total"),
    )
    op.create_table(
        "case_kpi_assignee",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("assignee_role", sa.String(32), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint(*ASSIGNEE_KEY, name="pk_case_kpi_assignee"),
    )
    op.create_table(
        "case_kpi_person",
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        *_measure_columns(),
        sa.PrimaryKeyConstraint("assignee_id", name="pk_case_kpi_person"),
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
    for name, columns in PERSON_INDEXES:
        op.execute(f"CREATE INDEX {name} ON case_kpi_person ({columns})")
    # a page of assignees (and the community queue of every community) read by id
    op.execute("CREATE INDEX ix_case_kpi_assignee_assignee_id ON case_kpi_assignee (assignee_id)")
    for name, columns, where, include in INDEXES:
        op.execute(f"CREATE INDEX {name} ON civic_case ({columns})" + (f" INCLUDE ({include})" if include else "")
                   + (f" WHERE {where}" if where else ""))


def downgrade():
    for name, *_ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name in (*OPERATIONS, "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS civic_case_kpi_{name} ON civic_case")
    op.execute("DROP FUNCTION IF EXISTS case_kpi_maintain()")
    op.execute("DROP FUNCTION IF EXISTS case_kpi_reset()")
    op.drop_table("case_kpi_person")
    op.drop_table("case_kpi_assignee")
    op.drop_table("case_kpi_month_total")
    op.drop_table("case_kpi_month")
