"""Forms of the books (checked again by book_services and statement_services): the organization-and-month filter of
the books and the summary, a remittance, a reversal, a close, a statement upload."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.excel import CellError, parse_date_cell
from apps.orgs.picker import OrgChoiceField

from .models import PaymentMethod
from .rules import month_start
from .scopes import DUES_COLLECT, DUES_VIEW

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_INPUT = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})


class MonthField(forms.CharField):
    """A month as 2026-03 (the browser's month input), 2026年3月 or a date in it: its first day."""

    widget = MONTH_INPUT
    default_error_messages = {"invalid": _("月份格式不正确，请填写如 2026-03")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            day = parse_date_cell(value)
        except CellError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if day is None or not date(2000, 1, 1) <= day <= date(2100, 12, 31):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month_start(day)

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value


class BooksFilter(forms.Form):
    org = OrgChoiceField(label=_("党组织"), capability=DUES_VIEW, kinds="", active_only=False, required=False)
    month = MonthField(label=_("月份"), required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class RemittanceForm(forms.Form):
    organization = OrgChoiceField(label=_("上缴党组织"), capability=DUES_COLLECT)
    month = MonthField(label=_("所属月份"))
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0.01, max_value=99999999.99, decimal_places=2,
                                max_digits=14, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                error_messages={"invalid": _("金额须为数字"),
                                                "max_decimal_places": _("金额最多保留两位小数")})
    remitted_on = forms.DateField(label=_("上缴日期"), widget=DATE_INPUT)
    to_centre = forms.BooleanField(label=_("直接上缴中央"), required=False,
                                   help_text=_("仅用于自愿多交的大额党费；通常上缴上级党组织"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=190)


class CloseForm(forms.Form):
    organization = OrgChoiceField(label=_("党组织"), capability=DUES_COLLECT)
    month = MonthField(label=_("结账月份"))

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs


CHANNELS = [(value, label) for value, label in PaymentMethod.choices if value != PaymentMethod.CASH]


class StatementForm(forms.Form):
    organization = OrgChoiceField(label=_("党组织"), capability=DUES_COLLECT)
    method = forms.ChoiceField(label=_("渠道"), choices=CHANNELS)
    first_day = forms.DateField(label=_("起始日期"), widget=DATE_INPUT)
    last_day = forms.DateField(label=_("截止日期"), widget=DATE_INPUT)
    file = forms.FileField(label=_("对账单文件"), help_text=_("Excel（.xlsx）或 CSV，列：日期、金额、流水号、付款人"))

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs
