"""Columns every table shares."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, func
from sqlalchemy.orm import Mapped, mapped_column


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class CommunityScopedMixin:
    community_id: Mapped[int] = mapped_column(Integer, ForeignKey("community.id", ondelete="CASCADE"), index=True)


def check_in(column, values):
    """Return the SQL of a CHECK that column is one of values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def check_wgs84(column):
    """Return the SQL of a CHECK that a geometry column lies within WGS-84 longitudes and latitudes."""
    return (f"ST_XMin({column}) >= -180 AND ST_XMax({column}) <= 180 "
            f"AND ST_YMin({column}) >= -90 AND ST_YMax({column}) <= 90")
