"""Import: services.importing.import_layer of a GeoPackage of buildings against geopandas to_postgis."""

import logging
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from sqlalchemy import create_engine, text

from geo_app import create_app
from geo_app.db_roles import OWNER_ROLE
from geo_app.extensions import db
from geo_app.services.importing import import_layer

from .cluster import connect, migrated_database
from .generate import generate, write_buildings_gpkg
from .layout import Spec
from .report import Figure

logger = logging.getLogger(__name__)
TARGET_SHARE = 0.5
DBNAME = "bench_import"


def measure(cluster, buildings, seed):
    """Return the import figure: features/s of import_layer (validation included) vs to_postgis."""
    url = migrated_database(cluster, DBNAME)
    conn = connect(cluster, DBNAME)
    try:  # the community with its streets and lanes, so buildings get their parent lanes as in real use
        generate(conn, Spec(communities=1, buildings=buildings, cases=0, sites=0, seed=seed),
                 skip_kinds=("building", "shop"))
    finally:
        conn.close()
    with tempfile.TemporaryDirectory(prefix="minqing-bench-gpkg-") as tmp:
        gpkg = Path(tmp) / "buildings.gpkg"
        write_buildings_gpkg(gpkg, buildings, seed=seed)
        size_mb = gpkg.stat().st_size / 1e6

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
        with app.app_context():
            started = time.perf_counter()
            counts = import_layer(db.session, gpkg, "building", "C001", progress=False)
            db.session.commit()
            app_s = time.perf_counter() - started
            linked = db.session.execute(text("SELECT count(*) FROM unit WHERE kind = 'building' "
                                             "AND parent_id IS NOT NULL")).scalar()
            db.session.remove()
            db.engine.dispose()
        if counts["inserted"] != buildings:
            raise RuntimeError(f"import_layer inserted {counts['inserted']} of {buildings} buildings: {counts}")

        engine = create_engine(cluster.url_for(DBNAME, OWNER_ROLE))  # to_postgis creates its table: the owner's right
        try:
            started = time.perf_counter()
            frame = gpd.read_file(gpkg, engine="pyogrio")
            frame.to_postgis("scratch_buildings", engine, if_exists="replace", index=False)
            plain_s = time.perf_counter() - started
            with engine.connect() as check:
                copied = check.execute(text("SELECT count(*) FROM scratch_buildings")).scalar()
        finally:
            engine.dispose()
    cluster.drop_database(DBNAME)
    rate, plain_rate = buildings / app_s, copied / plain_s
    ratio = rate / plain_rate
    logger.info("import: %.0f features/s vs %.0f to_postgis", rate, plain_rate)
    return [Figure("import.buildings", rate, "features/s", plain_rate, "features/s (gpd.to_postgis)", ratio,
                   "× to_postgis", f"≥ {TARGET_SHARE}× to_postgis", ratio >= TARGET_SHARE,
                   f"{buildings:,} polygons, {size_mb:.1f} MB GeoPackage; {app_s:.1f} s vs {plain_s:.1f} s; "
                   f"{linked:,} linked to their lane")]
