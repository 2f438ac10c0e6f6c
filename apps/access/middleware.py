"""Accounts confined to a few pages (policy.CONFINED_ROLES): the external evaluator (第三方测评员) uses the resident
surveys and nothing else. Each app's view checks its own capability already; this is the second wall, so that a page
open to any signed-in user (a list that would be empty, an API schema, a page added later) answers them 403 too.

Checked in `process_view`, on the URL name the request resolved to (a moved URL stays open or closed as it was); a path
that resolves to nothing is the usual 404. The API answers 403 in JSON; a token-authenticated API call is refused by
the token authentication (apps.accounts.authentication), which DRF runs after the middleware.
"""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext as _

from . import policy


def confined_message():
    return _("您的账号只能使用群众满意度测评，不能打开该页面")


class ConfinedRoleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        confined = policy.confinement(user)
        match = request.resolver_match
        if confined is None or match is None or policy.confined_may_open(confined, match.view_name, match.namespaces):
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": confined_message()}, status=403, json_dumps_params={"ensure_ascii": False})
        raise PermissionDenied(confined_message())
