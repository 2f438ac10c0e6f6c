"""Login with lockout, tokens; every outcome audited."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from apps.audit.services import Action, audit_record

from .models import User


class LoginError(Exception):
    pass


def login_check(*, request, username, password) -> User:
    """Authenticate, enforcing the lockout after repeated failures. Raises LoginError (a message for the user)."""
    username = (username or "").strip()
    user = User.objects.filter(username=username).first()
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        audit_record(actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user", object_id=user.pk,
                     object_repr=username, request=request, note="账号锁定期间尝试登录")
        raise LoginError(_("登录失败次数过多，账号已锁定，请{minutes}分钟后再试").format(minutes=minutes))
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is None:
        # Record the failure (and any lockout) first, then refuse: the audit row must survive the refusal.
        with transaction.atomic():
            note = "用户名或密码错误"
            locked = False
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
                    user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                    user.failed_logins = 0
                    locked = True
                    note = f"连续失败{settings.LOGIN_FAILURE_LIMIT}次，锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟"
                user.save(update_fields=["failed_logins", "locked_until"])
            audit_record(actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user",
                         object_id=user.pk if user else "", object_repr=username[:150], request=request, note=note)
        if locked:
            raise LoginError(_("登录失败次数过多，账号已锁定{minutes}分钟").format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
        raise LoginError(_("用户名或密码错误"))
    with transaction.atomic():
        authenticated.failed_logins = 0
        authenticated.locked_until = None
        authenticated.save(update_fields=["failed_logins", "locked_until"])
        audit_record(actor=authenticated, action=Action.LOGIN, obj=authenticated, request=request)
    return authenticated


@transaction.atomic
def api_token_issue(*, actor, user, request=None) -> str:
    """Create (or replace) the user's API token; returns the key."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(actor=actor, action=Action.TOKEN, obj=user, request=request, note="生成新的API令牌")
    return token.key


@transaction.atomic
def user_create(*, actor, username, display_name, password, request=None) -> User:
    from apps.audit.services import snapshot

    user = User(username=username, display_name=display_name)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action=Action.CREATE, obj=user, after=snapshot(user), request=request)
    return user


@transaction.atomic
def role_assign(*, actor, user, role, organization, can_unmask=False, request=None):
    from apps.access.models import RoleAssignment
    from apps.audit.services import snapshot

    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"can_unmask": can_unmask})
    if not created:
        before = snapshot(assignment)
        assignment.can_unmask = can_unmask
        assignment.save()
        audit_record(actor=actor, action=Action.UPDATE, obj=assignment, before=before, after=snapshot(assignment), request=request)
    else:
        audit_record(actor=actor, action=Action.CREATE, obj=assignment, after=snapshot(assignment), request=request)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment, request=None):
    from apps.audit.services import snapshot

    before = snapshot(assignment)
    audit_record(actor=actor, action=Action.DELETE, obj=assignment, before=before, request=request)
    assignment.delete()


@transaction.atomic
def user_set_active(*, actor, user, active, request=None):
    before = {"is_active": user.is_active}
    user.is_active = active
    if active:
        user.locked_until = None
        user.failed_logins = 0
    user.save(update_fields=["is_active", "locked_until", "failed_logins"])
    audit_record(actor=actor, action=Action.UPDATE, obj=user, before=before, after={"is_active": active}, request=request)
