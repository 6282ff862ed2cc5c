"""OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0) at /ogc, over services/features.py and the API's scopes."""

from . import openapi, views  # noqa: F401  (register the views on bp)
from .blueprint import bp

__all__ = ["bp"]
