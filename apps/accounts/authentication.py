"""API token authentication with an expiry.

A token is good for settings.API_TOKEN_DAYS days from when it was issued (the profile page or
`manage.py issue_api_token` issues a new one); a password change deletes the user's tokens
(apps.accounts.services.user_set_password). An account that must change its password (User.must_change_password)
is refused with 403 until it has.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from apps.access import policy


def token_expires_at(token):
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(_("API令牌已过期，请在“个人设置”页面重新生成"))
        if user.must_change_password:
            # Like the pages (apps.accounts.middleware): a password someone else set is changed before anything else.
            from .middleware import must_change_message

            raise exceptions.PermissionDenied(must_change_message())
        if policy.confinement(user) is not None:  # the external evaluator: the surveys' pages only (access.middleware)
            from apps.access.middleware import confined_message

            raise exceptions.PermissionDenied(confined_message())
        return user, token
