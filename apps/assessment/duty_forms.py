"""Forms of duty lists and inspections: the values are checked again by duty_services (the forms give the 400 page
its field messages)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.models import OrgKind
from apps.orgs.picker import OrgChoiceField

from .duty_models import DutyKind, DutyPost

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DutyListForm(forms.Form):
    organization = OrgChoiceField(label=_("所属组织"), capability=policy.ORG_MANAGE)
    name = forms.CharField(label=_("清单名称"), max_length=100)
    post = forms.ChoiceField(label=_("适用对象"), choices=DutyPost.choices)
    kinds = forms.MultipleChoiceField(label=_("适用组织类别"), choices=OrgKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple, help_text=_("不选即适用于全部组织类别"))
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, template, organizations=None, duty_list=None, **kwargs):
        if duty_list is not None:
            kwargs.setdefault("initial", {"name": duty_list.name, "post": duty_list.post, "kinds": duty_list.kinds,
                                          "note": duty_list.note})
        super().__init__(*args, **kwargs)
        if not template:
            del self.fields["kinds"]
        if template or duty_list is not None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations


class DutyItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=DutyKind.choices)
    text = forms.CharField(label=_("内容"), max_length=300)
    deadline = forms.DateField(label=_("完成时限"), required=False, widget=DATE, help_text=_("任务清单须填写"),
                               error_messages={"invalid": _("请填写正确的日期")})


class InspectionForm(forms.Form):
    period_key = forms.CharField(label=_("检查季度"), max_length=10, help_text=_("如 2026Q3"))
    inspected_on = forms.DateField(label=_("检查日期"), widget=DATE, error_messages={"invalid": _("请填写正确的日期")})
    note = forms.CharField(label=_("检查说明"), max_length=500, required=False)


class InspectionFilterForm(forms.Form):
    period_key = forms.RegexField(label=_("季度"), regex=r"^\d{4}Q[1-4]$", required=False,
                                  error_messages={"invalid": _("季度的格式应为“2026Q3”")})
    failed = forms.BooleanField(label=_("只看有未完成（违反）事项的"), required=False)
