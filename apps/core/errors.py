"""Error pages in Chinese; JSON for API paths."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


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
