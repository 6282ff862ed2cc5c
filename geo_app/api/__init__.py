"""The JSON/GeoJSON API at /api/v1: parse the request, call a service, shape the answer."""

from . import cases, lookup, notifications, openapi, photos, points, search, workbench  # noqa: F401  (register the views on bp)
from .blueprint import bp

__all__ = ["bp"]
