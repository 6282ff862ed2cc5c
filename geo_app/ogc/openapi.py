"""The OpenAPI 3.0 document of /ogc (conformance class oas30), with this server's page limits and collections."""

from flask import current_app

from ..schemas.base import MAX_OFFSET
from ..services.features import COLLECTIONS
from .blueprint import bp
from .views import FORMAT_ONLY, GEOJSON, JSON, OPENAPI, answer, check_args

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string", "description": "a machine-readable code"},
                        "message": {"type": "string", "description": "Chinese, naming the parameter and the problem"},
                        "field": {"type": "string"}}}
LINK = {"type": "object", "required": ["href", "rel"],
        "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                       "title": {"type": "string"}}}
FEATURE_COLLECTION = {"type": "object", "required": ["type", "features"],
                      "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                     "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
                                     "numberMatched": {"type": "integer", "minimum": 0},
                                     "numberReturned": {"type": "integer", "minimum": 0},
                                     "timeStamp": {"type": "string", "format": "date-time"},
                                     "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}}
FEATURE = {"type": "object", "required": ["type", "geometry", "properties"],
           "properties": {"type": {"type": "string", "enum": ["Feature"]},
                          "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                          "geometry": {"type": "object", "nullable": True},
                          "properties": {"type": "object", "nullable": True}}}
FORMAT = {"name": "f", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "geojson"]}}


def _error(description):
    return {"description": description, "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(media_type, schema, description="OK"):
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _query_parameters(config):
    limit = {"type": "integer", "minimum": 1, "maximum": config["PAGE_LIMIT_MAX"],
             "default": config["PAGE_LIMIT_DEFAULT"]}
    return [
        {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False, "schema": limit},
        {"name": "offset", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET,
                    "default": 0}},
        {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
         "description": "minlon,minlat,maxlon,maxlat (WGS-84)",
         "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}},
        {"name": "datetime", "in": "query", "required": False, "style": "form", "explode": False,
         "description": "received_at of cases: an RFC 3339 instant, or start/end with .. open (cases only)",
         "schema": {"type": "string", "maxLength": 100}},
        {"name": "community", "in": "query", "required": False, "description": "a community code, e.g. mingzhu",
         "schema": {"type": "string", "maxLength": 64}},
        FORMAT,
    ]


def build_ogc_spec(config, version):
    """Return the OpenAPI 3.0 document of the OGC API – Features resources as a dict."""
    collection_id = {"name": "collectionId", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(COLLECTIONS)}}
    feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 100}}
    any_json = {"type": "object"}
    refused = {"400": _error("bad input, naming the parameter"), "401": _error("cases: not logged in"),
               "403": _error("cases: another community"), "404": _error("no such collection or feature"),
               "429": _error("too many requests")}
    paths = {
        "/": {"get": {"operationId": "getLandingPage", "summary": "Landing page", "parameters": [FORMAT],
                      "responses": {"200": _ok(JSON, any_json), "400": refused["400"]}}},
        "/conformance": {"get": {"operationId": "getConformance", "summary": "Conformance classes",
                                 "parameters": [FORMAT], "responses": {"200": _ok(JSON, any_json)}}},
        "/api": {"get": {"operationId": "getApi", "summary": "This document", "parameters": [FORMAT],
                         "responses": {"200": _ok(OPENAPI, any_json)}}},
        "/collections": {"get": {"operationId": "getCollections", "summary": "The collections the caller may read",
                                 "parameters": [FORMAT], "responses": {"200": _ok(JSON, any_json)}}},
        "/collections/{collectionId}": {"get": {
            "operationId": "describeCollection", "summary": "One collection", "parameters": [collection_id, FORMAT],
            "responses": {"200": _ok(JSON, any_json), **refused}}},
        "/collections/{collectionId}/items": {"get": {
            "operationId": "getFeatures", "summary": "A page of a collection's features, with next/prev links",
            "parameters": [collection_id, *_query_parameters(config)],
            "responses": {"200": _ok(GEOJSON, {"$ref": "#/components/schemas/FeatureCollection"}), **refused}}},
        "/collections/{collectionId}/items/{featureId}": {"get": {
            "operationId": "getFeature", "summary": "One feature",
            "parameters": [collection_id, feature_id, FORMAT,
                           {"name": "community", "in": "query", "required": False,
                            "schema": {"type": "string", "maxLength": 64}}],
            "responses": {"200": _ok(GEOJSON, {"$ref": "#/components/schemas/Feature"}), **refused}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "民情地图 OGC API – Features", "version": version,
                 "description": "OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0). Staff authenticate with "
                                "`Authorization: Bearer <token>`; the public reads units (names and kinds), sites "
                                "and the public heat cells."},
        "servers": [{"url": "/ogc"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR, "Link": LINK, "Feature": FEATURE,
                                   "FeatureCollection": FEATURE_COLLECTION}},
        "paths": paths,
    }


@bp.get("/api")
def api():
    check_args(FORMAT_ONLY)
    return answer(build_ogc_spec(current_app.config, current_app.config.get("VERSION", "0.1.0")), OPENAPI)
