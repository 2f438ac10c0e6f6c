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


class PayloadTooLarge(ParseError):
    """413, still a ParseError for whoever catches those."""

    status_code = 413


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the input guard's limits, the default parser of the API.

    DRF reads the body itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE would not bound it: JSON_BODY_MAX_BYTES does
    (413); nesting is bounded before parsing (Python's decoder recurses once per level); control characters and
    direction overrides in any key or string are refused and invisible characters removed (see
    `apps.core.inputguard`). The input guard middleware applies the same refusals to every request; this parser
    keeps them for a request that reaches DRF another way (tests calling views directly, a path the middleware
    does not see), and is the one that cleans, as the middleware cannot alter a body DRF re-reads."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = min(settings.JSON_BODY_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.JSON_BODY_MAX_BYTES)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(inputguard.json_size_message(limit))
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
        if not inputguard.json_may_hold_unsafe(text):
            return data
        try:
            return inputguard.clean_json(data)
        except inputguard.UnsafeText as exc:
            raise ParseError(inputguard.unsafe_message(exc.where, exc.char)) from None


def _guard_form(data):
    """A parsed form (QueryDict) as the middleware treats a machine client's form: unsafe characters refused,
    invisible ones removed."""
    found = inputguard.find_unsafe_in_querydict(data)
    if found:
        raise ParseError(inputguard.unsafe_message(*found))
    return inputguard.clean_querydict(data)


class FormParser(parsers.FormParser):
    """DRF's url-encoded parser with the input guard's checks. Needed for PUT and PATCH above all: Django parses
    form bodies of POST only, so the middleware never sees their fields, and DRF parses them itself."""

    def parse(self, stream, media_type=None, parser_context=None):
        return _guard_form(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser with the input guard's checks (see FormParser); file names are cleaned, file
    contents are not looked at."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        for _name, uploads in parsed.files.lists():
            for upload in uploads:
                if upload.name and inputguard.strip_unsafe(upload.name) != upload.name:
                    upload.name = inputguard.strip_unsafe(upload.name) or "file"
        return parsers.DataAndFiles(_guard_form(parsed.data), parsed.files)


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")
