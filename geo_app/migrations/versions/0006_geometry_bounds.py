"""geometry columns refuse coordinates outside WGS-84 ranges

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:00:00

Every geometry column gets a CHECK that its bounding box lies within longitude −180…180 and latitude
−90…90 (NaN and infinite coordinates fail it too), so no path can store projected metres as "degrees".
The China box is deliberately not part of it: it is a product rule, checked at the edges with a message
that names the features and the likely CRS, and it may be refined without rewriting constraints.
Rows already out of range stop the upgrade with a list of them, rather than being kept or deleted silently.
"""

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, geometry column, what a row is called in the message)
COLUMNS = (("community", "boundary", "code"), ("unit", "geom", "name"), ("site", "geom", "name"),
           ("civic_case", "geom", "code"))
SHOWN_ROWS = 20


def wgs84_check(column):
    return (f"ST_XMin({column}) >= -180 AND ST_XMax({column}) <= 180 "
            f"AND ST_YMin({column}) >= -90 AND ST_YMax({column}) <= 90")


def upgrade():
    bind = op.get_bind()
    bad = []
    for table, column, label in COLUMNS:
        rows = bind.execute(text(
            f"SELECT id, {label}, ST_XMin({column}), ST_YMin({column}) FROM {table} "
            f"WHERE NOT ({wgs84_check(column)}) ORDER BY id LIMIT {SHOWN_ROWS}")).all()
        bad += [f"{table} id={r[0]} ({r[1]}): x≈{r[2]:.6g}, y≈{r[3]:.6g}" for r in rows]
    if bad:
        raise RuntimeError(
            "这些行的坐标超出 WGS-84 经纬度范围，无法加上约束；请删除或按正确的 --crs 重新导入后再升级"
            " (rows with coordinates outside WGS-84 ranges; delete or re-import them, then upgrade):\n  "
            + "\n  ".join(bad[:SHOWN_ROWS]))
    for table, column, _ in COLUMNS:
        op.create_check_constraint(op.f(f"ck_{table}_{column}_wgs84"), table, wgs84_check(column))


def downgrade():
    for table, column, _ in COLUMNS:
        op.drop_constraint(op.f(f"ck_{table}_{column}_wgs84"), table, type_="check")
