"""Error pages in Chinese; JSON for API paths; an app's own error format on the paths it registers."""

from collections.abc import Callable

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Path prefix -> renderer(request, status, message) -> response: an app whose clients read errors in a format of
# their own (Open311) registers it from its AppConfig.ready(), so that core imports no app.
_renderers: dict[str, Callable[..., HttpResponse]] = {}


def register_error_renderer(path_prefix: str, renderer: Callable[..., HttpResponse]):
    """Answer refusals on paths under `path_prefix` with `renderer(request, status, message)`."""
    _renderers[path_prefix] = renderer


def renderer_for(path: str):
    """The renderer registered for `path` (the longest matching prefix), or None."""
    found = [prefix for prefix in _renderers if path.startswith(prefix)]
    return _renderers[max(found, key=len)] if found else None


def respond(request, status, message):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    if request.headers.get("HX-Request"):
        # htmx swaps a 4xx into the request's target (static/js/htmx-errors.js): the message alone, not a whole page.
        return render(request, "core/_error_fragment.html", {"status": status, "message": message}, status=status)
    # error_page: the language switch does not echo the requested path (a refused and a missing object look alike).
    return render(request, "core/error.html", {"status": status, "message": message, "error_page": True}, status=status)


def bad_request(request, exception=None):
    # A view's BadRequest carries a message written for the user (e.g. a month out of range); other 400s
    # (SuspiciousOperation and the like) carry English internals and get the generic message.
    from django.core.exceptions import BadRequest

    detail = str(exception) if isinstance(exception, BadRequest) and str(exception) else _("请求无效")
    return respond(request, 400, detail)


def permission_denied(request, exception=None):
    detail = str(exception) if exception and str(exception) else _("您没有权限访问此页面")
    return respond(request, 403, detail)


def page_not_found(request, exception=None):
    return respond(request, 404, _("页面不存在或您无权查看"))


def server_error(request):
    return respond(request, 500, _("服务器内部错误，请稍后再试"))
