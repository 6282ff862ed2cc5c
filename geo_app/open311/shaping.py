"""Open311 answers in the format the client asked for: JSON or the spec's XML nesting, errors included."""

import re
from xml.etree import ElementTree

from ..error_pages import TITLES
from ..errors import NotFoundError

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# XML element of one item of each list, as the spec names them.
LIST_ITEMS = {"services": "service", "service_requests": "request", "service_request_updates": "request_update", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value"}


def parse_format(fmt):
    """Return json or xml, or refuse an unknown extension with 404."""
    if fmt not in FORMATS:
        raise NotFoundError(f"不支持的格式「{str(fmt)[:20]}」，请用 .json 或 .xml (unknown format {str(fmt)[:20]!r}; use .json or .xml)",
                            code="unknown_format")
    return fmt


def format_of_path(path):
    """Return the format a path's extension names (json or xml), or None."""
    extension = path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return extension if extension in FORMATS else None


def describe_http_error(error):
    """Return a Chinese description of an HTTP error raised outside our own code (werkzeug, the limiter)."""
    return f"{TITLES.get(error.code, '请求无法处理')} ({error.description or error.name})"


def error_list(status, message):
    """Return the spec's error body."""
    return [{"code": status, "description": message}]


def to_xml(root, value):
    """Render a value under a root element the way the spec's XML examples nest them."""
    element = ElementTree.Element(root)
    _fill(element, root, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="utf-8",
                                                                              xml_declaration=False)


def _fill(element, name, value):
    if isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, LIST_ITEMS[name]), LIST_ITEMS[name], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML_CHARS.sub("", str(value))
