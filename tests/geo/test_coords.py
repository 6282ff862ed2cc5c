"""Tests for geo_app.geo.coords (WGS-84 / GCJ-02 / BD-09 conversions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geo_app.geo.coords import (
    CRS_CODES,
    bd09_to_gcj02_array,
    bd09_to_wgs84_array,
    from_wgs84,
    gcj02_to_bd09_array,
    gcj02_to_wgs84_array,
    geometry_from_wgs84,
    is_in_china_array,
    to_wgs84,
    transform_geometry,
    wgs84_to_bd09_array,
    wgs84_to_gcj02_array,
)
from tests.helpers import EARTH_RADIUS_M, haversine_m


def _one_point(array_fn):
    """Apply an array conversion to one (lon, lat): the reference tests are written point by point."""

    def convert(lon: float, lat: float) -> tuple[float, float]:
        out_lon, out_lat = array_fn(lon, lat)
        return float(out_lon), float(out_lat)

    convert.__name__ = array_fn.__name__.removesuffix("_array")
    return convert


wgs84_to_gcj02 = _one_point(wgs84_to_gcj02_array)
gcj02_to_wgs84 = _one_point(gcj02_to_wgs84_array)
gcj02_to_bd09 = _one_point(gcj02_to_bd09_array)
bd09_to_gcj02 = _one_point(bd09_to_gcj02_array)
wgs84_to_bd09 = _one_point(wgs84_to_bd09_array)
bd09_to_wgs84 = _one_point(bd09_to_wgs84_array)
TO_WGS84_ARRAY = {"wgs84": lambda lons, lats: (np.asarray(lons, float), np.asarray(lats, float)),
                  "gcj02": gcj02_to_wgs84_array, "bd09": bd09_to_wgs84_array}


def is_in_china(lon: float, lat: float) -> bool:
    return bool(is_in_china_array(lon, lat))


# Round trips are exact to ~1e-10 degrees (~0.01 mm); 1 mm leaves a wide margin
# while staying 500x tighter than the 0.5 m requirement.
ROUND_TRIP_TOL_M = 1e-3
# Array and scalar versions run the same formulas; allow last-bit differences.
ARRAY_VS_SCALAR_TOL_DEG = 1e-11

HAIFENG = (115.325, 22.966)  # 海丰, Guangdong

# (lon, lat) points spread over mainland China, Hainan and Taiwan.
CHINA_POINTS = [
    (116.404, 39.915),  # Beijing
    (121.4737, 31.2304),  # Shanghai
    (113.2644, 23.1291),  # Guangzhou
    (114.0579, 22.5431),  # Shenzhen
    HAIFENG,
    (115.3, 22.9),  # near Haifeng
    (115.35, 23.0),  # near Haifeng
    (104.0665, 30.5723),  # Chengdu
    (87.6168, 43.8256),  # Urumqi
    (91.1322, 29.6604),  # Lhasa
    (126.6424, 45.7567),  # Harbin
    (109.5120, 18.2528),  # Sanya
    (121.5654, 25.0330),  # Taipei
    (105.0, 35.0),  # origin of the GCJ-02 polynomial (sqrt(|x|) kink)
    (105.0000001, 35.0),
    (75.99, 39.47),  # Kashgar
    (134.0, 48.3),  # far north-east
]

OUTSIDE_CHINA_POINTS = [
    (139.6917, 35.6895),  # Tokyo (east of the box)
    (-0.1276, 51.5072),  # London
    (-74.006, 40.7128),  # New York
    (151.2093, -33.8688),  # Sydney
    (37.6173, 55.7558),  # Moscow (west of the box)
    (100.0, 60.0),  # north of the box
    (110.0, -5.0),  # south of the box
]

china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=53.5, allow_nan=False)
any_lon = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
any_lat = st.floats(min_value=-85.0, max_value=85.0, allow_nan=False)


def assert_close_m(p: tuple[float, float], q: tuple[float, float], tol_m: float) -> None:
    """Assert that two (lon, lat) points are within tol_m metres."""
    d = haversine_m(p[0], p[1], q[0], q[1])
    assert d < tol_m, f"{p} vs {q}: {d:.6f} m (tolerance {tol_m} m)"


# ---------------------------------------------------------------------------
# Published reference values
# ---------------------------------------------------------------------------

# wandergis/coordtransform README, input (116.404, 39.915).  Same formulas, so
# the forward values must agree to float precision.
COORDTRANSFORM_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_WGS_TO_BD = (116.41662724378733, 39.922699552216216)
# These two come from coordtransform's one-step *approximate* inverses; our
# exact inverses legitimately differ from them by a few 1e-7 degrees (~5 cm).
COORDTRANSFORM_BD_TO_GCJ_APPROX = (116.39762729119315, 39.90865673957631)
COORDTRANSFORM_GCJ_TO_WGS_APPROX = (116.39775550083061, 39.91359571849836)

# googollee/eviltransform test vectors, stored there as (lat, lon); here (lon, lat).
EVILTRANSFORM_WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def test_wgs84_to_gcj02_matches_coordtransform_reference() -> None:
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(COORDTRANSFORM_WGS_TO_GCJ, abs=1e-9)
    # The looser tolerance quoted in the brief, ~1e-4 degrees, holds trivially.
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024, 39.91640), abs=1e-4)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_WGS_GCJ)
def test_wgs84_to_gcj02_matches_eviltransform_vectors(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_WGS_GCJ)
def test_gcj02_to_wgs84_recovers_eviltransform_vectors(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    # eviltransform only requires < 0.5 m for its exact inverse; we do far better.
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-8)
    assert_close_m(gcj02_to_wgs84(*gcj), wgs, 0.005)


def test_bd09_forward_matches_coordtransform_reference() -> None:
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(COORDTRANSFORM_GCJ_TO_BD, abs=1e-9)
    assert wgs84_to_bd09(116.404, 39.915) == pytest.approx(COORDTRANSFORM_WGS_TO_BD, abs=1e-9)


def test_inverses_are_close_to_but_better_than_one_step_approximations() -> None:
    exact_gcj = bd09_to_gcj02(116.404, 39.915)
    exact_wgs = gcj02_to_wgs84(116.404, 39.915)
    # Within ~2e-6 degrees (~20 cm) of the published approximate values ...
    assert exact_gcj == pytest.approx(COORDTRANSFORM_BD_TO_GCJ_APPROX, abs=2e-6)
    assert exact_wgs == pytest.approx(COORDTRANSFORM_GCJ_TO_WGS_APPROX, abs=2e-6)
    # ... but ours map back onto the input, the approximations do not.
    assert_close_m(gcj02_to_bd09(*exact_gcj), (116.404, 39.915), ROUND_TRIP_TOL_M)
    assert_close_m(wgs84_to_gcj02(*exact_wgs), (116.404, 39.915), ROUND_TRIP_TOL_M)
    approx_bd = gcj02_to_bd09(*COORDTRANSFORM_BD_TO_GCJ_APPROX)
    approx_gcj = wgs84_to_gcj02(*COORDTRANSFORM_GCJ_TO_WGS_APPROX)
    assert haversine_m(*approx_bd, 116.404, 39.915) > 0.01
    assert haversine_m(*approx_gcj, 116.404, 39.915) > 0.01


def test_gcj02_shift_has_plausible_magnitude() -> None:
    # The GCJ-02 shift is typically a few hundred metres inside China.
    for lon, lat in [(116.404, 39.915), HAIFENG, (121.4737, 31.2304)]:
        shift = haversine_m(lon, lat, *wgs84_to_gcj02(lon, lat))
        assert 100.0 < shift < 1000.0, (lon, lat, shift)


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("point", CHINA_POINTS)
def test_gcj02_round_trip_on_known_points(point: tuple[float, float]) -> None:
    assert_close_m(gcj02_to_wgs84(*wgs84_to_gcj02(*point)), point, ROUND_TRIP_TOL_M)
    assert_close_m(wgs84_to_gcj02(*gcj02_to_wgs84(*point)), point, ROUND_TRIP_TOL_M)


@pytest.mark.parametrize("point", CHINA_POINTS)
def test_bd09_round_trip_on_known_points(point: tuple[float, float]) -> None:
    assert_close_m(bd09_to_gcj02(*gcj02_to_bd09(*point)), point, ROUND_TRIP_TOL_M)
    assert_close_m(gcj02_to_bd09(*bd09_to_gcj02(*point)), point, ROUND_TRIP_TOL_M)
    assert_close_m(bd09_to_wgs84(*wgs84_to_bd09(*point)), point, ROUND_TRIP_TOL_M)
    assert_close_m(wgs84_to_bd09(*bd09_to_wgs84(*point)), point, ROUND_TRIP_TOL_M)


def test_round_trip_near_haifeng_dense_grid() -> None:
    lons = np.linspace(HAIFENG[0] - 0.05, HAIFENG[0] + 0.05, 21)
    lats = np.linspace(HAIFENG[1] - 0.05, HAIFENG[1] + 0.05, 21)
    for lon in lons:
        for lat in lats:
            p = (float(lon), float(lat))
            assert_close_m(gcj02_to_wgs84(*wgs84_to_gcj02(*p)), p, ROUND_TRIP_TOL_M)
            assert_close_m(bd09_to_wgs84(*wgs84_to_bd09(*p)), p, ROUND_TRIP_TOL_M)


@settings(max_examples=400, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trip_property(lon: float, lat: float) -> None:
    assert_close_m(gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), (lon, lat), ROUND_TRIP_TOL_M)
    assert_close_m(wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat)), (lon, lat), ROUND_TRIP_TOL_M)


@settings(max_examples=400, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trip_property(lon: float, lat: float) -> None:
    assert_close_m(bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), (lon, lat), ROUND_TRIP_TOL_M)
    assert_close_m(bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), (lon, lat), ROUND_TRIP_TOL_M)
    assert_close_m(wgs84_to_bd09(*bd09_to_wgs84(lon, lat)), (lon, lat), ROUND_TRIP_TOL_M)


def test_round_trip_tolerance_rejects_naive_inverse() -> None:
    # Sanity check that the round-trip tolerance has teeth: the popular
    # one-step inverse (2*g - f(g)) misses by more than ROUND_TRIP_TOL_M.
    worst = 0.0
    for lon, lat in CHINA_POINTS:
        glon, glat = wgs84_to_gcj02(lon, lat)
        flon, flat = wgs84_to_gcj02(glon, glat)
        worst = max(worst, haversine_m(2 * glon - flon, 2 * glat - flat, lon, lat))
    assert worst > ROUND_TRIP_TOL_M


# ---------------------------------------------------------------------------
# Outside China
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("point", OUTSIDE_CHINA_POINTS)
def test_gcj02_is_identity_outside_china(point: tuple[float, float]) -> None:
    assert not is_in_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
    # BD-09 is applied everywhere (as in coordtransform), on top of GCJ-02.
    assert wgs84_to_bd09(*point) == gcj02_to_bd09(*point)
    assert_close_m(bd09_to_wgs84(*wgs84_to_bd09(*point)), point, ROUND_TRIP_TOL_M)


def test_china_box_edges_are_inclusive() -> None:
    assert is_in_china(72.004, 30.0)
    assert is_in_china(137.8347, 30.0)
    assert is_in_china(100.0, 0.8293)
    assert is_in_china(100.0, 55.8271)
    assert not is_in_china(72.0039, 30.0)
    assert not is_in_china(137.8348, 30.0)
    assert wgs84_to_gcj02(72.0039, 30.0) == (72.0039, 30.0)
    assert wgs84_to_gcj02(72.004, 30.0) != (72.004, 30.0)


def test_nan_passes_through_gcj02() -> None:
    lon, lat = wgs84_to_gcj02(float("nan"), 30.0)
    assert math.isnan(lon) and lat == 30.0
    lon, lat = gcj02_to_wgs84(float("nan"), float("nan"))
    assert math.isnan(lon) and math.isnan(lat)


# ---------------------------------------------------------------------------
# CRS dispatch
# ---------------------------------------------------------------------------


def test_crs_codes() -> None:
    assert CRS_CODES == ("wgs84", "gcj02", "bd09")


@pytest.mark.parametrize("point", [(116.404, 39.915), HAIFENG, (139.6917, 35.6895)])
def test_dispatch_matches_direct_functions(point: tuple[float, float]) -> None:
    assert to_wgs84(*point, "wgs84") == point
    assert from_wgs84(*point, "wgs84") == point
    assert to_wgs84(*point, "gcj02") == gcj02_to_wgs84(*point)
    assert from_wgs84(*point, "gcj02") == wgs84_to_gcj02(*point)
    assert to_wgs84(*point, "bd09") == bd09_to_wgs84(*point)
    assert from_wgs84(*point, "bd09") == wgs84_to_bd09(*point)


@pytest.mark.parametrize("crs", CRS_CODES)
def test_dispatch_round_trip(crs: str) -> None:
    p = HAIFENG
    assert_close_m(to_wgs84(*from_wgs84(*p, crs), crs), p, ROUND_TRIP_TOL_M)


@pytest.mark.parametrize("bad", ["epsg3857", "WGS84", "", None, 4326])
def test_unknown_crs_raises_value_error_naming_crs_and_allowed(bad: object) -> None:
    callers = [
        lambda: to_wgs84(116.0, 39.0, bad),  # type: ignore[arg-type]
        lambda: from_wgs84(116.0, 39.0, bad),  # type: ignore[arg-type]
        lambda: geometry_from_wgs84(Point(116.0, 39.0), bad),  # type: ignore[arg-type]
    ]
    for call in callers:
        with pytest.raises(ValueError) as excinfo:
            call()
        message = str(excinfo.value)
        assert repr(bad) in message
        for code in CRS_CODES:
            assert code in message


# ---------------------------------------------------------------------------
# Vectorised versions
# ---------------------------------------------------------------------------

ARRAY_FUNCTIONS = [wgs84_to_gcj02_array, gcj02_to_wgs84_array, gcj02_to_bd09_array, bd09_to_gcj02_array,
                   wgs84_to_bd09_array, bd09_to_wgs84_array]
FUNCTION_IDS = [fn.__name__ for fn in ARRAY_FUNCTIONS]


@pytest.mark.parametrize("array_fn", ARRAY_FUNCTIONS, ids=FUNCTION_IDS)
def test_array_functions_convert_each_point_alone_as_in_a_batch(array_fn) -> None:
    points = CHINA_POINTS + OUTSIDE_CHINA_POINTS
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    out_lon, out_lat = array_fn(lons, lats)
    assert out_lon.shape == lons.shape and out_lat.shape == lats.shape
    one_by_one = np.array([_one_point(array_fn)(*p) for p in points])
    np.testing.assert_allclose(out_lon, one_by_one[:, 0], rtol=0, atol=ARRAY_VS_SCALAR_TOL_DEG)
    np.testing.assert_allclose(out_lat, one_by_one[:, 1], rtol=0, atol=ARRAY_VS_SCALAR_TOL_DEG)
    # Inputs must not be modified in place.
    assert lons.tolist() == [p[0] for p in points]


def test_array_functions_broadcast_and_keep_shape() -> None:
    lons = np.array([[116.404, 115.325], [121.4737, 139.6917]])
    out_lon, out_lat = gcj02_to_wgs84_array(lons, 30.0)
    assert out_lon.shape == (2, 2) and out_lat.shape == (2, 2)
    assert out_lon[1, 0] == pytest.approx(gcj02_to_wgs84(121.4737, 30.0)[0], abs=1e-11)
    assert out_lat[0, 1] == pytest.approx(gcj02_to_wgs84(115.325, 30.0)[1], abs=1e-11)
    assert out_lon[1, 1] == 139.6917  # outside China: unchanged
    lon0, lat0 = wgs84_to_gcj02_array(116.404, 39.915)
    assert (float(lon0), float(lat0)) == pytest.approx(COORDTRANSFORM_WGS_TO_GCJ, abs=1e-9)


def test_array_functions_pass_nan_through() -> None:
    out_lon, out_lat = gcj02_to_wgs84_array([np.nan, 116.404], [30.0, 39.915])
    assert math.isnan(out_lon[0]) and out_lat[0] == 30.0
    assert (out_lon[1], out_lat[1]) == pytest.approx(gcj02_to_wgs84(116.404, 39.915), abs=1e-11)
    out_lon, out_lat = bd09_to_wgs84_array([np.nan, 116.404], [30.0, 39.915])
    assert math.isnan(out_lon[0])
    assert (out_lon[1], out_lat[1]) == pytest.approx(bd09_to_wgs84(116.404, 39.915), abs=1e-11)


# ---------------------------------------------------------------------------
# Geometries
# ---------------------------------------------------------------------------

POLYGON_WITH_HOLES = Polygon(
    [(115.30, 22.95), (115.36, 22.95), (115.36, 23.00), (115.30, 23.00)],
    holes=[
        [(115.31, 22.96), (115.32, 22.96), (115.32, 22.97), (115.31, 22.97)],
        [(115.34, 22.98), (115.35, 22.98), (115.35, 22.99)],
    ],
)
MULTIPOLYGON = MultiPolygon(
    [
        POLYGON_WITH_HOLES,
        Polygon([(116.40, 39.91), (116.41, 39.91), (116.41, 39.92), (116.40, 39.92)]),
    ]
)
GEOMETRIES = [
    Point(116.404, 39.915),
    LineString([(115.325, 22.966), (116.404, 39.915), (121.4737, 31.2304), (139.69, 35.69)]),
    POLYGON_WITH_HOLES,
    MULTIPOLYGON,
]
GEOM_IDS = ["Point", "LineString", "PolygonWithHoles", "MultiPolygon"]


def _structure(geom):
    """Return a nested description of a geometry's parts, rings and vertex counts."""
    if isinstance(geom, MultiPolygon):
        return ("MultiPolygon", [_structure(p) for p in geom.geoms])
    if isinstance(geom, Polygon):
        return (
            "Polygon",
            len(geom.exterior.coords),
            [len(ring.coords) for ring in geom.interiors],
        )
    return (geom.geom_type, len(geom.coords))


def _expected_coords(geom, fn) -> np.ndarray:
    """Apply a one-point function to the geometry's flattened coordinates."""
    return np.array([fn(float(x), float(y)) for x, y in shapely.get_coordinates(geom)])


@pytest.mark.parametrize("geom", GEOMETRIES, ids=GEOM_IDS)
@pytest.mark.parametrize("array_fn", ARRAY_FUNCTIONS, ids=FUNCTION_IDS)
def test_transform_geometry_moves_each_vertex_like_the_point_conversion(geom, array_fn) -> None:
    scalar_fn = _one_point(array_fn)
    out = transform_geometry(geom, array_fn)
    assert out is not geom
    assert out.geom_type == geom.geom_type
    assert _structure(out) == _structure(geom)
    np.testing.assert_allclose(
        shapely.get_coordinates(out),
        _expected_coords(geom, scalar_fn),
        rtol=0,
        atol=ARRAY_VS_SCALAR_TOL_DEG,
    )
    if array_fn in (wgs84_to_gcj02_array, wgs84_to_bd09_array, gcj02_to_bd09_array):
        # Every vertex actually moved (all test vertices are in China or BD-09 applies).
        moved = np.abs(shapely.get_coordinates(out) - shapely.get_coordinates(geom))
        assert (moved.max(axis=1)[:3] > 1e-4).all()


@pytest.mark.parametrize("geom", GEOMETRIES, ids=GEOM_IDS)
def test_transform_geometry_with_an_arbitrary_function(geom) -> None:
    def shift(lons, lats):
        return lons + 1.0, lats * 0.5

    out = transform_geometry(geom, shift)
    assert _structure(out) == _structure(geom)
    expected = shapely.get_coordinates(geom) * [1.0, 0.5] + [1.0, 0.0]
    np.testing.assert_array_equal(shapely.get_coordinates(out), expected)


def test_transform_geometry_preserves_polygon_validity_and_holes() -> None:
    out = transform_geometry(POLYGON_WITH_HOLES, wgs84_to_gcj02_array)
    assert out.is_valid
    assert len(out.interiors) == 2
    # GCJ-02 has short-wavelength sine terms (period 1/3 degree) whose gradient
    # reaches a few 1e-3, so small-polygon areas change by up to ~0.5%.
    assert out.area == pytest.approx(POLYGON_WITH_HOLES.area, rel=1e-2)
    assert out.area != POLYGON_WITH_HOLES.area


def test_transform_geometry_keeps_z() -> None:
    line = LineString([(116.404, 39.915, 50.0), (115.325, 22.966, 7.5)])
    out = transform_geometry(line, wgs84_to_gcj02_array)
    assert out.has_z
    coords_out = np.array(out.coords)
    assert coords_out[:, 2].tolist() == [50.0, 7.5]
    assert tuple(coords_out[0, :2]) == pytest.approx(wgs84_to_gcj02(116.404, 39.915), abs=1e-11)


def test_transform_geometry_handles_empty_and_rejects_non_geometry() -> None:
    assert transform_geometry(Polygon(), wgs84_to_gcj02_array).is_empty
    with pytest.raises(TypeError):
        transform_geometry((116.0, 39.0), wgs84_to_gcj02_array)  # type: ignore[arg-type]


@pytest.mark.parametrize("geom", GEOMETRIES, ids=GEOM_IDS)
@pytest.mark.parametrize("crs", CRS_CODES)
def test_geometry_crs_helpers(geom, crs: str) -> None:
    there = geometry_from_wgs84(geom, crs)
    back = transform_geometry(there, TO_WGS84_ARRAY[crs])
    assert _structure(there) == _structure(geom) == _structure(back)
    np.testing.assert_allclose(
        shapely.get_coordinates(there),
        _expected_coords(geom, lambda lon, lat: from_wgs84(lon, lat, crs)),
        rtol=0,
        atol=ARRAY_VS_SCALAR_TOL_DEG,
    )
    for (x0, y0), (x1, y1) in zip(shapely.get_coordinates(geom), shapely.get_coordinates(back), strict=True):
        assert haversine_m(x0, y0, x1, y1) < ROUND_TRIP_TOL_M


# ---------------------------------------------------------------------------
# haversine_m (the tests' ruler)
# ---------------------------------------------------------------------------


def test_haversine_known_distances() -> None:
    # One degree of latitude on the mean-radius sphere.
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(
        math.pi * EARTH_RADIUS_M / 180.0, rel=1e-12
    )
    # Quarter of the equator.
    assert haversine_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_M / 2.0, rel=1e-12)
    # Beijing - Shanghai (eviltransform GCJ points): ~1078 km.
    assert haversine_m(121.531541859215, 31.17530398364597, 116.38404722455657, 39.91334545536069) == (
        pytest.approx(1078164.0, abs=2000.0)
    )
    assert haversine_m(116.404, 39.915, 116.404, 39.915) == 0.0
    # Symmetric and resolves millimetres.
    d = haversine_m(115.325, 22.966, 115.325 + 1e-8, 22.966)
    assert d == pytest.approx(haversine_m(115.325 + 1e-8, 22.966, 115.325, 22.966))
    assert 0.0009 < d < 0.0011
