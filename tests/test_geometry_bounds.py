"""The database refuses geometry outside WGS-84 ranges in every geometry column, whatever writes it."""

import pytest
from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, text
from sqlalchemy.exc import IntegrityError

from geo_app import models  # noqa: F401  (registers the tables on db.metadata)
from geo_app.extensions import db

# x = 12,758,678 "degrees": issue 9's Mercator metres stored as SRID 4326.
MERCATOR_AS_DEGREES = "SRID=4326;MULTIPOLYGON(((12758678 3562694,12758720 3562694,12758720 3562718,12758678 3562694)))"
UPDATES = {
    "community.boundary": f"UPDATE community SET boundary = '{MERCATOR_AS_DEGREES}'",
    "unit.geom": f"UPDATE unit SET geom = '{MERCATOR_AS_DEGREES}' WHERE id = (SELECT min(id) FROM unit)",
    "site.geom": "UPDATE site SET geom = 'SRID=4326;POINT(115.32 95)' WHERE id = (SELECT min(id) FROM site)",
    "civic_case.geom": "UPDATE civic_case SET geom = 'SRID=4326;POINT(-181 22.96)' "
                       "WHERE id = (SELECT min(id) FROM civic_case)",
}


def geometry_columns():
    return sorted(f"{table.name}.{column.name}" for table in db.metadata.tables.values()
                  for column in table.columns if isinstance(column.type, Geometry))


def test_every_geometry_column_of_the_models_has_a_wgs84_check():
    assert geometry_columns() == sorted(UPDATES)
    for name in geometry_columns():
        table, column = name.split(".")
        checks = [c for c in db.metadata.tables[table].constraints if isinstance(c, CheckConstraint)]
        assert any(f"ST_XMin({column}) >= -180" in str(c.sqltext) and f"ST_YMax({column}) <= 90" in str(c.sqltext)
                   for c in checks), name


def test_the_migrated_database_has_the_checks_the_models_declare(session):
    names = {c.name for t in db.metadata.tables.values() for c in t.constraints
             if isinstance(c, CheckConstraint) and str(c.name).endswith("wgs84")}
    found = {r[0] for r in session.execute(text(
        "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%wgs84'"))}
    assert found == names == {f"ck_{n.replace('.', '_')}_wgs84" for n in UPDATES}


@pytest.mark.parametrize("column", sorted(UPDATES))
def test_out_of_range_coordinates_are_refused_by_the_database(session, column):
    with pytest.raises(IntegrityError, match=f"ck_{column.replace('.', '_')}_wgs84"):
        session.execute(text(UPDATES[column]))


def test_nan_coordinates_are_refused_too(session):
    with pytest.raises(IntegrityError, match="ck_civic_case_geom_wgs84"):
        session.execute(text("UPDATE civic_case SET geom = ST_SetSRID(ST_MakePoint('NaN'::float8, 22.96), 4326) "
                             "WHERE id = (SELECT min(id) FROM civic_case)"))


def test_the_upgrade_names_rows_already_out_of_range_instead_of_keeping_them(pg_cluster):
    from sqlalchemy import create_engine

    from geo_app.db_roles import OWNER_ROLE
    from geo_app.migrate import upgrade

    name = "t_bounds_upgrade"
    pg_cluster.create_database(name)
    url = pg_cluster.url_for(name, OWNER_ROLE)
    try:
        upgrade(url, "0005")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO community (code, name, boundary) VALUES ('wh', '武汉', "
                              "'SRID=4326;MULTIPOLYGON(((114.6 30.4,114.7 30.4,114.7 30.5,114.6 30.4)))')"))
            conn.execute(text(f"INSERT INTO unit (community_id, kind, natural_key, name, geom) SELECT id, "
                              f"'building', 'b1', '图书馆', '{MERCATOR_AS_DEGREES}' FROM community"))
        engine.dispose()
        with pytest.raises(RuntimeError, match=r"unit id=\d+ \(图书馆\): x≈1\.27587e\+07, y≈3\.56269e\+06"):
            upgrade(url)
    finally:
        pg_cluster.drop_database(name)
