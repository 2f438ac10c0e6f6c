from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.access.models import Role
from apps.orgs.models import Organization
from apps.orgs.picker import GRANT, OrgChoiceField

from .models import User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's change-password form without its own check of the current password: that check is made by
    `services.user_set_password`, which counts the wrong ones (settings.PASSWORD_CHANGE_FAILURE_LIMIT); checked here
    it would be an unlimited oracle."""

    def clean_old_password(self):
        return self.cleaned_data["old_password"]


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
    """Offers only what the actor may grant (apps.access.grants): the roles, and with the organization picker the
    organizations where they may grant (picker mode `grant`). Any role is still accepted as input, and so is an
    existing organization outside that scope, so that an attempt beyond the actor's rights reaches the service,
    which refuses it and records the attempt."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    organization = OrgChoiceField(label=_("所在组织"), capability=GRANT, required=False,
                                  help_text=_("输入名称、拼音首字母或组织编码选择；系统管理员角色不填"))
    can_unmask = forms.BooleanField(label=_("可查看完整身份证号"), required=False,
                                    help_text=_("须由持有该权限的区级或组织管理员在其范围内授予；不能与系统管理、审计职责兼任"))

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        from apps.access import grants

        self.fields["organization"].queryset = grants.grant_orgs(actor) if actor is not None else Organization.objects.all()
        if actor is not None:
            offered = set(grants.grantable_roles(actor))
            self.fields["role"].widget.choices = [(value, label) for value, label in Role.choices if value in offered]
            if not grants.offers_unmask(actor):
                self.fields["can_unmask"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        errors = self._errors.get("organization")
        if errors and any(e.code == "invalid_choice" for e in errors.as_data()):
            # Not in the picker's scope: if it exists, the service decides (refused and audited); the page never
            # shows it back (the field resolves only within the scope), so nothing outside the scope is disclosed.
            raw = self.fields["organization"].widget.value_from_datadict(self.data, self.files, self.add_prefix("organization"))
            outside = OrgChoiceField(queryset=Organization.objects.all())._resolve(raw) if raw else None
            if outside is not None:
                del self._errors["organization"]
                data["organization"] = outside
        if "organization" not in self._errors:
            if data.get("role") and data["role"] != Role.SYSTEM_ADMIN and data.get("organization") is None:
                self.add_error("organization", gettext("该角色须指定所在组织"))
        return data
