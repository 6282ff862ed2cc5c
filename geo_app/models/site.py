"""Red education and service sites (红色阵地) and their activities."""

from datetime import date

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CommunityScopedMixin, TimestampMixin, check_in, check_wgs84

SITE_KIND_LABELS = {
    "memorial": "纪念馆", "former_residence": "故居", "education_base": "红色教育基地",
    "culture_street": "红色文化街", "service_center": "党群服务中心", "mediation_room": "调解室",
    "rider_home": "骑手之家", "love_supermarket": "爱心超市", "women_home": "妇女之家",
}
SITE_KINDS = tuple(SITE_KIND_LABELS)


class Site(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint(check_in("kind", SITE_KINDS), name="kind"),
        CheckConstraint(check_wgs84("geom"), name="geom_wgs84"),
        UniqueConstraint("community_id", "code", name="uq_site_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    story: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    contact: Mapped[str | None] = mapped_column(String(100))
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False)

    activities = relationship("SiteActivity", back_populates="site", order_by="SiteActivity.date")


class SiteActivity(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "site_activity"
    __table_args__ = (
        CheckConstraint("attendees >= 0", name="attendees"),
        UniqueConstraint("site_id", "date", "title", name="uq_site_activity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int] = mapped_column(Integer, default=0)

    site = relationship(Site, back_populates="activities")
