"""Every write on accounts: login with lockout, logout, tokens, passwords, roles, account status; each atomic with
its audit row, and a refusal recorded on its own (in a transaction of its own, after the refused change rolled back)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from apps.access import grants, policy
from apps.access.models import RoleAssignment
from apps.audit.services import Action, audit_record
from apps.core import ratelimit
from apps.core.net import rate_key

from .models import User


class LoginError(Exception):
    pass


def _audit_failure(request, user, username, note):
    """A failed login, recorded on its own: nothing it could share a transaction with (the attempt's count is
    committed already, and the refusal must stay on record)."""
    with transaction.atomic():
        audit_record(actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user",
                     object_id=user.pk if user else "", object_repr=username[:150], request=request, note=note)


def _reserve_attempt(username):
    """Count an attempt on the account before its password is checked, under the user row's lock.

    Returns (user, minutes still locked or 0, whether this attempt set the lockout). The attempt that reaches
    LOGIN_FAILURE_LIMIT locks the account at once, before its own password is checked (a success clears it again),
    so parallel guesses cannot all pass on the old count: at most LOGIN_FAILURE_LIMIT of them reach the password."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            return None, 0, False
        now = timezone.now()
        if user.locked_until and user.locked_until > now:
            return user, int((user.locked_until - now).total_seconds() // 60) + 1, False
        if user.locked_until:  # the lockout has run out: counting starts again
            user.failed_logins, user.locked_until = 0, None
        user.failed_logins += 1  # read and written under the row lock
        locks = user.failed_logins >= settings.LOGIN_FAILURE_LIMIT
        if locks:
            user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        user.save(update_fields=["failed_logins", "locked_until"])
    return user, 0, locks


def login_check(*, request, username, password) -> User:
    """Authenticate, enforcing the lockout after repeated failures. Raises LoginError (a message for the user).

    Every attempt is counted before its password is checked — per client address in apps.core.ratelimit (one atomic
    statement), per account on the user row under a row lock — and refused on the counted value, so a burst of
    parallel guesses is bounded by the limits; a success gives its attempts back."""
    username = (username or "").strip()
    address = ratelimit.hit("login-ip", rate_key(request), limit=settings.LOGIN_IP_FAILURE_LIMIT,
                            window=settings.LOGIN_IP_WINDOW_MINUTES * 60)
    if not address.allowed:
        user = User.objects.filter(username=username).first()
        _audit_failure(request, user, username, f"同一网络地址{settings.LOGIN_IP_WINDOW_MINUTES}分钟内登录失败超过"
                                                f"{settings.LOGIN_IP_FAILURE_LIMIT}次")
        raise LoginError(_("登录失败次数过多，请{minutes}分钟后再试").format(minutes=address.retry_minutes))
    user, locked_minutes, locks = _reserve_attempt(username)
    if locked_minutes:
        _audit_failure(request, user, username, "账号锁定期间尝试登录")
        raise LoginError(_("登录失败次数过多，账号已锁定，请{minutes}分钟后再试").format(minutes=locked_minutes))
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is None:
        # The failure (and any lockout) is already counted; the audit row is written on its own, outside any
        # transaction the refusal could roll back.
        note = "用户名或密码错误"
        if locks:
            note = f"连续失败{settings.LOGIN_FAILURE_LIMIT}次，锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟"
        _audit_failure(request, user, username, note)
        if locks:
            raise LoginError(_("登录失败次数过多，账号已锁定{minutes}分钟").format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
        raise LoginError(_("用户名或密码错误"))
    ratelimit.refund(address)
    with transaction.atomic():
        authenticated.failed_logins = 0
        authenticated.locked_until = None
        authenticated.save(update_fields=["failed_logins", "locked_until"])
        audit_record(actor=authenticated, action=Action.LOGIN, obj=authenticated, request=request)
    return authenticated


class GrantRefused(PermissionDenied):
    """A change of roles, duties or another's password that the grant rules (apps.access.grants) refuse.

    Raised after the refusal is audited; the message is for the user (the views answer 403 with it)."""


class TooManyPasswordAttempts(GrantRefused):
    """Too many wrong current passwords on one's own password change (settings.PASSWORD_CHANGE_FAILURE_LIMIT)."""


class _Refusal(Exception):
    pass


_ROLE_CHANGES = ("授予角色", "撤销角色")


def record_refusal(*, actor, user, problem, what, detail=None, organization=None, request=None):
    """Record a refused attempt on `user`'s roles or account, wherever it was stopped (the role services here, or
    the pages' access check): the auditor sees every attempt. A refused grant or revocation is "越权授权被拒绝"; any
    other refused change of the account (password, enabling, disabling) "账号变更被拒绝".

    Called after the refused change's transaction has ended (rolled back), so the row is written in a transaction
    of its own: written inside the refused change, it would go with it."""
    action = Action.ROLE_GRANT_REFUSED if what in _ROLE_CHANGES else Action.ACCOUNT_CHANGE_REFUSED
    with transaction.atomic():
        audit_record(actor=actor, action=action, obj=user, after=detail, organization=organization,
                     request=request, note=f"{what}：{problem}"[:300])


def _refuse(*, problem, **kwargs):
    record_refusal(problem=problem, **kwargs)
    raise GrantRefused(problem)


def refuse_change(*, actor, user, problem, what, request=None):
    """record_refusal, then raise GrantRefused."""
    _refuse(actor=actor, user=user, problem=problem, what=what, request=request)


def _lock_account(user):
    """One change of an account's roles or password at a time: the duties checked are the duties it holds."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


@transaction.atomic
def user_logout(*, actor, request):
    """End the session of `actor` (request.user), audited in the same transaction as the session's end."""
    if getattr(actor, "is_authenticated", False):
        audit_record(actor=actor, action=Action.LOGOUT, obj=actor, request=request)
    logout(request)


@transaction.atomic
def api_token_issue(*, actor, user, request=None) -> str:
    """Create (or replace) the user's API token; returns the key. It expires after settings.API_TOKEN_DAYS
    (apps.accounts.authentication) and is void once the password changes (user_set_password)."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(actor=actor, action=Action.TOKEN, obj=user, request=request, note="生成新的API令牌")
    return token.key


def user_set_password(*, actor, user, password, old_password=None, request=None):
    """Set `user`'s password: the user's own change (with their current password, checked here) or a reset by
    someone else. Every API token of the user is deleted with it, in the same transaction: a token must not outlive
    the password it was issued under. Another's password is set only where the grant rules allow it
    (apps.access.grants.account_takeover_problem); a refusal is audited and raised as GrantRefused. `actor` None is
    the server console. A password set by someone else must be changed by the user before anything else
    (User.must_change_password, apps.accounts.middleware); the user's own change clears it."""
    own = actor is not None and actor.pk == user.pk and old_password is not None
    what = "修改密码" if own else "重置密码"
    attempt = None
    if own:
        # Counted before the current password is checked, in one atomic statement outside the transaction below
        # (apps.core.ratelimit), so parallel guesses cannot all pass on an old count; a correct one is given back.
        attempt = ratelimit.hit("password-change", str(user.pk), limit=settings.PASSWORD_CHANGE_FAILURE_LIMIT,
                                window=settings.PASSWORD_CHANGE_WINDOW_MINUTES * 60)
        if not attempt.allowed:
            problem = _("原密码输错次数过多，请{minutes}分钟后再试").format(minutes=attempt.retry_minutes)
            record_refusal(actor=actor, user=user, problem=problem, what=what, request=request)
            raise TooManyPasswordAttempts(problem)
    try:
        with transaction.atomic():
            _lock_account(user)
            if own:
                problem = None if user.check_password(old_password) else _("原密码不正确")
            else:
                problem = None if actor is None else grants.account_takeover_problem(actor, user)
            if problem:
                raise _Refusal(problem)
            user.refresh_from_db(fields=["must_change_password"])
            before = {"must_change_password": user.must_change_password}
            first_own = own and user.must_change_password
            if own:
                # The user's own password: nobody else knows it any more. The first such change after a password
                # someone else set is recorded as such (who, when), so that the auditor, and the account's owner on
                # their profile, see it if it was made by whoever knew the set password.
                user.password_changed_at = timezone.now()
                user.must_change_password = False
            else:
                # Whoever sets it knows it: the user must replace it before doing anything else.
                user.must_change_password = True
            after = {"must_change_password": user.must_change_password}
            if before == after:
                before = after = None
            user.set_password(password)
            user.save(update_fields=["password", "must_change_password", "password_changed_at"])
            tokens, _counts = Token.objects.filter(user=user).delete()
            note = what + ("（首次修改由他人设置的密码）" if first_own else "") + ("；API令牌已作废" if tokens else "")
            audit_record(actor=actor, action=Action.UPDATE, obj=user, before=before, after=after, request=request,
                         note=note)
    except _Refusal as exc:
        _refuse(actor=actor, user=user, problem=str(exc), what=what, request=request)
    if attempt is not None:
        ratelimit.refund(attempt)
    return user


@transaction.atomic
def user_create(*, actor, username, display_name, password, request=None) -> User:
    from apps.audit.services import snapshot

    # The creator knows the first password: the account must set its own before anything else (must_change_password).
    user = User(username=username, display_name=display_name, must_change_password=True)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action=Action.CREATE, obj=user, after=snapshot(user), request=request)
    return user


def role_assign(*, actor, user, role, organization, can_unmask=False, request=None):
    """Give `user` a role on `organization`, or change the assignment's can_unmask. Whether `actor` may is decided by
    the grant rules (apps.access.grants: nobody changes their own roles, only roles the actor may grant, on
    organizations in their scope, never combining the separated duties); a refusal is audited and raised as
    GrantRefused. `actor` None is the server console (manage.py grant_role)."""
    from apps.audit.services import snapshot

    can_unmask = bool(can_unmask)
    detail = {"role": role, "organization": getattr(organization, "pk", None), "can_unmask": can_unmask}
    try:
        with transaction.atomic():
            _lock_account(user)
            assignment = (RoleAssignment.objects.select_for_update()
                          .filter(user=user, role=role, organization=organization).first())
            problem = grants.grant_problem(actor, user=user, role=role, organization=organization,
                                           can_unmask=can_unmask, existing=assignment)
            if problem:
                raise _Refusal(problem)
            if assignment is None:
                assignment = RoleAssignment.objects.create(user=user, role=role, organization=organization,
                                                           can_unmask=can_unmask)
                audit_record(actor=actor, action=Action.CREATE, obj=assignment, after=snapshot(assignment),
                             request=request)
            else:
                before = snapshot(assignment)
                assignment.can_unmask = can_unmask
                assignment.save(update_fields=["can_unmask"])
                audit_record(actor=actor, action=Action.UPDATE, obj=assignment, before=before,
                             after=snapshot(assignment), request=request)
    except _Refusal as exc:
        _refuse(actor=actor, user=user, problem=str(exc), what="授予角色", detail=detail, organization=organization,
                request=request)
    policy.clear_cache(user)
    return assignment


def role_revoke(*, actor, assignment, request=None):
    """Revoke a role assignment, if the grant rules let `actor` (else GrantRefused, audited)."""
    from apps.audit.services import snapshot

    user = assignment.user
    try:
        with transaction.atomic():
            _lock_account(user)
            current = RoleAssignment.objects.select_related("organization", "user").filter(pk=assignment.pk).first()
            if current is None:
                return
            problem = grants.revoke_problem(actor, current)
            if problem:
                raise _Refusal(problem)
            audit_record(actor=actor, action=Action.DELETE, obj=current, before=snapshot(current), request=request)
            current.delete()
    except _Refusal as exc:
        _refuse(actor=actor, user=user, problem=str(exc), what="撤销角色", organization=assignment.organization,
                detail={"role": assignment.role, "organization": assignment.organization_id,
                        "can_unmask": assignment.can_unmask}, request=request)
    policy.clear_cache(user)


def user_set_active(*, actor, user, active, request=None):
    """Enable or disable an account, if the grant rules let `actor` (apps.access.grants.account_status_problem: only
    accounts whose every role the actor could revoke, never their own); a refusal is audited and raised as
    GrantRefused. Checked under the account's lock, so a role granted meanwhile is counted. `actor` None is the
    server console."""
    what = "启用账号" if active else "停用账号"
    try:
        with transaction.atomic():
            _lock_account(user)
            problem = None if actor is None else grants.account_status_problem(actor, user)
            if problem:
                raise _Refusal(problem)
            user.refresh_from_db(fields=["is_active", "locked_until", "failed_logins"])
            before = {"is_active": user.is_active}
            user.is_active = active
            if active:
                user.locked_until = None
                user.failed_logins = 0
            user.save(update_fields=["is_active", "locked_until", "failed_logins"])
            audit_record(actor=actor, action=Action.UPDATE, obj=user, before=before, after={"is_active": active},
                         request=request, note=what)
    except _Refusal as exc:
        _refuse(actor=actor, user=user, problem=str(exc), what=what, detail={"is_active": bool(active)}, request=request)
    return user
