import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware


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
