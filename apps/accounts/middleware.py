"""Accounts whose password someone else set (User.must_change_password) can do nothing but change it.

Whoever created the account or reset its password knows that password, so until the user sets their own, every page
leads to the password change (the profile page), an htmx request is sent there with HX-Redirect, and the API answers
403. Left open: the change page itself, logout, the language switch, static files and the public pages (no login
anyway). Token-authenticated API calls are stopped by the token authentication (apps.accounts.authentication), since
DRF authenticates them after the middleware has run.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def must_change_message():
    return _("您的密码由管理员设置，管理员知道这个密码。请先修改为只有您本人知道的新密码，然后才能使用其他功能。")


# Paths open to an account that must change its password: public pages and what the change itself needs.
_OPEN_PREFIXES = ("/report/", "/stars/", "/open311/", "/i18n/", "/favicon.ico", "/healthz")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False) \
                and not self._open(request.path_info):
            return self._stop(request)
        return self.get_response(request)

    @staticmethod
    def _open(path):
        if path in (reverse("accounts:profile"), reverse("accounts:logout"), reverse("accounts:login")):
            return True
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
        return path.startswith(static) or path.startswith(_OPEN_PREFIXES)

    @staticmethod
    def _stop(request):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": must_change_message(), "must_change_password": True}, status=403,
                                json_dumps_params={"ensure_ascii": False})
        target = reverse("accounts:profile")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
