"""Forms of the care fund (checked again by fund_services): opening a fund, an entry, a decision, a reversal, and the
entries' filter. The beneficiary is picked with a member search (htmx) and travels as `beneficiary_pk`, resolved
against the fund's candidates (never trusted)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.models import Organization
from apps.orgs.picker import OrgChoiceField

from .fund_models import INCOME_KINDS, SPENDING_KINDS, FundDirection, FundEntryKind, FundEntryStatus
from .scopes import FUND_MANAGE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> reads, in any locale


class FundOpenForm(forms.Form):
    organization = OrgChoiceField(label=_("管理党组织"), capability=FUND_MANAGE)
    name = forms.CharField(label=_("基金名称"), max_length=100)
    opened_on = forms.DateField(label=_("设立日期"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = policy.restrict(Organization, user, FUND_MANAGE)


def kind_choices(direction):
    kinds = INCOME_KINDS if direction == FundDirection.INCOME else SPENDING_KINDS
    return [(k.value, k.label) for k in kinds]


class EntryForm(forms.Form):
    direction = forms.ChoiceField(label=_("收支"), choices=FundDirection.choices, initial=FundDirection.SPENDING)
    kind = forms.ChoiceField(label=_("类型"), choices=FundEntryKind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0.01, max_digits=10, decimal_places=2,
                                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    beneficiary_pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    source = forms.CharField(label=_("来源或经办"), max_length=100, required=False)
    reason = forms.CharField(label=_("事由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        direction = self.data.get("direction") or self.initial.get("direction") or FundDirection.SPENDING
        self.fields["kind"].choices = kind_choices(direction)

    def clean(self):
        data = super().clean()
        pk = data.get("beneficiary_pk")
        data["beneficiary"] = None
        if data.get("direction") == FundDirection.SPENDING:
            found = self.candidates.filter(pk=pk).first() if pk else None
            if found is None:
                self.add_error(None, _("支出须选择受助党员（在“受助党员”中搜索并选择）"))
            data["beneficiary"] = found
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), max_length=500, required=False)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class EntryFilterForm(forms.Form):
    start = forms.DateField(label=_("起"), required=False, widget=DATE)
    end = forms.DateField(label=_("止"), required=False, widget=DATE)
    direction = forms.ChoiceField(label=_("收支"), required=False, choices=[("", _("全部"))] + FundDirection.choices)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + FundEntryKind.choices)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + FundEntryStatus.choices)


class ReportForm(forms.Form):
    period = forms.ChoiceField(choices=[("month", _("按月")), ("quarter", _("按季度")), ("year", _("按年"))],
                               required=False)
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
