"""Shared pieces of the REST layer."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

from . import inputguard


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError (messages in Chinese) as a DRF 400 with field-level messages."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the input guard's limits, the default parser of the API.

    DRF reads the body itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE would not bound it; nesting is bounded
    before parsing (Python's decoder recurses once per level); control characters and direction overrides in
    any key or string are refused (see `apps.core.inputguard`). The input guard middleware applies the same
    checks to every request; this parser keeps them for a request that reaches DRF another way (tests calling
    views directly, a path the middleware does not see)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise ParseError(_("提交的内容过大"))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("提交的内容不是有效的JSON")) from None
        if inputguard.json_depth_exceeds(text):
            raise ParseError(inputguard.json_depth_message())
        try:
            data = json.loads(text, parse_constant=None if not api_settings.STRICT_JSON else _refuse_constant)
        except (ValueError, RecursionError):
            raise ParseError(_("提交的内容不是有效的JSON")) from None
        found = inputguard.find_unsafe_in(data)
        if found:
            raise ParseError(inputguard.unsafe_message(*found))
        return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")
