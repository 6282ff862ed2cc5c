"""Responsibility units: street, lane, shop, building and grid polygons."""

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CommunityScopedMixin, TimestampMixin, check_in, check_wgs84

UNIT_KIND_LABELS = {"street": "街/路", "lane": "巷", "shop": "店", "building": "楼栋", "grid": "网格"}
UNIT_KINDS = tuple(UNIT_KIND_LABELS)
# Most specific first: the order in which a lookup chain is walked.
UNIT_KIND_RANK = {"building": 0, "shop": 1, "lane": 2, "street": 3, "grid": 4}


class Unit(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(check_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint(check_wgs84("geom"), name="geom_wgs84"),
        UniqueConstraint("community_id", "kind", "natural_key", name="uq_unit_natural_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    natural_key: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    source_file: Mapped[str | None] = mapped_column(String(400))
    source_feature: Mapped[int | None] = mapped_column(Integer)

    parent = relationship("Unit", remote_side=[id])
