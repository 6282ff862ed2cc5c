"""The OGC API – Features resources: parse the request, ask services/features.py, shape the answer with its links."""

from datetime import UTC, datetime

from flask import current_app, request, url_for

from ..auth import current_viewer
from ..errors import ValidationError
from ..extensions import db
from ..paging import page_links
from ..schemas import FeaturesQuery, validate
from ..services import features as service
from ..services.public_heat import PublicHeatPolicy
from .blueprint import bp

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
FORMAT_ONLY = frozenset({"f"})
ITEM_ARGS = frozenset({"f", "community"})


def answer(body, media_type=JSON):
    return current_app.response_class(response=current_app.json.dumps(body), mimetype=media_type)


def check_args(known):
    """Refuse an argument this resource does not define (OGC /req/core/query-param-unknown), or a format but JSON."""
    for name in request.args:
        if name not in known:
            raise ValidationError(f"不认识的参数 {name[:40]}，此地址只接受：{'、'.join(sorted(known))} "
                                  f"(unknown query parameter {name[:40]!r})", field=name[:40],
                                  code="unknown_parameter")
    if request.args.get("f", "json") not in ("json", "geojson"):
        raise ValidationError("f 只能是 json 或 geojson (only JSON is offered)", field="f")


def _link(rel, endpoint, media_type=JSON, title=None, **values):
    return {"rel": rel, "type": media_type, "title": title or rel, "href": url_for(endpoint, _external=True, **values)}


def _heat_policy():
    return PublicHeatPolicy.from_config(current_app.config)


@bp.get("/", strict_slashes=False)
def landing():
    check_args(FORMAT_ONLY)
    return answer({
        "title": "民情地图 OGC API – Features 服务",
        "description": "社区责任区（街、巷、店、楼栋、网格）、红色阵地、民情和公开热力的要素服务，可用 QGIS、GDAL 等 GIS 软件读取。"
                       "社区工作人员以 Authorization: Bearer <令牌> 访问本社区的数据。",
        "links": [
            _link("self", "ogc.landing", title="本页"),
            _link("service-desc", "ogc.api", OPENAPI, title="OpenAPI 3.0 接口说明"),
            _link("conformance", "ogc.conformance", title="符合的标准类"),
            _link("http://www.opengis.net/def/rel/ogc/1.0/conformance", "ogc.conformance", title="符合的标准类"),
            _link("data", "ogc.collections", title="图层列表"),
            _link("http://www.opengis.net/def/rel/ogc/1.0/data", "ogc.collections", title="图层列表"),
        ],
    })


@bp.get("/conformance")
def conformance():
    check_args(FORMAT_ONLY)
    return answer({"conformsTo": CONFORMANCE})


def _describe(found, reader):
    extent = {}
    box = service.spatial_extent(db.session, reader)
    if box:
        extent["spatial"] = {"bbox": [box], "crs": CRS84}
    interval = service.temporal_extent(db.session, found, reader)
    if interval:
        extent["temporal"] = {"interval": [interval], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    body = {"id": found.id, "title": found.title, "description": found.description, "itemType": "feature",
            "crs": [CRS84], "storageCrs": CRS84,
            "links": [_link("self", "ogc.collection", title=found.title, collection_id=found.id),
                      _link("items", "ogc.items", GEOJSON, title=f"{found.title}（要素）", collection_id=found.id)]}
    if extent:
        body["extent"] = extent
    return body


@bp.get("/collections")
def collections():
    check_args(FORMAT_ONLY)
    viewer = current_viewer()
    shown = [found for found in service.COLLECTIONS.values() if viewer.is_staff or not found.staff_only]
    return answer({"collections": [_describe(found, service.reader_for(db.session, viewer, found)) for found in shown],
                    "links": [_link("self", "ogc.collections", title="图层列表")]})


@bp.get("/collections/<collection_id>")
def collection(collection_id):
    check_args(FORMAT_ONLY)
    found = service.collection(collection_id)
    return answer(_describe(found, service.reader_for(db.session, current_viewer(), found)))


@bp.get("/collections/<collection_id>/items")
def items(collection_id):
    check_args(FeaturesQuery.KNOWN)
    found = service.collection(collection_id)
    query = validate(FeaturesQuery, request.args.to_dict(), current_app.config)
    reader = service.reader_for(db.session, current_viewer(), found, query.community)
    page = service.features_page(db.session, found, reader, bbox=query.bbox, interval=query.interval,
                                 limit=query.limit, offset=query.offset, heat_policy=_heat_policy())
    args = {name: value for name, value in request.args.items() if name not in ("offset", "limit")}

    def at(offset):
        return url_for("ogc.items", collection_id=found.id, _external=True, **args, limit=query.limit, offset=offset)

    links = page_links(at, offset=query.offset, limit=query.limit, returned=page["numberReturned"],
                       matched=page["numberMatched"], media_type=GEOJSON)
    links.append(_link("collection", "ogc.collection", title=found.title, collection_id=found.id))
    return answer({"type": "FeatureCollection", **page, "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
                    "links": links}, GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id, feature_id):
    check_args(ITEM_ARGS)
    found = service.collection(collection_id)
    reader = service.reader_for(db.session, current_viewer(), found, request.args.get("community", "")[:64] or None)
    hit = service.feature(db.session, found, reader, feature_id, heat_policy=_heat_policy())
    hit["links"] = [_link("self", "ogc.item", GEOJSON, title="本要素", collection_id=found.id, feature_id=feature_id),
                    _link("collection", "ogc.collection", title=found.title, collection_id=found.id)]
    return answer(hit, GEOJSON)
