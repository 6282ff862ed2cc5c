"""Versioned static assets, cached for a year as immutable, and compression (gzip/brotli) of text answers.

Our own files (/static/js/…, /static/css/…) are linked with ?v=<hash of their content> (url_for adds it);
the vendor tree built from the lockfile is linked under /assets/<hash of the tree>/vendor/…, a path prefix
because folium joins file names to the vendor root. A request whose version is the current one may be kept
a year without asking again (`immutable`); an old or missing version is answered with the file as it is
now and the short lifetime of headers.STATIC_MAX_AGE.

Compression (Flask-Compress) covers JSON, GeoJSON, CSV, JavaScript, CSS and SVG, never HTML: a page carries
the CSRF token next to text a request can put there (BREACH). JSON carries no such token, and the session
cookie is SameSite=Lax, so another site cannot make a signed-in browser fetch it to measure sizes.
The vendor tree's scripts and style sheets are compressed once, when static/build_vendor.py builds it (a .br
and a .gz beside each): a vendor file is sent as built, in the encoding the client takes, not compressed
again for every request.
"""

import functools
import hashlib
import logging
import mimetypes
import os

from flask import current_app, request, send_from_directory, url_for
from flask_compress import Compress
from werkzeug.exceptions import NotFound

logger = logging.getLogger(__name__)

YEAR = 365 * 24 * 3600
VERSION_ARG = "v"
VENDOR_DIR = "vendor"
VENDOR_ENDPOINT = "versioned_vendor"
# The endpoints that send a file from disk: no session, database, budget or rate limit is needed to answer them.
STATIC_ENDPOINTS = frozenset({"static", VENDOR_ENDPOINT})
VENDOR_STAMP = ".stamp.json"  # written by each build of the vendor tree, which swaps the whole tree in at once
# Content-Encoding -> the suffix of the file static/build_vendor.py compressed that way; best first.
PRECOMPRESSED = {"br": ".br", "gzip": ".gz"}
COMPRESSED_TYPES = ["application/json", "application/geo+json", "application/problem+json", "text/csv",
                    "text/javascript", "application/javascript", "text/css", "image/svg+xml", "text/plain",
                    "application/vnd.mapbox-vector-tile"]  # vector tiles (tiles/), if served
compress = Compress()


@functools.lru_cache(maxsize=512)
def _file_version(path, _mtime_ns, _size):
    """Hash a file's content; its mtime and size are part of the cache key, so a changed file is hashed again."""
    digest = hashlib.blake2b(digest_size=6)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_version(static_folder, filename):
    """Return the version (a short content hash) of a static file, or None when there is no such file."""
    path = os.path.join(static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return _file_version(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _tree_version(root, listing):
    digest = hashlib.blake2b(digest_size=6)
    for relative, _mtime, _size in listing:
        digest.update(relative.encode() + b"\0" + _file_version(os.path.join(root, relative), _mtime, _size).encode())
    return digest.hexdigest()


def _tree_listing(root):
    listing = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            stat = os.stat(path)
            listing.append((os.path.relpath(path, root), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(listing))


@functools.lru_cache(maxsize=4)
def _built_tree_version(root, _stamp_identity):
    return _tree_version(root, _tree_listing(root))


def vendor_version(static_folder):
    """Return the version of the vendor tree: a hash of every file's name and content.

    The tree is read once per build, not per request: each build writes a new stamp file (a new inode and
    mtime) and swaps the tree in whole. A tree without a stamp is read every time.
    """
    root = os.path.join(static_folder, VENDOR_DIR)
    try:
        stamp = os.stat(os.path.join(root, VENDOR_STAMP))
    except OSError:
        return _tree_version(root, _tree_listing(root))
    return _built_tree_version(root, (stamp.st_ino, stamp.st_mtime_ns, stamp.st_size))


def vendor_base_url():
    """Return the versioned URL of the vendor root (ends with a slash), for folium and our pages."""
    # The rule needs a file name: build the URL of one and cut it off.
    return url_for(VENDOR_ENDPOINT, version=vendor_version(current_app.static_folder), filename="-")[:-1]


def _send_precompressed(folder, filename):
    """Send the file as the vendor build compressed it, in the best encoding the client takes; None if not built so."""
    encoding = request.accept_encodings.best_match(PRECOMPRESSED)
    if encoding is None:
        return None
    try:
        response = send_from_directory(folder, filename + PRECOMPRESSED[encoding],
                                       mimetype=mimetypes.guess_type(filename)[0])
    except NotFound:
        return None
    response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves an encoded answer alone
    return response


def _serve_vendor(version, filename):
    folder = os.path.join(current_app.static_folder, VENDOR_DIR)
    response = _send_precompressed(folder, filename) or send_from_directory(folder, filename)
    if version == vendor_version(current_app.static_folder):
        _immutable(response)
    return response


def _immutable(response):
    response.cache_control.no_cache = None  # send_file's "no-cache" for files without a lifetime of their own
    response.headers.pop("Expires", None)
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True


def _add_version(endpoint, values):
    if endpoint == "static" and VERSION_ARG not in values and not values.get("filename", "/").endswith("/"):
        version = file_version(current_app.static_folder, values["filename"])
        if version:
            values[VERSION_ARG] = version


def mark_immutable(response):
    """Make a /static answer whose ?v= is the file's current version immutable for a year."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    asked = request.args.get(VERSION_ARG)
    filename = (request.view_args or {}).get("filename", "")
    if asked and asked == file_version(current_app.static_folder, filename):
        _immutable(response)
    return response


def init_app(app):
    """Version the static URLs, serve the versioned vendor tree, and compress text answers."""
    app.url_defaults(_add_version)
    app.add_url_rule("/assets/<version>/vendor/<path:filename>", VENDOR_ENDPOINT, _serve_vendor)
    app.after_request(mark_immutable)
    app.config.update(COMPRESS_MIMETYPES=COMPRESSED_TYPES, COMPRESS_ALGORITHM=["br", "gzip"],
                      COMPRESS_ALGORITHM_STREAMING=["br", "gzip"], COMPRESS_BR_LEVEL=5, COMPRESS_LEVEL=6,
                      COMPRESS_STREAMING_ENDPOINT_CONDITIONAL=sorted(STATIC_ENDPOINTS))
    compress.init_app(app)
