from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from apps.access import grants, policy
from apps.access.models import RoleAssignment
from apps.core.lookups import parse_pk

from . import services
from .authentication import token_expires_at
from .forms import LoginForm, OwnPasswordChangeForm, RoleAssignForm, UserCreateForm
from .middleware import must_change_message
from .models import User


def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check(request=request, username=form.cleaned_data["username"],
                                        password=form.cleaned_data["password"])
        except services.LoginError as exc:
            error = str(exc)
        else:
            login(request, user)
            target = request.POST.get("next") or request.GET.get("next")
            if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "/"
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": request.GET.get("next", "")}, status=status)


@require_POST
def logout_view(request):
    services.user_logout(actor=request.user, request=request)
    return redirect("accounts:login")


@login_required
def profile(request):
    token = None
    password_form = OwnPasswordChangeForm(request.user)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "token" and request.user.must_change_password:
            # The API is closed to the account until it changes its password (apps.accounts.middleware).
            raise PermissionDenied(_("请先修改密码，然后再生成API令牌。"))
        if request.POST.get("action") == "token":
            token = services.api_token_issue(actor=request.user, user=request.user, request=request)
            messages.success(request, _("已生成新的API令牌，请立即复制保存，离开本页后将不再显示。"))
        elif request.POST.get("action") == "password":
            password_form = OwnPasswordChangeForm(request.user, request.POST)
            if password_form.is_valid():
                try:
                    user = services.user_set_password(actor=request.user, user=request.user,
                                                      old_password=password_form.cleaned_data["old_password"],
                                                      password=password_form.cleaned_data["new_password1"], request=request)
                except services.TooManyPasswordAttempts as exc:
                    password_form.add_error("old_password", str(exc))
                    status = 429
                except services.GrantRefused:
                    password_form.add_error("old_password", _("原密码不正确，请重新输入。"))
                else:
                    update_session_auth_hash(request, user)
                    messages.success(request, _("密码已修改，原有API令牌已作废。"))
                    return redirect("accounts:profile")
    current = Token.objects.filter(user=request.user).first()
    roles = RoleAssignment.objects.filter(user=request.user).select_related("organization")
    return render(request, "accounts/profile.html", {
        "token": token, "has_token": current is not None, "roles": roles, "password_form": password_form,
        "token_expires": token_expires_at(current) if current else None, "must_change_message": must_change_message(),
    }, status=400 if password_form.errors and status == 200 else status)


def _administers(user) -> bool:
    return policy.has_capability(user, policy.SYSTEM_MANAGE) or grants.administers_roles(user)


_WHAT = {"assign": "授予角色", "revoke": "撤销角色", "password": "重置密码", "activate": "启用账号",
         "deactivate": "停用账号"}


def _refuse(request, allowed, problem, target=None):
    """403 unless `allowed`; an attempted change of an account (a POST naming one) is audited as refused."""
    if allowed:
        return
    action = request.POST.get("action") if request.method == "POST" else None
    if target is not None and action in _WHAT:
        services.refuse_change(actor=request.user, user=target, problem=str(problem), what=_WHAT[action],
                               request=request)
    raise PermissionDenied(problem)


def _visible_users(user):
    """Accounts the user may administer: all for a system-wide granter; else the accounts without a role yet
    (new accounts waiting for theirs) and those holding a role inside the user's grant scope."""
    qs = User.objects.all()
    paths = grants.grant_scope_paths(user)
    if paths is None:
        return qs
    in_scope = RoleAssignment.objects.filter(policy.subtree_q(paths, "organization__path")).values("user_id")
    return qs.filter(Q(roles__isnull=True) | Q(pk__in=in_scope)).distinct()


@login_required
def users(request):
    _refuse(request, _administers(request.user), _("只有系统管理员和有授权权限的管理员可以管理用户和角色"))
    system = policy.has_capability(request.user, policy.SYSTEM_MANAGE)
    form = UserCreateForm(request.POST or None) if system else None
    if request.method == "POST":
        _refuse(request, system, _("只有系统管理员可以创建账号"))
        if form.is_valid():
            user = services.user_create(actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, _("已创建用户 {username}，请为其分配角色。").format(username=user.username))
            return redirect("accounts:user_detail", user.pk)
    users_qs = _visible_users(request.user).order_by("username").prefetch_related("roles__organization")
    return render(request, "accounts/users.html", {"form": form, "users": users_qs, "section": "system"},
                  status=400 if form is not None and form.errors else 200)


@login_required
def user_detail(request, pk):
    actor = request.user
    if not _administers(actor):
        _refuse(request, False, _("只有系统管理员和有授权权限的管理员可以管理用户和角色"),
                User.objects.filter(pk=pk).first())
    action = request.POST.get("action") if request.method == "POST" else None
    target = _visible_users(actor).filter(pk=pk).first()
    if target is None:
        # Out of the actor's scope looks like missing; an attempt to change it is still recorded.
        outside = User.objects.filter(pk=pk).first()
        if outside is not None and action in _WHAT:
            services.record_refusal(actor=actor, user=outside, problem="该账号不在您的管理范围内", what=_WHAT[action],
                                    request=request)
        raise Http404(_("未找到该用户"))
    form = RoleAssignForm(request.POST if action == "assign" else None, actor=actor)
    # A password is reset by whoever could have granted each of the account's roles (grants.account_takeover_problem):
    # the system administrator for accounts without duties, the granting administrators for the others.
    may_reset = grants.account_takeover_problem(actor, target) is None
    # Disabling or enabling follows the same rule (grants.account_status_problem).
    may_set_active = grants.account_status_problem(actor, target) is None
    password_form = SetPasswordForm(target, request.POST if action == "password" else None)
    refused = None
    try:
        if action == "revoke":
            assignment = get_object_or_404(RoleAssignment, pk=parse_pk(request.POST.get("assignment")), user=target)
            services.role_revoke(actor=actor, assignment=assignment, request=request)
            messages.success(request, _("已撤销该角色。"))
            return redirect("accounts:user_detail", target.pk)
        if action in ("activate", "deactivate"):  # the service refuses (and audits) what the actor may not do
            services.user_set_active(actor=actor, user=target, active=action == "activate", request=request)
            messages.success(request, _("账号状态已更新。"))
            return redirect("accounts:user_detail", target.pk)
        if action == "password":
            if password_form.is_valid():  # the service refuses (and audits) a reset the actor may not make
                services.user_set_password(actor=actor, user=target, password=password_form.cleaned_data["new_password1"],
                                           request=request)
                messages.success(request, _("已重置密码，该用户原有的API令牌已作废。"))
                return redirect("accounts:user_detail", target.pk)
        if action == "assign" and form.is_valid():
            services.role_assign(actor=actor, user=target, role=form.cleaned_data["role"],
                                 organization=form.cleaned_data["organization"],
                                 can_unmask=form.cleaned_data["can_unmask"], request=request)
            messages.success(request, _("已分配角色。"))
            return redirect("accounts:user_detail", target.pk)
    except services.GrantRefused as exc:
        refused = str(exc)
    roles = [(r, grants.revoke_problem(actor, r) is None) for r in target.roles.select_related("organization", "user")]
    status = 403 if refused else 400 if form.errors or password_form.errors else 200
    return render(request, "accounts/user_detail.html", {
        "target": target, "roles": roles, "form": form, "password_form": password_form if may_reset else None,
        "refused": refused,
        "may_set_active": may_set_active, "is_self": target.pk == actor.pk, "section": "system",
    }, status=status)
