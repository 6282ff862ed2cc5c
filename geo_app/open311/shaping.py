"""Open311 answers in the format the client asked for: JSON or the spec's XML nesting, errors included."""

import re
from xml.etree import ElementTree

from ..errors import NotFoundError

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# XML element of one item of each list, as the spec names them.
LIST_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value"}


def parse_format(fmt):
    """Return json or xml, or refuse an unknown extension with 404."""
    if fmt not in FORMATS:
        raise NotFoundError(f"不支持的格式「{str(fmt)[:20]}」，请用 .json 或 .xml (unknown format {str(fmt)[:20]!r}; use .json or .xml)",
                            code="unknown_format")
    return fmt


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
