from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.access.models import Role
from apps.orgs.models import Organization

from .models import User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class UserCreateForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), max_length=150, regex=r"^[\w.@+-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 @/./+/-/_")})
    display_name = forms.CharField(label=_("姓名"), max_length=60)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(gettext("该用户名已存在"))
        return username

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class RoleAssignForm(forms.Form):
    """Offers only what the actor may grant (apps.access.grants). Any role is still accepted as input, so that an
    attempt beyond the actor's rights reaches the service, which refuses it and records the attempt."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    org_code = forms.CharField(label=_("组织编码"), max_length=32, required=False, help_text=_("系统管理员角色可不填"))
    can_unmask = forms.BooleanField(label=_("可查看完整身份证号"), required=False,
                                    help_text=_("须由持有该权限的区级或组织管理员在其范围内授予；不能与系统管理、审计职责兼任"))

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None:
            from apps.access import grants

            offered = set(grants.grantable_roles(actor))
            self.fields["role"].widget.choices = [(value, label) for value, label in Role.choices if value in offered]
            if not grants.offers_unmask(actor):
                self.fields["can_unmask"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        code = (data.get("org_code") or "").strip()
        data["organization"] = None
        if code:
            data["organization"] = Organization.objects.filter(code=code, is_active=True).first()
            if data["organization"] is None:
                self.add_error("org_code", gettext("未找到该组织编码对应的现存组织"))
        elif data.get("role") and data["role"] != Role.SYSTEM_ADMIN:
            self.add_error("org_code", gettext("该角色须指定所在组织"))
        return data
