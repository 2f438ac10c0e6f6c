"""Forms of 党籍变动. The services judge the rules (which change from which status, the dates, the transfer in flight);
the forms only parse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .status_models import ChangeKind, LeaveType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatusChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("变动类别"), choices=ChangeKind.choices)
    leave_type = forms.ChoiceField(label=_("出党方式"), choices=[("", "—"), *LeaveType.choices], required=False,
                                   help_text=_("仅出党时填写"))
    effective_on = forms.DateField(label=_("生效日期"), widget=DATE,
                                   help_text=_("批准之日（去世：去世之日）；不能晚于今天，不能早于入党日期"))
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    approved_by_name = forms.CharField(label=_("批准机关"), max_length=120, help_text=_("如：中共某某镇委员会"))
    document_number = forms.CharField(label=_("批准文号"), max_length=60)

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:  # the changes the member's status allows (the service refuses the others anyway)
            self.fields["kind"].choices = [(k, label) for k, label in ChangeKind.choices if k in kinds]


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("更正原因"), max_length=200)
