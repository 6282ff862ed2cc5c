"""Open311 GeoReport v2 at /open311/v2: parse the request, call services.open311, answer in JSON or XML."""

from . import views  # noqa: F401  (register the views on bp)
from .blueprint import bp

__all__ = ["bp"]
