"""Accounts whose password someone else set (User.must_change_password) can do nothing but change it.

Whoever created the account or reset its password knows that password, so until the user sets their own, every page
leads to the password change (the profile page), an htmx request is sent there with HX-Redirect, and the API answers
403. Left open: the change page itself, logout, the language switch, static files and the public pages (no login
anyway). Token-authenticated API calls are stopped by the token authentication (apps.accounts.authentication), since
DRF authenticates them after the middleware has run.
"""

from functools import cache

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import URLResolver, get_resolver, reverse
from django.utils.translation import gettext as _


def must_change_message():
    return _("您的密码由管理员设置，管理员知道这个密码。请先修改为只有您本人知道的新密码，然后才能使用其他功能。")


# What is open to an account that must change its password, by URL name, so that a moved URL stays open: the public
# pages (whole URL namespaces) and what the change itself needs.
_OPEN_NAMESPACES = ("report", "stars", "open311")
_OPEN_NAMES = ("accounts:profile", "accounts:logout", "accounts:login", "set_language", "favicon", "core:healthz",
               "core:readyz")


@cache
def _open_paths() -> tuple[frozenset, tuple]:
    """(exact paths, path prefixes) open to such an account. Built on first use, not at import (the URLconf may not be
    loaded yet), and once: the URLconf does not change while the process runs."""
    exact = frozenset(reverse(name) for name in _OPEN_NAMES)
    prefixes = tuple("/" + str(entry.pattern) for entry in get_resolver().url_patterns
                     if isinstance(entry, URLResolver) and entry.namespace in _OPEN_NAMESPACES)
    if len(prefixes) != len(_OPEN_NAMESPACES):  # a renamed namespace must not silently close the public pages
        raise LookupError(f"PasswordChangeRequiredMiddleware: URL namespaces not found among {_OPEN_NAMESPACES}")
    return exact, prefixes


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
        exact, prefixes = _open_paths()
        if path in exact:
            return True
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
        return path.startswith(static) or path.startswith(prefixes)

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
