"""The HTML pages: the cadre dashboard (/map), the public red education map (/sites), case tracking."""

from . import views, workbench  # noqa: F401  (register the views on bp)
from .blueprint import bp

__all__ = ["bp"]
