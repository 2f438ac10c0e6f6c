import json
import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import inputguard


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware with a sliding idle timeout that costs at most one write a minute.

    - Each user request extends the session (SESSION_COOKIE_AGE is the idle timeout), but the
      session row is rewritten only when SESSION_REFRESH_SECONDS have passed since the last time.
    - Automatic polls (htmx `every Ns` refreshes, sent with X-Poll: 1) never extend it: a page
      left open on a job's progress is not user activity, and on SQLite a long import's write
      transaction would otherwise make every poll wait for the database lock.
    """

    def process_response(self, request, response):
        if request.headers.get("X-Poll") == "1":
            return response
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.modified:
            now = int(time.time())
            if now - session.get("_seen", 0) >= settings.SESSION_REFRESH_SECONDS:
                session["_seen"] = now  # marks it modified: saved with a new expiry below
        return super().process_response(request, response)


class InputGuardMiddleware:
    """Text the platform must never store is stopped at the door, for every view (pages, admin, API, Open311).

    NUL (PostgreSQL refuses it in any query: a 500), other control characters and the direction overrides
    (illegal in the XML inside an .xlsx: every later export of the row would fail; or they disguise names) — see
    `apps.core.inputguard`. Answered 400 with a Chinese message before any view runs, so nothing is saved:
    - in the path, the query string (keys and values) and the Authorization header (cookies with one are dropped);
    - in JSON bodies, every key and string value at any depth; a body nested deeper than JSON_MAX_DEPTH or larger
      than JSON_BODY_MAX_BYTES (413) is refused before it is parsed;
    - in form fields of the API and Open311 (machine clients are told, not silently corrected), POST here, PUT
      and PATCH in DRF's parsers (`apps.core.api`: Django parses only POST bodies, DRF re-reads the raw body).
    Form fields of the pages are cleaned instead — control and direction characters pasted from a word processor
    are stripped, the rest of the entry is kept — except NUL, which no keyboard or paste produces and is refused.
    Invisible characters (direction marks, zero-width characters; `inputguard.INVISIBLE_CHARS`) are never refused:
    they are removed from query strings here, before any view or search reads them, from form fields here and in
    the API's parsers, and from JSON strings in the API's parser.
    Tab, line feed and carriage return are ordinary text in fields; uploaded files' contents are not looked at,
    their names are cleaned.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._check(request)
        if refusal:
            return refusal
        return self.get_response(request)

    def _check(self, request):
        char = inputguard.first_unsafe(request.path, inputguard.UNSAFE_PATH_CHARS)
        if char:
            return _refuse(request, 400, _("网址中含有不允许的字符 {char}（控制字符或文字方向控制符）").format(
                char=inputguard.describe(char)))
        found = inputguard.find_unsafe_in_querydict(request.GET)
        if found:
            return _refuse(request, 400, inputguard.unsafe_message(*found))
        cleaned = inputguard.clean_querydict(request.GET)
        if cleaned is not request.GET:
            # Views, filters and DRF all read request.GET; the raw string is kept in step for links built from it.
            request.GET = cleaned
            request.META["QUERY_STRING"] = cleaned.urlencode()
        # A cookie holding such a character was not set by this site: it is dropped (a session key with NUL made
        # PostgreSQL fail the session lookup). A token header with one is refused (DRF would look it up as is).
        for name in [n for n, v in request.COOKIES.items() if inputguard.first_unsafe(n + v)]:
            del request.COOKIES[name]
        if inputguard.first_unsafe(request.META.get("HTTP_AUTHORIZATION", "")):
            return _refuse(request, 400, _("请求头Authorization中含有不允许的字符"))
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        content_type = request.content_type or ""
        api = request.path.startswith(("/api/", "/open311/"))  # machine clients: refused, never altered
        try:
            if "json" in content_type:
                return self._check_json(request)
            if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                if request.method != "POST":
                    return self._check_raw_form(request)
                return self._check_form(request, clean=not api)
        except RequestDataTooBig:
            return _refuse(request, 413, _("提交的内容过大"))
        return None

    def _check_json(self, request):
        limit = settings.JSON_BODY_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:  # refused unread
            return _refuse(request, 413, inputguard.json_size_message(limit))
        if len(request.body) > limit:
            return _refuse(request, 413, inputguard.json_size_message(limit))
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return None  # not JSON at all: the view's parser answers 400
        if inputguard.json_depth_exceeds(text):
            return _refuse(request, 400, inputguard.json_depth_message())
        if not inputguard.json_may_hold_unsafe(text):
            return None  # nothing to find: not parsed twice
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None  # malformed (unpaired brackets recurse): the view's parser answers 400 with its own message
        found = inputguard.find_unsafe_in(data)
        return _refuse(request, 400, inputguard.unsafe_message(*found)) if found else None

    def _check_raw_form(self, request):
        """PUT, PATCH, DELETE with a form body, which Django does not parse: url-encoded ones are read here (the
        API's parsers clean and check them again, and multipart ones, when DRF reads them)."""
        if request.content_type != "application/x-www-form-urlencoded":
            return None
        found = inputguard.find_unsafe_in_querydict(QueryDict(request.body, encoding=request.encoding))
        return _refuse(request, 400, inputguard.unsafe_message(*found)) if found else None

    def _check_form(self, request, *, clean):
        post = request.POST
        for uploads in request.FILES.lists():
            for upload in uploads[1]:
                if upload.name and inputguard.strip_unsafe(upload.name) != upload.name:
                    upload.name = inputguard.strip_unsafe(upload.name) or "file"
        found = inputguard.find_unsafe_in_querydict(post)
        if found:
            nul = inputguard.find_unsafe_in_querydict(post, "\x00")
            if nul or not clean:
                return _refuse(request, 400, inputguard.unsafe_message(*(nul or found)))
        request._post = inputguard.clean_querydict(post, inputguard.strip_unsafe if clean else inputguard.strip_invisible)
        return None


def _refuse(request, status, message):
    """The refusal in the form the caller reads: JSON for the API, the Open311 error list on its paths, the error
    page otherwise."""
    from .errors import renderer_for, respond

    renderer = renderer_for(request.path)  # an app's own error format on its paths (Open311), errors.register_error_renderer
    if renderer is not None:
        return renderer(request, status, message)
    return respond(request, status, message)


class LanguageMiddleware:
    """The UI language: Chinese (LANGUAGE_CODE) for everyone, another language only when the user chose it.

    The choice is the language cookie set by Django's `set_language` view; the browser's
    Accept-Language is deliberately ignored (a browser set to English still gets Chinese).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
