"""The tiles benchmark asks for the tile PostGIS means: its tile math agrees with ST_TileEnvelope."""

import numpy as np
import pytest
from sqlalchemy import text

from bench.tiles_bench import tile_bbox, tile_of


@pytest.mark.parametrize("z", [14, 17])
def test_the_tile_of_a_point_holds_it_and_its_bbox_is_postgis_s(bench_session, bench_layout, z):
    for lon, lat in bench_layout.random_points(np.random.default_rng(14), 20):
        x, y = tile_of(lon, lat, z)
        row = bench_session.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), "
            "ST_Covers(e, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
            "FROM (SELECT ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS e) t"),
            {"z": z, "x": x, "y": y, "lon": lon, "lat": lat}).one()
        assert row[4], (lon, lat, z, x, y)
        assert np.allclose(row[:4], tile_bbox(z, x, y), atol=1e-9)
