"""Convert coordinates between WGS-84, GCJ-02 and BD-09 (framework-free).

Conventions:

* Every function takes and returns ``(lon, lat)`` in degrees (x first, like
  shapely/GeoJSON), never ``(lat, lon)``.
* GCJ-02 is the standard public re-implementation of the Chinese "Mars"
  obfuscation on the Krasovsky ellipsoid.  It is the identity outside the
  usual rough China bounding box (72.004-137.8347 E, 0.8293-55.8271 N).
* BD-09 is Baidu's extra shift applied on top of GCJ-02.  Like the common
  reference implementations (coordtransform, eviltransform) it is applied
  everywhere, without a bounding-box check.
* The inverses ``gcj02_to_wgs84_array`` and ``bd09_to_gcj02_array`` are iterative exact
  inverses of the forward transforms (residual < 1e-9 degrees, i.e. well
  under a millimetre) rather than the usual one-step approximations, which
  can be off by metres.
* Non-finite input (NaN/inf) is passed through unchanged by the GCJ-02
  transforms and propagates as NaN through the BD-09 ones.

The conversions are numpy-vectorised (``*_array``); ``to_wgs84``/``from_wgs84`` apply them to
one point, ``geometry_from_wgs84`` to every vertex of a geometry.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from .bounds import CHINA

logger = logging.getLogger(__name__)

CRS_CODES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

Coord = tuple[float, float]
FloatArray = NDArray[np.float64]
ArrayPair = tuple[FloatArray, FloatArray]
ArrayFn = Callable[[ArrayLike, ArrayLike], ArrayPair]

# Krasovsky 1940 ellipsoid used by GCJ-02.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

# Baidu's BD-09 constants.
X_PI = math.pi * 3000.0 / 180.0
BD_LON_OFFSET = 0.0065
BD_LAT_OFFSET = 0.006

# Rough China bounding box used by every public GCJ-02 implementation.
CHINA_MIN_LON, CHINA_MIN_LAT, CHINA_MAX_LON, CHINA_MAX_LAT = CHINA

INVERSE_TOLERANCE_DEG = 1e-9
INVERSE_MAX_ITERATIONS = 30


# ---------------------------------------------------------------------------
# Vectorised (numpy) implementation
# ---------------------------------------------------------------------------


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Broadcast inputs to two float64 arrays of the same shape."""
    lon_arr, lat_arr = np.broadcast_arrays(
        np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
    )
    return lon_arr.copy(), lat_arr.copy()


def is_in_china_array(lons: ArrayLike, lats: ArrayLike) -> NDArray[np.bool_]:
    """Return a boolean mask of points inside the rough GCJ-02 bounding box."""
    lon_arr, lat_arr = _as_arrays(lons, lats)
    return (
        (lon_arr >= CHINA_MIN_LON)
        & (lon_arr <= CHINA_MAX_LON)
        & (lat_arr >= CHINA_MIN_LAT)
        & (lat_arr <= CHINA_MAX_LAT)
    )


def _gcj02_offset_array(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    """Return the raw GCJ-02 (dlon, dlat) shift arrays, ignoring the bounding box."""
    pi = np.pi
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0

    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat = dlat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0

    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon = dlon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * pi)
    return dlon, dlat


def wgs84_to_gcj02_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Convert WGS-84 coordinate arrays to GCJ-02 (identity outside China)."""
    lon_arr, lat_arr = _as_arrays(lons, lats)
    inside = is_in_china_array(lon_arr, lat_arr)
    if inside.any():
        dlon, dlat = _gcj02_offset_array(lon_arr[inside], lat_arr[inside])
        lon_arr[inside] += dlon
        lat_arr[inside] += dlat
    return lon_arr, lat_arr


def _iterate_inverse(
    forward: Callable[[FloatArray, FloatArray], ArrayPair],
    target_lon: FloatArray,
    target_lat: FloatArray,
    start_lon: FloatArray,
    start_lat: FloatArray,
    name: str,
) -> ArrayPair:
    """Solve forward(p) == target by fixed-point iteration on the not-yet-converged points."""
    # np.array, not .copy(): the start of a single point is a numpy scalar, whose .flat writes go nowhere.
    lon_arr, lat_arr = np.array(start_lon, dtype=np.float64), np.array(start_lat, dtype=np.float64)
    active = np.isfinite(lon_arr) & np.isfinite(lat_arr)
    for _ in range(INVERSE_MAX_ITERATIONS):
        if not active.any():
            return lon_arr, lat_arr
        idx = np.flatnonzero(active)
        flon, flat = forward(lon_arr.flat[idx], lat_arr.flat[idx])
        err_lon = flon - target_lon.flat[idx]
        err_lat = flat - target_lat.flat[idx]
        done = (np.abs(err_lon) < INVERSE_TOLERANCE_DEG) & (np.abs(err_lat) < INVERSE_TOLERANCE_DEG)
        pending = ~done
        pending_idx = idx[pending]
        lon_arr.flat[pending_idx] -= err_lon[pending]
        lat_arr.flat[pending_idx] -= err_lat[pending]
        active.flat[idx[done]] = False
    if active.any():
        logger.warning("%s did not converge for %d point(s)", name, int(active.sum()))
    return lon_arr, lat_arr


def _gcj02_raw_forward_array(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    """Apply the GCJ-02 shift without the bounding-box check."""
    dlon, dlat = _gcj02_offset_array(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Convert GCJ-02 coordinate arrays to WGS-84 by iterative exact inversion."""
    lon_arr, lat_arr = _as_arrays(lons, lats)
    inside = is_in_china_array(lon_arr, lat_arr)
    if inside.any():
        tlon, tlat = lon_arr[inside], lat_arr[inside]
        wlon, wlat = _iterate_inverse(
            _gcj02_raw_forward_array, tlon, tlat, tlon, tlat, "gcj02_to_wgs84_array"
        )
        lon_arr[inside] = wlon
        lat_arr[inside] = wlat
    return lon_arr, lat_arr


def _gcj02_to_bd09_raw(lon: FloatArray, lat: FloatArray) -> ArrayPair:
    """Apply Baidu's forward formula to float64 arrays."""
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    return z * np.cos(theta) + BD_LON_OFFSET, z * np.sin(theta) + BD_LAT_OFFSET


def gcj02_to_bd09_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Convert GCJ-02 coordinate arrays to BD-09."""
    return _gcj02_to_bd09_raw(*_as_arrays(lons, lats))


def bd09_to_gcj02_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Convert BD-09 coordinate arrays to GCJ-02 by iterative exact inversion."""
    lon_arr, lat_arr = _as_arrays(lons, lats)
    x = lon_arr - BD_LON_OFFSET
    y = lat_arr - BD_LAT_OFFSET
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    start_lon, start_lat = z * np.cos(theta), z * np.sin(theta)
    return _iterate_inverse(_gcj02_to_bd09_raw, lon_arr, lat_arr, start_lon, start_lat, "bd09_to_gcj02_array")


def wgs84_to_bd09_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Convert WGS-84 coordinate arrays to BD-09."""
    return gcj02_to_bd09_array(*wgs84_to_gcj02_array(lons, lats))


def bd09_to_wgs84_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Convert BD-09 coordinate arrays to WGS-84."""
    return gcj02_to_wgs84_array(*bd09_to_gcj02_array(lons, lats))


def _identity_array(lons: ArrayLike, lats: ArrayLike) -> ArrayPair:
    """Return the coordinate arrays unchanged as float64 copies."""
    return _as_arrays(lons, lats)


# ---------------------------------------------------------------------------
# Dispatch on CRS code
# ---------------------------------------------------------------------------

_TO_WGS84_ARRAY: dict[str, ArrayFn] = {
    "wgs84": _identity_array,
    "gcj02": gcj02_to_wgs84_array,
    "bd09": bd09_to_wgs84_array,
}
_FROM_WGS84_ARRAY: dict[str, ArrayFn] = {
    "wgs84": _identity_array,
    "gcj02": wgs84_to_gcj02_array,
    "bd09": wgs84_to_bd09_array,
}


def _check_crs(crs: object) -> str:
    """Return crs if it is a known CRS code, else raise ValueError."""
    if not isinstance(crs, str) or crs not in CRS_CODES:
        raise ValueError(f"Unknown CRS {crs!r}; expected one of: {', '.join(CRS_CODES)}")
    return crs


def _one_point(fn: ArrayFn, lon: float, lat: float) -> Coord:
    lons, lats = fn(lon, lat)
    return float(lons), float(lats)


def to_wgs84(lon: float, lat: float, crs: str) -> Coord:
    """Convert a point in the given CRS to WGS-84."""
    return _one_point(_TO_WGS84_ARRAY[_check_crs(crs)], lon, lat)


def from_wgs84(lon: float, lat: float, crs: str) -> Coord:
    """Convert a WGS-84 point to the given CRS."""
    return _one_point(_FROM_WGS84_ARRAY[_check_crs(crs)], lon, lat)


# ---------------------------------------------------------------------------
# Geometries
# ---------------------------------------------------------------------------


def transform_geometry(geom: BaseGeometry, fn: ArrayFn) -> BaseGeometry:
    """Return a new geometry with fn, mapping (lons, lats) arrays, applied to its vertices; Z values are kept."""
    if not isinstance(geom, BaseGeometry):
        raise TypeError(f"Expected a shapely geometry, got {type(geom).__name__}")

    def apply(coords: FloatArray) -> FloatArray:
        out = np.array(coords, dtype=np.float64, copy=True)
        if out.shape[0]:
            out[:, 0], out[:, 1] = fn(out[:, 0], out[:, 1])
        return out

    return shapely.transform(geom, apply, include_z=bool(shapely.has_z(geom)))


def geometry_from_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """Convert a WGS-84 geometry to the given CRS."""
    return transform_geometry(geom, _FROM_WGS84_ARRAY[_check_crs(crs)])
