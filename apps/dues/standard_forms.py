"""Forms of dues standards and hardship applications: shapes and types only; the rules are the services'."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .rules import BASED, DuesCategory


def _no_nul(value):
    if value and "\x00" in value:
        raise ValidationError(_("不能含有控制字符"))


class MonthField(forms.CharField):
    """A month as "YYYY-MM" (an <input type="month">), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = (int(x) for x in value.strip().split("-"))
            return date(year, month, 1)
        except (ValueError, TypeError, OverflowError):
            raise ValidationError(_("请按“年-月”填写月份，例如 2026-01")) from None


class StandardForm(forms.Form):
    category = forms.ChoiceField(label=_("缴纳类别"), choices=DuesCategory.choices)
    base = forms.DecimalField(label=_("月缴纳基数（元）"), required=False, min_value=0, max_digits=9, decimal_places=2,
                              help_text=_("在职党员填税后月工资收入，离退休党员填离退休费；农民、学生、下岗失业、低保党员不填"))
    effective_from = forms.DateField(label=_("执行日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     help_text=_("从该日所在月的下一个月起执行；入党当月从入党之日起"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200, validators=[_no_nul])

    def clean(self):
        data = super().clean()
        category, base = data.get("category"), data.get("base")
        if category in BASED and base is None and "base" not in self.errors:
            self.add_error("base", _("在职或离退休党员须填写月缴纳基数"))
        if category and category not in BASED:
            data["base"] = None  # a flat category takes no base: a stray value is dropped, not stored
        return data


class HardshipForm(forms.Form):
    first_month = MonthField(label=_("起始月份"))
    last_month = MonthField(label=_("截止月份"), required=False, help_text=_("不填表示长期"))
    monthly_amount = forms.DecimalField(label=_("减免后每月应缴（元）"), min_value=0, max_digits=9, decimal_places=2,
                                        help_text=_("免交填 0"))
    reason = forms.CharField(label=_("困难情况"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
                             validators=[_no_nul])


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), required=False, max_length=500, validators=[_no_nul])
