from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy

from .models import Organization
from .picker import OrgChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "code", "kind", "domain", "cluster", "unit_name", "is_industry", "is_project", "is_flowing",
                  "covered_units", "founded_on", "term_started_on", "term_adjusted_to", "term_adjust_reason", "address",
                  "contact_phone"]
        widgets = {"founded_on": DATE, "term_started_on": DATE, "term_adjusted_to": DATE, "covered_units": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"code": _("留空则自动生成"), "term_started_on": _("换届提醒据此和任期年限计算届满日期"),
                      "term_adjusted_to": _("经批准延期或提前换届时填写，前后一般不超过1年")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False


class MoveForm(forms.Form):
    parent = OrgChoiceField(label=_("新的上级组织"), capability=policy.ORG_MANAGE, kinds="nongroup")

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = candidates  # organizations the user may manage


class DissolveForm(forms.Form):
    dissolved_on = forms.DateField(label=_("撤销日期"), widget=DATE)
    dissolve_reason = forms.CharField(label=_("撤销原因"), max_length=200)
