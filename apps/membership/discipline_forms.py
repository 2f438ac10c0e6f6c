"""Forms of 党纪处分. The services judge the rules (the dates, overlapping 留党察看); the forms only parse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .admission_models import DisciplineKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DisciplineForm(forms.Form):
    kind = forms.ChoiceField(label=_("处分类别"), choices=DisciplineKind.choices)
    starts_on = forms.DateField(label=_("起始日期"), widget=DATE, help_text=_("处分决定生效之日；不能晚于今天"))
    ends_on = forms.DateField(label=_("截止日期"), widget=DATE, required=False,
                              help_text=_("处分已期满或撤销的才填写；仍在处分期内的留空，期满后再登记结束"))
    reason = forms.CharField(label=_("处分事由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    approved_by_name = forms.CharField(label=_("批准机关"), max_length=120, help_text=_("如：中共某某镇纪律检查委员会"))
    document_number = forms.CharField(label=_("处分文号"), max_length=60)


class DisciplineEndForm(forms.Form):
    ends_on = forms.DateField(label=_("截止日期"), widget=DATE, help_text=_("处分期满或撤销之日（该日仍在处分期内）"))
