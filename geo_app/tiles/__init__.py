"""Vector tiles at /tiles: Mapbox Vector Tiles (ST_AsMVT) of the feature collections and a TileJSON per layer."""

from . import views  # noqa: F401  (register the views on bp)
from .blueprint import bp

__all__ = ["bp"]
