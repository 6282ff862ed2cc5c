"""Feature collections for OGC API – Features: what each collection is, who may read it, and its pages.

Framework-free: the ogc blueprint parses the request and builds the links; this module decides who reads
what (through access.scope_for, the one staff scope) and composes the Core selects. Units are read by
services/units.py, so a staff reader gets exactly the API's units (people's phones masked) and the public
their names and kinds only; cases are staff only and carry no reporter data; heat cells are the public
slices of services/public_heat.py.
"""

import json
import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from ..errors import NotFoundError, ValidationError
from ..models import CATEGORIES, CHANNELS, SITE_KIND_LABELS, STATUSES, UNIT_KIND_LABELS, URGENCIES, Site
from .access import Scope, scope_for
from .feature_heat import heat_feature, heat_page
from .privacy import mask_phones_in
from .queries import CASES, COMMUNITIES, case_conditions, community_id_of, envelope
from .units import UNITS, unit_page

logger = logging.getLogger(__name__)

SITES = Site.__table__
PUBLIC_UNITS_NOTE = "公众只能看到名称和类型；登录的社区工作人员还能看到地址和责任人（电话隐去中间四位）。"


@dataclass(frozen=True)
class Collection:
    """One feature collection: its id, Chinese title and description, what it reads and who may."""

    id: str
    title: str
    description: str
    source: str  # unit, site, case or heat
    unit_kind: str | None = None
    staff_only: bool = False
    temporal: bool = False


def _unit_collection(collection_id, kind, what):
    label = UNIT_KIND_LABELS[kind]
    return Collection(collection_id, f"{label}责任区", f"{what}（面）。{PUBLIC_UNITS_NOTE}", "unit", unit_kind=kind)


COLLECTIONS = {c.id: c for c in (
    _unit_collection("streets", "street", "各社区的街、路责任区，由街（路）长负责"),
    _unit_collection("lanes", "lane", "各社区的巷责任区，由巷长负责"),
    _unit_collection("shops", "shop", "各社区的店铺责任区，由店长负责"),
    _unit_collection("buildings", "building", "各社区的楼栋，由楼栋长负责"),
    _unit_collection("grids", "grid", "各社区的网格，由网格员负责"),
    Collection("sites", "红色阵地", "红色教育基地、现场教学点和党群服务阵地（公开）。", "site"),
    Collection("cases", "民情", "本社区居民反映的民情诉求的位置（点），含类别、渠道、状态和受理时间，不含反映人信息。"
               "仅限登录的社区工作人员，按本人管辖范围（社区；四长只看本人的民情）提供；可按受理时间（datetime）筛选。",
               "case", staff_only=True, temporal=True),
    Collection("heat", "民情热力（公开）", "最近 12 个完整月非敏感民情按网格计数（面）；件数少于公开门槛的网格不显示，"
               "敏感渠道和类别从不计入（公开）。", "heat"),
)}


@dataclass(frozen=True)
class Reader:
    """Who reads a collection: staff within a Scope, or the public (scope None), optionally one community."""

    scope: Scope | None
    community: str | None = None

    def where(self, table):
        """Return the conditions limiting a community-scoped table to this reader."""
        if self.scope is not None:
            return [self.scope.where(table)]
        return [table.c.community_id == community_id_of(self.community)] if self.community else []


def collection(collection_id):
    """Return a collection by id, or refuse with a 404 naming it."""
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFoundError(f"没有名为 {str(collection_id)[:40]!r} 的图层，可用：{'、'.join(COLLECTIONS)} "
                            f"(no such collection)", field="collectionId", code="unknown_collection")
    return found


def reader_for(session, viewer, found, community=None):
    """Return the Reader of a collection for this viewer; staff-only collections refuse the public (401) and
    another community (403), like the API."""
    if found.staff_only or viewer.is_staff:
        scope = scope_for(session, viewer, community)
        return Reader(scope)
    return Reader(None, community)


def spatial_extent(session, reader):
    """Return [minlon, minlat, maxlon, maxlat] of the communities the reader sees, or None when there are none."""
    box = session.execute(select(func.ST_XMin(func.ST_Extent(COMMUNITIES.c.boundary)).label("x0"),
                                 func.ST_YMin(func.ST_Extent(COMMUNITIES.c.boundary)).label("y0"),
                                 func.ST_XMax(func.ST_Extent(COMMUNITIES.c.boundary)).label("x1"),
                                 func.ST_YMax(func.ST_Extent(COMMUNITIES.c.boundary)).label("y1"))
                          .where(*_community_rows(reader))).one()
    return None if box.x0 is None else [round(v, 7) for v in box]


def _community_rows(reader):
    if reader.scope is not None and reader.scope.community_id is not None:
        return [COMMUNITIES.c.id == reader.scope.community_id]
    return [COMMUNITIES.c.code == reader.community] if reader.community else []


def temporal_extent(session, found, reader):
    """Return [first, last] received_at (ISO) of the cases the reader sees, or None for a collection without time."""
    if not found.temporal:
        return None
    row = session.execute(select(func.min(CASES.c.received_at), func.max(CASES.c.received_at))
                          .where(*case_conditions(reader.scope.case_filters()))).one()
    return [moment.isoformat() if moment else None for moment in row]


def features_page(session, found, reader, *, bbox=None, interval=None, limit, offset=0, heat_policy=None):
    """Return {"features", "numberMatched", "numberReturned"} of one page of a collection."""
    if interval is not None and not found.temporal:
        raise ValidationError(f"图层 {found.id} 没有时间属性，不接受 datetime；只有民情（cases）可按受理时间筛选 "
                              f"(collection {found.id} has no temporal property)", field="datetime")
    if found.source == "heat":
        bbox = bbox or spatial_extent(session, reader)
        features, total = heat_page(session, heat_policy, bbox, limit, offset) if bbox else ([], 0)
    elif found.source == "unit":
        conditions = [UNITS.c.kind == found.unit_kind, *reader.where(UNITS)]
        if bbox:
            conditions.append(UNITS.c.geom.intersects(envelope(bbox)))
        features, total = unit_page(session, conditions, limit, offset, with_people=reader.scope is not None)
    else:
        query, shape = _SELECTS[found.source](reader, bbox, interval)
        features, total = _page(session, query, shape, limit, offset)
    return {"features": features, "numberMatched": total, "numberReturned": len(features)}


def feature(session, found, reader, feature_id, *, heat_policy=None):
    """Return one feature of a collection by its id, or refuse with a 404."""
    if found.source == "heat":
        hit = heat_feature(session, heat_policy, feature_id)
    elif found.source == "unit":
        number = _int_id(feature_id)
        conditions = [UNITS.c.kind == found.unit_kind, UNITS.c.id == number, *reader.where(UNITS)]
        hit = next(iter(unit_page(session, conditions, 1, 0, with_people=reader.scope is not None)[0]), None)
    else:
        query, shape = _SELECTS[found.source](reader, None, None, feature_id)
        hit = next(iter(_page(session, query, shape, 1, 0)[0]), None)
    if hit is None:
        raise NotFoundError(f"图层 {found.id} 中没有编号为 {str(feature_id)[:40]!r} 的要素 (no such feature)",
                            field="featureId")
    return hit


def _int_id(feature_id):
    return int(feature_id) if str(feature_id).isdigit() and len(str(feature_id)) < 10 else 0


def _page(session, query, shape, limit, offset):
    """Return (features, number matched) of a select() page, counting apart only past the end."""
    rows = session.execute(query.add_columns(func.count().over().label("total")).limit(limit).offset(offset)).all()
    if rows:
        return [shape(r) for r in rows], rows[0].total
    if offset == 0:
        return [], 0
    return [], session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()


def _sites(reader, bbox, interval, feature_id=None):
    conditions = reader.where(SITES)
    if bbox:
        conditions.append(SITES.c.geom.intersects(envelope(bbox)))
    if feature_id is not None:
        conditions.append(SITES.c.id == _int_id(feature_id))
    query = (select(SITES.c.id, SITES.c.code, SITES.c.name, SITES.c.kind, SITES.c.story, SITES.c.opening_hours,
                    SITES.c.address, SITES.c.contact, COMMUNITIES.c.code.label("community"),
                    func.ST_AsGeoJSON(SITES.c.geom, 7).label("geojson"))
             .select_from(SITES.join(COMMUNITIES, COMMUNITIES.c.id == SITES.c.community_id))
             .where(*conditions).order_by(SITES.c.id))

    def shape(r):
        properties = {"id": r.id, "code": r.code, "name": r.name, "kind": r.kind,
                      "kind_label": SITE_KIND_LABELS[r.kind], "story": r.story, "opening_hours": r.opening_hours,
                      "address": r.address, "contact": r.contact, "community": r.community}
        return {"type": "Feature", "id": r.id, "geometry": json.loads(r.geojson), "properties": properties}

    return query, shape


def _cases(reader, bbox, interval, feature_id=None):
    filters = {**reader.scope.case_filters(), "bbox": bbox}
    conditions = case_conditions(filters)
    if interval is not None:
        start, end = interval
        if start is not None:
            conditions.append(CASES.c.received_at >= start)
        if end is not None:
            conditions.append(CASES.c.received_at < end)
    if feature_id is not None:
        conditions.append(CASES.c.code == str(feature_id)[:20])
    query = (select(CASES.c.code, CASES.c.title, CASES.c.category, CASES.c.channel, CASES.c.status,
                    CASES.c.urgency, CASES.c.received_at, CASES.c.address, COMMUNITIES.c.code.label("community"),
                    func.ST_AsGeoJSON(CASES.c.geom, 7).label("geojson"))
             .select_from(CASES.join(COMMUNITIES, COMMUNITIES.c.id == CASES.c.community_id))
             .where(*conditions).order_by(CASES.c.received_at.desc(), CASES.c.id.desc()))

    def shape(r):
        properties = {"code": r.code, "title": mask_phones_in(r.title), "category": r.category,
                      "category_label": CATEGORIES[r.category], "channel": r.channel,
                      "channel_label": CHANNELS[r.channel], "status": r.status, "status_label": STATUSES[r.status],
                      "urgency": r.urgency, "urgency_label": URGENCIES[r.urgency],
                      "received_at": r.received_at.isoformat(), "address": r.address, "community": r.community}
        return {"type": "Feature", "id": r.code, "geometry": json.loads(r.geojson), "properties": properties}

    return query, shape


_SELECTS = {"site": _sites, "case": _cases}
