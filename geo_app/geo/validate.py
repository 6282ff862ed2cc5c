"""Input limits for coordinates, refused at the edge with a named field and a Chinese message."""

import math

from ..errors import ValidationError
from .bounds import CHINA

CRS_CHOICES = ("wgs84", "gcj02", "bd09")


def parse_float(value, field):
    """Return value as a finite float, or refuse naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"缺少 {field} ({field} is required)", field=field)
    if isinstance(value, bool):
        raise ValidationError(f"{field} 必须是数字 ({field} must be a number, got a boolean)", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"{field} 必须是数字 ({field} must be a number, got {str(value)[:40]!r})",
                              field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"{field} 必须是有限的数字 ({field} must be a finite number, got {str(value)[:40]!r})",
                              field=field)
    return number


def parse_point(lat, lon, lat_field="lat", lon_field="lon"):
    """Return (lon, lat) checked to be finite, in range and inside China."""
    lat_v = parse_float(lat, lat_field)
    lon_v = parse_float(lon, lon_field)
    where = f"({lat_field}={lat_v}, {lon_field}={lon_v})"
    if not in_china(lon_v, lat_v) and in_china(lat_v, lon_v):
        raise ValidationError(f"位置 {where} 不在中国境内，{lat_field} 与 {lon_field} 似乎填反了 "
                              f"(the point is outside China; {lat_field} and {lon_field} look swapped)", field=lat_field)
    if not -90 <= lat_v <= 90:
        raise ValidationError(f"{lat_field} 必须在 -90 到 90 之间 ({lat_field} must be between -90 and 90, got {lat_v})",
                              field=lat_field)
    if not -180 <= lon_v <= 180:
        raise ValidationError(f"{lon_field} 必须在 -180 到 180 之间 "
                              f"({lon_field} must be between -180 and 180, got {lon_v})", field=lon_field)
    if not in_china(lon_v, lat_v):
        raise ValidationError(f"位置 {where} 不在中国境内 (the point is outside China)", field=lat_field)
    return lon_v, lat_v


def in_china(lon, lat):
    """Tell whether a WGS-84 point lies in the rough bounding box of China."""
    return CHINA.contains(lon, lat)


def parse_bbox(value, field="bbox"):
    """Return (minlon, minlat, maxlon, maxlat) from 'a,b,c,d', or refuse."""
    parts = str(value).split(",")
    if len(parts) != 4:
        raise ValidationError(f"{field} 的格式应为 最小经度,最小纬度,最大经度,最大纬度 "
                              f"({field} must be minlon,minlat,maxlon,maxlat)", field=field)
    minlon, minlat, maxlon, maxlat = (parse_float(p, field) for p in parts)
    if not (-180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90):
        raise ValidationError(f"{field} 的最小值须小于最大值，经度在 -180 到 180、纬度在 -90 到 90 之间 "
                              f"({field} must have min < max within lon -180..180 and lat -90..90)", field=field)
    return minlon, minlat, maxlon, maxlat
