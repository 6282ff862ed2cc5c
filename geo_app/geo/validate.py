"""Input limits for coordinates and query parameters, refused at the edge with a named field."""

import math

from ..errors import ValidationError
from .bounds import CHINA

CRS_CHOICES = ("wgs84", "gcj02", "bd09")


def parse_float(value, field):
    """Return value as a finite float, or refuse naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{field} is required", field=field)
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a number, got a boolean", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"{field} must be a number, got {str(value)[:40]!r}", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"{field} must be a finite number, got {str(value)[:40]!r}", field=field)
    return number


def parse_crs(value):
    """Return a known coordinate system code (default wgs84), or refuse."""
    if value is None or value == "":
        return "wgs84"
    crs = str(value).strip().lower().replace("-", "")
    if crs not in CRS_CHOICES:
        raise ValidationError(
            f"crs must be one of {', '.join(CRS_CHOICES)}, got {str(value)[:40]!r}", field="crs"
        )
    return crs


def parse_point(lat, lon, lat_field="lat", lon_field="lon"):
    """Return (lon, lat) checked to be finite, in range and inside China."""
    lat_v = parse_float(lat, lat_field)
    lon_v = parse_float(lon, lon_field)
    if not in_china(lon_v, lat_v) and in_china(lat_v, lon_v):
        raise ValidationError(
            f"the point ({lat_field}={lat_v}, {lon_field}={lon_v}) is outside China; "
            f"{lat_field} and {lon_field} look swapped",
            field=lat_field,
        )
    if not -90 <= lat_v <= 90:
        raise ValidationError(f"{lat_field} must be between -90 and 90, got {lat_v}", field=lat_field)
    if not -180 <= lon_v <= 180:
        raise ValidationError(f"{lon_field} must be between -180 and 180, got {lon_v}", field=lon_field)
    if not in_china(lon_v, lat_v):
        raise ValidationError(
            f"the point ({lat_field}={lat_v}, {lon_field}={lon_v}) is outside China", field=lat_field
        )
    return lon_v, lat_v


def in_china(lon, lat):
    """Tell whether a WGS-84 point lies in the rough bounding box of China."""
    return CHINA.contains(lon, lat)


def parse_bbox(value, field="bbox"):
    """Return (minlon, minlat, maxlon, maxlat) from 'a,b,c,d', or refuse."""
    parts = str(value).split(",")
    if len(parts) != 4:
        raise ValidationError(f"{field} must be minlon,minlat,maxlon,maxlat", field=field)
    minlon, minlat, maxlon, maxlat = (parse_float(p, field) for p in parts)
    if not (-180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90):
        raise ValidationError(f"{field} must have min < max within lon -180..180 and lat -90..90", field=field)
    return minlon, minlat, maxlon, maxlat


def parse_int(value, field, *, default, minimum=0, maximum=None):
    """Return an integer parameter within bounds, or refuse."""
    if value is None or value == "":
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise ValidationError(f"{field} must be an integer, got {str(value)[:40]!r}", field=field) from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ValidationError(f"{field} must be {bound}, got {number}", field=field)
    return number


def parse_choice(value, field, choices, *, required=False):
    """Return value if it is one of choices (or None when optional and absent)."""
    if value is None or value == "":
        if required:
            raise ValidationError(f"{field} is required (one of {', '.join(choices)})", field=field)
        return None
    if value not in choices:
        raise ValidationError(f"{field} must be one of {', '.join(choices)}, got {str(value)[:40]!r}", field=field)
    return value
