"""The two encodings of Open311 GeoReport v2 answers: JSON, and XML in the shapes of the specification
(`<services><service>…`, `<service_requests><request>…`, `<errors><error>…`), plus the standard error list."""

import json
import xml.etree.ElementTree as ET

from django.http import HttpResponse

from apps.core.inputguard import strip_unsafe

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element of each item of an XML list, by the list's element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def element(tag, value) -> ET.Element:
    """`value` as the XML element `tag`: a dict's items and a list's items as children, booleans as true/false,
    None as an empty element."""
    node = ET.Element(tag)
    if isinstance(value, dict):
        node.extend(element(key, item) for key, item in value.items())
    elif isinstance(value, (list, tuple)):
        node.extend(element(ITEM_TAGS[tag], item) for item in value)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        # ElementTree writes control characters as they are, which makes the document malformed (XML 1.0 cannot
        # hold them, not even escaped): any stored or echoed text loses them, with direction overrides.
        node.text = strip_unsafe(str(value))
    return node


def encode(fmt, root, data) -> str:
    """The document of `data`; `root` is the XML root element (JSON has none)."""
    if fmt == "xml":
        return XML_DECLARATION + ET.tostring(element(root, data), encoding="unicode")
    return json.dumps(data, ensure_ascii=False)


def respond(fmt, root, data, status=200) -> HttpResponse:
    return HttpResponse(encode(fmt, root, data).encode("utf-8"), content_type=CONTENT_TYPES[fmt], status=status)


def errors(fmt, status, descriptions) -> HttpResponse:
    """The standard error list: one {code, description} per problem, the code being the HTTP status."""
    return respond(fmt, "errors", [{"code": status, "description": str(d)} for d in descriptions], status=status)
