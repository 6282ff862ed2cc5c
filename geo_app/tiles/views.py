"""The tile resources: parse the path, ask services/tiles.py, answer with ETag and Cache-Control.

An empty tile (nothing there, or a zoom below the layer's minzoom) is answered 204 No Content, cheaply and
cacheable like any other tile. Public tiles are `public, max-age=TILES_MAX_AGE`; staff tiles (people, cases)
are `private, no-cache`: kept by the browser only, and reused after a revalidation that answers 304.
"""

from flask import current_app, request, url_for

from ..auth import current_viewer
from ..errors import ValidationError
from ..extensions import db
from ..services import tiles as service
from ..services.features import spatial_extent
from .blueprint import bp

MVT = "application/vnd.mapbox-vector-tile"
KNOWN_ARGS = frozenset({"community"})


def _community():
    for name in request.args:
        if name not in KNOWN_ARGS:
            raise ValidationError(f"不认识的参数 {name[:40]}，瓦片只接受：community (unknown query parameter)",
                                  field=name[:40], code="unknown_parameter")
    return (request.args.get("community") or "")[:64] or None


def _cached(response, reader, etag):
    if reader.scope is None:
        max_age = current_app.config["TILES_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "Authorization"))
    response.set_etag(etag)
    return response.make_conditional(request)


@bp.get("/<layer>/<z>/<x>/<y>.mvt")
def tile(layer, z, x, y):
    found = service.tile_layer(layer)
    z, x, y = service.tile_address(z, x, y)
    reader = service.tile_reader(db.session, current_viewer(), found, _community())
    body = service.render_tile(db.session, found, reader, z, x, y)
    response = current_app.response_class(body, status=200 if body else 204, mimetype=MVT)
    return _cached(response, reader, service.etag_of(body, reader))


@bp.get("/<layer>.json")
def tilejson(layer):
    found = service.tile_layer(layer)
    community = _community()
    reader = service.tile_reader(db.session, current_viewer(), found, community)
    template = url_for("tiles.tile", layer=found.id, z=0, x=0, y=0, _external=True, **request.args)
    template = template.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt", 1)
    document = service.tilejson(db.session, found, reader, template, bounds=spatial_extent(db.session, reader))
    response = current_app.response_class(current_app.json.dumps(document), mimetype="application/json")
    return _cached(response, reader, service.etag_of(response.get_data(), reader))
