"""Mapbox Vector Tiles of the feature collections (ST_AsMVT), their TileJSON, and which maps draw from tiles.

Framework-free: the tiles blueprint parses the path and shapes the answer (ETag, Cache-Control, 204); this
module decides who reads what, like services/features.py (whose collections, Reader and scopes it reuses):
the public reads streets, lanes, shops and buildings (names and kinds only) and the sites; grids (people
masked) and cases (scoped by access.scope_for, no reporter data) are staff only. Geometry is simplified to
one screen pixel of the tile's zoom and quantised to the tile's 4096 grid by ST_AsMVTGeom.
"""

import hashlib
import logging
from dataclasses import dataclass
from functools import reduce

from sqlalchemy import ARRAY, Integer, Text, case, cast, func, literal_column, select

from ..errors import NotFoundError, ValidationError
from ..models import CATEGORIES, SITE_KIND_LABELS, STATUSES, UNIT_KIND_LABELS, UNIT_KIND_RANK
from .access import scope_for
from .features import COLLECTIONS, SITES, Reader, reader_for
from .lookup import people_for_units
from .queries import CASES, COMMUNITIES, case_conditions
from .units import UNITS

logger = logging.getLogger(__name__)

EXTENT = 4096  # the tile's integer grid (the MVT default)
BUFFER = 64  # grid units drawn past each edge, so strokes do not break at tile seams
MAX_ZOOM = 22  # the largest z the endpoint accepts (Leaflet overzooms past a layer's maxzoom)
WEB_MERCATOR = 3857
WORLD_METRES = 40075016.685578488  # the width of the Web Mercator square
TILE_PIXELS = 256


@dataclass(frozen=True)
class TileLayer:
    """One tile layer: its collection and the zooms it is served at (a tile below minzoom is empty).

    A composite layer (members) has no collection of its own: its tile holds one MVT layer per member the
    reader may read, at the zooms of each, so a map draws every unit kind with one request per tile.
    """

    id: str
    minzoom: int
    maxzoom: int = 18
    staff_only: bool = False
    members: tuple[str, ...] = ()

    @property
    def collection(self):
        return COLLECTIONS[self.members[0] if self.members else self.id]


# Named like the OGC collections; minzoom keeps a city-scale tile small (a z10 tile of every building is not).
_SINGLE = (
    TileLayer("streets", 12), TileLayer("lanes", 13), TileLayer("shops", 14), TileLayer("buildings", 14),
    TileLayer("grids", 12, staff_only=True), TileLayer("sites", 8), TileLayer("cases", 12, staff_only=True),
)
UNIT_LAYER_OF_KIND = {layer.collection.unit_kind: layer.id for layer in _SINGLE if layer.collection.unit_kind}
# The composite's members bottom first (least specific first, as the maps draw them): a grid under its buildings.
_DRAWING_ORDER = tuple(UNIT_LAYER_OF_KIND[kind] for kind in sorted(UNIT_KIND_RANK, key=UNIT_KIND_RANK.get, reverse=True))
LAYERS = {layer.id: layer for layer in (
    *_SINGLE, TileLayer("units", min(layer.minzoom for layer in _SINGLE if layer.id in _DRAWING_ORDER),
                        members=_DRAWING_ORDER),
)}


def tile_layer(layer_id):
    """Return a tile layer by id, or refuse with a 404 naming the layers there are."""
    found = LAYERS.get(layer_id)
    if found is None:
        raise NotFoundError(f"没有名为 {str(layer_id)[:40]!r} 的瓦片图层，可用：{'、'.join(LAYERS)} (no such tile layer)",
                            field="layer", code="unknown_layer")
    return found


def tile_address(z, x, y):
    """Return (z, x, y) as integers, or refuse with a 400 naming the part that is wrong and its range."""
    numbers = {}
    for name, raw in (("z", z), ("x", x), ("y", y)):
        text = str(raw)
        if not text.isdigit() or not text.isascii() or len(text) > 8:
            raise ValidationError(f"瓦片坐标 {name} 必须是非负整数，收到 {text[:20]!r} (tile {name} must be a "
                                  f"non-negative integer)", field=name)
        numbers[name] = int(text)
    if numbers["z"] > MAX_ZOOM:
        raise ValidationError(f"缩放级别 z 必须在 0 到 {MAX_ZOOM} 之间，收到 {numbers['z']} "
                              f"(zoom must be 0..{MAX_ZOOM})", field="z")
    last = 2 ** numbers["z"] - 1
    for name in ("x", "y"):
        if numbers[name] > last:
            raise ValidationError(f"缩放级别 {numbers['z']} 下瓦片坐标 {name} 必须在 0 到 {last} 之间，收到 "
                                  f"{numbers[name]} (tile {name} out of range at this zoom)", field=name)
    return numbers["z"], numbers["x"], numbers["y"]


def tile_reader(session, viewer, layer, community=None):
    """Return the Reader of a tile layer: staff-only layers refuse the public (401) and another community (403)."""
    if (layer.staff_only and not layer.collection.staff_only) or (layer.members and viewer.is_staff):
        return Reader(scope_for(session, viewer, community))
    return reader_for(session, viewer, layer.collection, community)


def _labels(mapping, column):
    return case(mapping, value=column, else_=column)


def _unit_rows(layer, reader, staff):
    columns = [UNITS.c.id, UNITS.c.name, UNITS.c.kind, _labels(UNIT_KIND_LABELS, UNITS.c.kind).label("kind_label"),
               COMMUNITIES.c.code.label("community")]
    if staff:
        columns += [UNITS.c.code, UNITS.c.address]
    return (UNITS, columns, [UNITS.c.kind == layer.collection.unit_kind, *reader.where(UNITS)],
            UNITS.join(COMMUNITIES, COMMUNITIES.c.id == UNITS.c.community_id))


def _site_rows(layer, reader, staff):
    columns = [SITES.c.id, SITES.c.code, SITES.c.name, SITES.c.kind,
               _labels(SITE_KIND_LABELS, SITES.c.kind).label("kind_label"), SITES.c.opening_hours,
               SITES.c.address, COMMUNITIES.c.code.label("community")]
    return SITES, columns, reader.where(SITES), SITES.join(COMMUNITIES, COMMUNITIES.c.id == SITES.c.community_id)


def _case_rows(layer, reader, staff):
    columns = [CASES.c.id, CASES.c.code, CASES.c.category, _labels(CATEGORIES, CASES.c.category).label("category_label"),
               CASES.c.status, _labels(STATUSES, CASES.c.status).label("status_label"), CASES.c.urgency,
               func.to_char(CASES.c.received_at, "YYYY-MM-DD").label("received_on"),
               COMMUNITIES.c.code.label("community")]
    return (CASES, columns, case_conditions(reader.scope.case_filters()),
            CASES.join(COMMUNITIES, COMMUNITIES.c.id == CASES.c.community_id))


COMPOSITE_TITLE = "责任区（全部类型）"
COMPOSITE_DESCRIPTION = "街、巷、店、楼栋责任区（工作人员还有网格）合在一张瓦片里，每类一个图层，地图一次请求即可画出全部责任区。"
_ROWS = {"unit": _unit_rows, "site": _site_rows, "case": _case_rows}


def _people_texts(session, unit_ids):
    """Return (ids, texts): each unit's people as one line, '楼栋长 张三 138****5678、…' (phones masked)."""
    people = people_for_units(session, unit_ids)
    ids = list(people)
    texts = ["、".join(" ".join(filter(None, (p["role_label"], p["name"], p["phone"]))) for p in people[i]) for i in ids]
    return ids, texts


def members(layer, reader):
    """Return the single layers a tile of this layer holds for this reader (a composite: those it may read)."""
    if not layer.members:
        return [layer]
    return [LAYERS[m] for m in layer.members if reader.scope is not None or not LAYERS[m].staff_only]


def render_tile(session, layer, reader, z, x, y):
    """Return the MVT bytes of one tile of a layer for this reader (b"" when the tile holds nothing).

    A composite's tile is its members' layers one after another (an MVT tile is a sequence of layers), built
    in one statement; staff get each unit's people, read for every unit of the tile in one query before it.
    """
    shown = [member for member in members(layer, reader) if z >= member.minzoom]
    if not shown:
        return b""
    tile = func.ST_TileEnvelope(z, x, y)
    near = func.ST_Transform(func.ST_Expand(tile, WORLD_METRES / 2 ** z * BUFFER / EXTENT), 4326)
    people = None
    kinds = [member.collection.unit_kind for member in shown if member.collection.source == "unit"]
    if reader.scope is not None and kinds:
        unit_ids = session.execute(select(UNITS.c.id).where(UNITS.c.kind.in_(kinds), UNITS.c.geom.op("&&")(near),
                                                            *reader.where(UNITS))).scalars().all()
        ids, texts = _people_texts(session, unit_ids)
        people = func.unnest(cast(ids, ARRAY(Integer)), cast(texts, ARRAY(Text))).table_valued("unit_id", "people") \
            .render_derived(name="people")
    parts = [func.coalesce(_layer_query(member, reader, tile, near, z, people).scalar_subquery(),
                           func.decode("", "hex")) for member in shown]
    body = session.execute(select(reduce(lambda left, right: left.op("||")(right), parts))).scalar()
    return bytes(body or b"")


def _layer_query(layer, reader, tile, near, z, people):
    """Return the select() of one MVT layer of a tile: its rows' geometry simplified to a pixel of zoom z."""
    table, columns, conditions, joined = _ROWS[layer.collection.source](layer, reader, reader.scope is not None)
    if people is not None and layer.collection.source == "unit":
        joined = joined.outerjoin(people, people.c.unit_id == table.c.id)
        columns = [*columns, func.coalesce(people.c.people, "暂无责任人").label("people")]
    pixel = WORLD_METRES / (TILE_PIXELS * 2 ** z)
    geometry = func.ST_AsMVTGeom(func.ST_Simplify(func.ST_Transform(table.c.geom, WEB_MERCATOR), pixel, True),
                                 tile, EXTENT, BUFFER, True).label("geom")
    name = f"{layer.id}_rows"
    rows = select(geometry, *columns).select_from(joined).where(*conditions, table.c.geom.op("&&")(near)).subquery(name)
    return (select(func.ST_AsMVT(literal_column(name), layer.id, EXTENT, "geom", "id"))
            .select_from(rows).where(rows.c.geom.isnot(None)))


def etag_of(body, reader):
    """Return a strong ETag of a tile: its bytes and whose view it is (staff and public tiles never share one)."""
    digest = hashlib.sha256(body)
    digest.update(b"staff" if reader.scope is not None else b"public")
    return digest.hexdigest()[:32]


def tilejson(session, layer, reader, tiles_url, *, bounds):
    """Return the TileJSON 3.0.0 document of a layer; tiles_url is the template ending {z}/{x}/{y}.mvt."""
    found = layer.collection
    center = None
    if bounds:
        center = [round((bounds[0] + bounds[2]) / 2, 7), round((bounds[1] + bounds[3]) / 2, 7),
                  max(layer.minzoom, 15)]
    name, description = (COMPOSITE_TITLE, COMPOSITE_DESCRIPTION) if layer.members else (found.title, found.description)
    document = {"tilejson": "3.0.0", "name": name, "description": description,
                "version": "1.0.0", "scheme": "xyz", "tiles": [tiles_url], "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom, "bounds": bounds or [-180, -85.0511, 180, 85.0511],
                "vector_layers": [{"id": member.id, "description": member.collection.title, "minzoom": member.minzoom,
                                   "maxzoom": member.maxzoom, "fields": _fields(member, reader.scope is not None)}
                                  for member in members(layer, reader)]}
    if center:
        document["center"] = center
    return document


def _fields(layer, staff):
    """Return {property: Chinese description} of a layer's features, as this reader gets them."""
    source = layer.collection.source
    if source == "unit":
        fields = {"id": "编号", "name": "名称", "kind": "类型代码", "kind_label": "类型", "community": "社区代码"}
        if staff:
            fields |= {"code": "责任区编码", "address": "地址", "people": "责任人（电话隐去中间四位）"}
        return fields
    if source == "site":
        return {"id": "编号", "code": "阵地编码", "name": "名称", "kind": "类型代码", "kind_label": "类型",
                "opening_hours": "开放时间", "address": "地址", "community": "社区代码"}
    return {"id": "编号", "code": "追踪码", "category": "类别代码", "category_label": "类别", "status": "状态代码",
            "status_label": "状态", "urgency": "紧急程度", "received_on": "受理日期", "community": "社区代码"}


def draws_from_tiles(session, community_id, threshold):
    """Tell whether a map of this community should draw its units from tiles: more units than the threshold."""
    count = session.execute(select(func.count()).select_from(
        select(UNITS.c.id).where(UNITS.c.community_id == community_id).limit(threshold + 1).subquery())).scalar()
    return count > threshold
