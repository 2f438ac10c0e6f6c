"""Error pages in Chinese; JSON for API paths."""

from django.http import JsonResponse
from django.shortcuts import render


def _respond(request, status, message):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "core/error.html", {"status": status, "message": message}, status=status)


def bad_request(request, exception=None):
    return _respond(request, 400, "请求无效")


def permission_denied(request, exception=None):
    detail = str(exception) if exception and str(exception) else "您没有权限访问此页面"
    return _respond(request, 403, detail)


def page_not_found(request, exception=None):
    return _respond(request, 404, "页面不存在或您无权查看")


def server_error(request):
    return _respond(request, 500, "服务器内部错误，请稍后再试")
