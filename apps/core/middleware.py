import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


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


class RejectNulMiddleware:
    """A NUL character in the path or the query string is never meaningful and PostgreSQL refuses it in any query:
    answered 400 before any view can pass it to the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            from django.http import HttpResponseBadRequest
            from django.utils.translation import gettext as _

            return HttpResponseBadRequest(_("请求无效"), content_type="text/plain; charset=utf-8")
        return self.get_response(request)


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
