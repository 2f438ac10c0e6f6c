"""Forms of transfers and letters. The receiving organization is named by its code (it lies outside the sender's
scope, so the scoped picker cannot offer it); the service checks it is an active branch elsewhere."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.picker import OrgChoiceField

from . import transfer_selectors as selectors
from .transfer_models import LETTER_FIELDS, Reach, Series

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ToOrganizationField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        org = selectors.branch_by_code(value)
        if org is None:
            raise forms.ValidationError(_("未找到该组织编码对应的现存党支部"))
        return org


class TransferForm(forms.Form):
    to_organization = ToOrganizationField(label=_("接收党组织编码"), max_length=32)
    reason = forms.CharField(label=_("转接原因"), max_length=200)


class ResendForm(forms.Form):
    to_organization = ToOrganizationField(label=_("接收党组织编码"), max_length=32, required=False,
                                          help_text=_("留空则重新发往原接收党组织"))
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


class LetterForm(forms.Form):
    destination = forms.CharField(label=_("去往党组织"), max_length=120)
    reach = forms.ChoiceField(label=_("范围"), choices=Reach.choices, initial=Reach.CITY)
    validity_days = forms.IntegerField(label=_("有效期（天）"), required=False, min_value=1,
                                       max_value=settings.LETTER_VALIDITY_DAYS_MAX,
                                       help_text=_("留空：市内10天，市外30天；最长90天"))


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("回执收到日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class BatchForm(forms.Form):
    ids = forms.CharField(max_length=20000)

    def clean_ids(self):
        raw = [p for p in self.cleaned_data["ids"].replace(",", " ").split() if p]
        if not raw or not all(p.isascii() and p.isdigit() and len(p) < 19 for p in raw):
            raise forms.ValidationError(_("请选择要打印的介绍信"))
        if len(raw) > settings.LETTER_BATCH_MAX:
            raise forms.ValidationError(_("一次最多打印{n}封").format(n=settings.LETTER_BATCH_MAX))
        return [int(p) for p in raw]


class IncomingForm(forms.Form):
    organization = OrgChoiceField(label=_("接收党组织"), capability=policy.MEMBER_MANAGE, kinds="branch")
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    category = forms.ChoiceField(label=_("人员类别"), choices=[("full", _("正式党员")), ("probationary", _("预备党员"))])
    joined_on = forms.DateField(label=_("入党日期"), widget=DATE)
    full_member_on = forms.DateField(label=_("转正日期"), widget=DATE, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    letter_number = forms.CharField(label=_("介绍信编号"), max_length=40)
    issued_by_name = forms.CharField(label=_("开具党组织"), max_length=120)
    issued_on = forms.DateField(label=_("开具日期"), widget=DATE)
    dues_paid_to = forms.DateField(label=_("党费交至（月份第一天）"), widget=DATE, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = policy.restrict(policy.organization_model(), user,
                                                               policy.MEMBER_MANAGE)

    MEMBER_KEYS = ("name", "id_number", "category", "joined_on", "full_member_on", "phone")


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=[(Series.CERTIFICATE, Series.CERTIFICATE.label),
                                                     (Series.FLOW_CARD, Series.FLOW_CARD.label)])
    place = forms.CharField(label=_("外出地点"), max_length=120, required=False)
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE, required=False, help_text=_("留空：证明信6个月，活动证1年"))


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("模板名称"), max_length=60)

    LABELS = {"number": _("编号"), "name": _("姓名"), "sex": _("性别"), "age": _("年龄"), "category": _("党员类别"),
              "from_org": _("转出党组织"), "destination": _("去往党组织"), "dues_paid_to": _("党费交至"),
              "validity_days": _("有效期"), "issued_on": _("开具日期")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in LETTER_FIELDS:
            for axis in ("x", "y"):
                self.fields[f"{field}_{axis}"] = forms.DecimalField(
                    label=f"{self.LABELS[field]} {axis.upper()}", required=False, min_value=0,
                    max_value=297, decimal_places=1, max_digits=4)

    def offsets(self):
        d = self.cleaned_data
        return {f: {"x": d.get(f"{f}_x"), "y": d.get(f"{f}_y")} for f in LETTER_FIELDS
                if d.get(f"{f}_x") is not None or d.get(f"{f}_y") is not None}

    def rows(self):
        return [(self.LABELS[f], self[f"{f}_x"], self[f"{f}_y"]) for f in LETTER_FIELDS]
