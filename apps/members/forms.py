from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core import codes

from .models import MemberCategory, MemberStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgCodeField(forms.ModelChoiceField):
    """An organization chosen by its code (a select of thousands of organizations does not scale)."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="code", widget=forms.TextInput(attrs={"placeholder": _("组织编码")}),
                         error_messages={"invalid_choice": _("未找到该组织编码，或您无权在该组织录入党员")}, **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "code"):
            return value.code
        if isinstance(value, int):
            obj = self.queryset.filter(pk=value).first()
            return obj.code if obj else value
        return value


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    organization = OrgCodeField(queryset=None, label=_("所在党组织（编码）"))
    party_group = OrgCodeField(queryset=None, label=_("所在党小组（编码）"), required=False)
    category = forms.ChoiceField(label=_("人员类别"), choices=MemberCategory.choices)
    status = forms.ChoiceField(label=_("党员状态"), choices=MemberStatus.choices)
    joined_on = forms.DateField(label=_("入党日期"), widget=DATE)
    full_member_on = forms.DateField(label=_("转正日期"), widget=DATE, required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=codes.ETHNICITIES, initial="01")
    education = forms.ChoiceField(label=_("学历"), choices=[("", "—")] + codes.EDUCATIONS, required=False)
    occupation = forms.ChoiceField(label=_("职业类别"), choices=[("", "—")] + codes.OCCUPATIONS, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    is_hardship = forms.BooleanField(label=_("困难党员"), required=False)
    flow_place = forms.CharField(label=_("流动去向"), max_length=120, required=False, help_text=_("流动党员必填：外出地点、单位"))
    flow_contact = forms.CharField(label=_("流动期间联系方式"), max_length=120, required=False)

    def __init__(self, *args, org_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = org_queryset.filter(is_active=True).exclude(kind="group")
        self.fields["party_group"].queryset = org_queryset.filter(is_active=True, kind="group")
