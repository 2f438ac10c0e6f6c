from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from apps.access import policy
from apps.access.models import RoleAssignment
from apps.audit.services import Action, audit_record

from . import services
from .forms import LoginForm, RoleAssignForm, UserCreateForm
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
    if request.user.is_authenticated:
        audit_record(actor=request.user, action=Action.LOGOUT, obj=request.user, request=request)
    logout(request)
    return redirect("accounts:login")


@login_required
def profile(request):
    token = None
    password_form = PasswordChangeForm(request.user)
    if request.method == "POST":
        if request.POST.get("action") == "token":
            token = services.api_token_issue(actor=request.user, user=request.user, request=request)
            messages.success(request, _("已生成新的API令牌，请立即复制保存，离开本页后将不再显示。"))
        elif request.POST.get("action") == "password":
            password_form = PasswordChangeForm(request.user, request.POST)
            if password_form.is_valid():
                user = password_form.save()
                update_session_auth_hash(request, user)
                audit_record(actor=user, action=Action.UPDATE, obj=user, request=request, note="修改密码")
                messages.success(request, _("密码已修改。"))
                return redirect("accounts:profile")
    has_token = Token.objects.filter(user=request.user).exists()
    roles = RoleAssignment.objects.filter(user=request.user).select_related("organization")
    return render(request, "accounts/profile.html", {
        "token": token, "has_token": has_token, "roles": roles, "password_form": password_form,
    }, status=400 if password_form.errors else 200)


def _require_system(user):
    if not policy.has_capability(user, policy.SYSTEM_MANAGE):
        raise PermissionDenied(_("只有系统管理员可以管理用户和角色"))


@login_required
def users(request):
    _require_system(request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(actor=request.user, request=request, **form.cleaned_data)
        messages.success(request, _("已创建用户 {username}，请为其分配角色。").format(username=user.username))
        return redirect("accounts:user_detail", user.pk)
    users_qs = User.objects.order_by("username").prefetch_related("roles__organization")
    return render(request, "accounts/users.html", {"form": form, "users": users_qs, "section": "system"},
                  status=400 if form.errors else 200)


@login_required
def user_detail(request, pk):
    _require_system(request.user)
    target = get_object_or_404(User, pk=pk)
    form = RoleAssignForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            assignment = get_object_or_404(RoleAssignment, pk=request.POST.get("assignment"), user=target)
            services.role_revoke(actor=request.user, assignment=assignment, request=request)
            messages.success(request, _("已撤销该角色。"))
            return redirect("accounts:user_detail", target.pk)
        if action in ("activate", "deactivate"):
            services.user_set_active(actor=request.user, user=target, active=action == "activate", request=request)
            messages.success(request, _("账号状态已更新。"))
            return redirect("accounts:user_detail", target.pk)
        if form.is_valid():
            services.role_assign(actor=request.user, user=target, role=form.cleaned_data["role"],
                                 organization=form.cleaned_data["organization"],
                                 can_unmask=form.cleaned_data["can_unmask"], request=request)
            messages.success(request, _("已分配角色。"))
            return redirect("accounts:user_detail", target.pk)
    roles = target.roles.select_related("organization")
    return render(request, "accounts/user_detail.html", {"target": target, "roles": roles, "form": form, "section": "system"},
                  status=400 if form.errors else 200)
