"""The HTML pages: the cadre dashboard (/map), the public red education map (/sites), case tracking."""

from . import chrome, reports, views, workbench  # noqa: F401  (register the views and context on bp)
from .blueprint import bp

__all__ = ["bp"]
