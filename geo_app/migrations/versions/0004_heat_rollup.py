"""heat: cell sizes per zoom and a monthly per-cell rollup of cases kept by statement triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:30:00
"""

import math

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REFERENCE_LAT = 23.0
PIXELS_PER_CELL = 24
# Cells up to ~850 m (zoom 14): finer cells hold about one case each, where the GiST index on the
# cases themselves is faster than any rollup.
ROLLUP_ZOOMS = range(6, 15)

# One upsert per table and statement, in key order, so concurrent changes lock rollup rows in the same
# order. case_heat_month carries the filters; case_heat_month_total serves unfiltered views compactly.
# The same two upserts serve every operation; each names only the transition tables its trigger has.
UPSERTS = """
    INSERT INTO case_heat_month AS h (level, month, gy, gx, community_id, channel, category, status, n)
    SELECT l.zoom, (date_trunc('month', d.received_at AT TIME ZONE 'Asia/Shanghai'))::date,
           floor(ST_Y(d.geom) / l.clat)::int, floor(ST_X(d.geom) / l.clon)::int,
           d.community_id, d.channel, d.category, d.status, sum(d.sign)
    FROM ({rows}) AS d CROSS JOIN heat_level l
    WHERE l.rollup
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(d.sign) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT (level, month, gy, gx, community_id, channel, category, status)
    DO UPDATE SET n = h.n + EXCLUDED.n;
    INSERT INTO case_heat_month_total AS t (level, month, gy, gx, community_id, n)
    SELECT l.zoom, (date_trunc('month', d.received_at AT TIME ZONE 'Asia/Shanghai'))::date,
           floor(ST_Y(d.geom) / l.clat)::int, floor(ST_X(d.geom) / l.clon)::int, d.community_id, sum(d.sign)
    FROM ({rows}) AS d CROSS JOIN heat_level l
    WHERE l.rollup
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(d.sign) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (level, month, gy, gx, community_id) DO UPDATE SET n = t.n + EXCLUDED.n;"""
COLUMNS = "received_at, geom, community_id, channel, category, status"
NEW_ROWS = f"SELECT {COLUMNS}, 1 AS sign FROM new_rows"
OLD_ROWS = f"SELECT {COLUMNS}, -1 AS sign FROM old_rows"
MAINTAIN = f"""
CREATE OR REPLACE FUNCTION case_heat_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{UPSERTS.format(rows=NEW_ROWS)}
    ELSIF TG_OP = 'DELETE' THEN{UPSERTS.format(rows=OLD_ROWS)}
    ELSE{UPSERTS.format(rows=f"{NEW_ROWS} UNION ALL {OLD_ROWS}")}
    END IF;
    RETURN NULL;
END;
$$
"""



def cell_size_m(zoom):
    metres_per_pixel = 156_543.03 * math.cos(math.radians(REFERENCE_LAT)) / (2 ** zoom)
    return max(10.0, min(20_000.0, round(metres_per_pixel * PIXELS_PER_CELL, 1)))


def upgrade():
    op.create_table(
        "heat_level",
        sa.Column("zoom", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("cell_m", sa.Float(), nullable=False),
        sa.Column("clat", sa.Float(), nullable=False),
        sa.Column("clon", sa.Float(), nullable=False),
        sa.Column("rollup", sa.Boolean(), nullable=False),
    )
    rows = []
    for zoom in range(1, 21):
        cell_m = cell_size_m(zoom)
        clat = cell_m / 111_320.0
        clon = cell_m / (111_320.0 * math.cos(math.radians(REFERENCE_LAT)))
        rows.append({"zoom": zoom, "cell_m": cell_m, "clat": clat, "clon": clon, "rollup": zoom in ROLLUP_ZOOMS})
    op.bulk_insert(sa.table("heat_level", sa.column("zoom"), sa.column("cell_m"), sa.column("clat"),
                            sa.column("clon"), sa.column("rollup")), rows)
    op.create_table(
        "case_heat_month",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("gy", sa.Integer(), nullable=False),
        sa.Column("gx", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", "month", "gy", "gx", "community_id", "channel", "category", "status",
                                name="pk_case_heat_month"),
    )
    op.create_table(
        "case_heat_month_total",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("gy", sa.Integer(), nullable=False),
        sa.Column("gx", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", "month", "gy", "gx", "community_id", name="pk_case_heat_month_total"),
    )
    op.execute(MAINTAIN)
    op.execute("CREATE TRIGGER civic_case_heat_insert AFTER INSERT ON civic_case REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_heat_maintain()")
    op.execute("CREATE TRIGGER civic_case_heat_update AFTER UPDATE ON civic_case "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_heat_maintain()")
    op.execute("CREATE TRIGGER civic_case_heat_delete AFTER DELETE ON civic_case REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_heat_maintain()")
    op.execute("CREATE OR REPLACE FUNCTION case_heat_reset() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN TRUNCATE case_heat_month, case_heat_month_total; RETURN NULL; END; $$")
    op.execute("CREATE TRIGGER civic_case_heat_truncate AFTER TRUNCATE ON civic_case "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_heat_reset()")
    # Backfill from the cases already there (an UPDATE-less insert of the same aggregation).
    op.execute("""
        INSERT INTO case_heat_month (level, month, gy, gx, community_id, channel, category, status, n)
        SELECT l.zoom, (date_trunc('month', c.received_at AT TIME ZONE 'Asia/Shanghai'))::date,
               floor(ST_Y(c.geom) / l.clat)::int, floor(ST_X(c.geom) / l.clon)::int,
               c.community_id, c.channel, c.category, c.status, count(*)
        FROM civic_case c CROSS JOIN heat_level l WHERE l.rollup
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    """)
    op.execute("""
        INSERT INTO case_heat_month_total (level, month, gy, gx, community_id, n)
        SELECT level, month, gy, gx, community_id, sum(n) FROM case_heat_month GROUP BY 1, 2, 3, 4, 5
    """)


def downgrade():
    for name in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS civic_case_heat_{name} ON civic_case")
    op.execute("DROP FUNCTION IF EXISTS case_heat_maintain()")
    op.execute("DROP FUNCTION IF EXISTS case_heat_reset()")
    op.drop_table("case_heat_month_total")
    op.drop_table("case_heat_month")
    op.drop_table("heat_level")
