from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, except that automatic polls (htmx `every Ns` refreshes, sent
    with the header X-Poll: 1) neither extend the idle timeout nor write the session row.

    A page left open on a job's progress is not user activity, and on SQLite an import's
    long write transaction would otherwise make every poll wait for the database lock.
    """

    def process_response(self, request, response):
        if request.headers.get("X-Poll") == "1":
            return response
        return super().process_response(request, response)
