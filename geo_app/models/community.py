"""A 社区: the unit of governance; every other row belongs to one."""

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import TimestampMixin, check_wgs84


class Community(TimestampMixin, db.Model):
    __tablename__ = "community"
    __table_args__ = (CheckConstraint(check_wgs84("boundary"), name="boundary_wgs84"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(200))
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
