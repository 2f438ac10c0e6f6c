"""Forms of dues payments (checked again by payment_services): choosing the sheet's organization and month, one
payment, several months at once, the sheet's batch, a void, a filled sheet's upload."""

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.models import Organization
from apps.orgs.picker import OrgChoiceField

from .models import PaymentKind, PaymentMethod
from .scopes import DUES_VIEW

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MONEY_INPUT = {"inputmode": "decimal", "autocomplete": "off"}


def parse_month(raw, default: date) -> date:
    """`YYYY-MM` → the month's first day; empty → `default`; anything else a ValueError."""
    raw = str(raw or "").strip()
    if not raw:
        return default.replace(day=1)
    m = MONTH.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError(raw)
    return date(int(m.group(1)), int(m.group(2)), 1)


class MonthField(forms.Field):
    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        try:
            return parse_month(value, timezone.localdate())
        except ValueError:
            raise forms.ValidationError(_("月份格式不正确，应为 2026-01 这样的格式")) from None


class SheetPickForm(forms.Form):
    org = OrgChoiceField(label=_("党组织"), capability=DUES_VIEW, kinds="",
                         error_messages={"invalid_choice": _("未找到该党组织，或它不在您的党费管理范围内")})
    month = MonthField(label=_("月份"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = policy.restrict(Organization, user, DUES_VIEW)


class PaymentForm(forms.Form):
    """One member's regular dues for one month (the sheet's quick 登记), or a voluntary payment."""

    month = MonthField(label=_("所属月份"))
    kind = forms.ChoiceField(label=_("类型"), choices=PaymentKind.choices, initial=PaymentKind.REGULAR)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=12, decimal_places=2, min_value=0,
                                widget=forms.TextInput(attrs=MONEY_INPUT),
                                error_messages={"invalid": _("金额格式不正确"), "max_digits": _("金额过大"),
                                                "max_decimal_places": _("金额最多两位小数")})
    method = forms.ChoiceField(label=_("缴纳方式"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    paid_on = forms.DateField(label=_("缴纳日期"), widget=DATE, error_messages={"invalid": _("日期格式不正确")})
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False)
    ahead_consent = forms.CharField(label=_("提前缴纳的支部同意"), max_length=200, required=False,
                                    help_text=_("提前缴纳时填写，例如：经2026年3月5日支委会同意"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class MonthsForm(forms.Form):
    """Several consecutive months at once: a quarter ahead (with the branch's consent) or months of back-payment."""

    first_month = MonthField(label=_("起始月份"))
    count = forms.IntegerField(label=_("月数"), min_value=1, max_value=12, initial=3,
                               error_messages={"invalid": _("请填写数字"), "min_value": _("一次登记1至12个月"),
                                               "max_value": _("一次登记1至12个月")})
    method = forms.ChoiceField(label=_("缴纳方式"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    paid_on = forms.DateField(label=_("缴纳日期"), widget=DATE, error_messages={"invalid": _("日期格式不正确")})
    ahead_consent = forms.CharField(label=_("提前缴纳的支部同意"), max_length=200, required=False)
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False)


class BatchForm(forms.Form):
    """The sheet's 批量登记: the ticked members, one method and date (each pays what they owe)."""

    members = forms.TypedMultipleChoiceField(label=_("党员"), coerce=int, choices=(),
                                             error_messages={"required": _("请勾选要登记的党员"),
                                                             "invalid_choice": _("所选党员不在本收缴表中")})
    method = forms.ChoiceField(label=_("缴纳方式"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    paid_on = forms.DateField(label=_("缴纳日期"), widget=DATE, error_messages={"invalid": _("日期格式不正确")})

    def __init__(self, *args, member_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(pk, pk) for pk in member_ids]


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写作废原因")})


class ImportForm(forms.Form):
    file = forms.FileField(label=_("填写好的收缴表（.xlsx）"), error_messages={"required": _("请选择文件")})
