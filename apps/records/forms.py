from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core.periods import parse_period
from apps.orgs.models import Organization
from apps.orgs.picker import OrgChoiceField

from .models import ActivityPlan, ActivityRecord, ActivityType, AttendanceStatus, FileKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OrgPickForm(forms.Form):
    """Which branch or 党小组 a new plan or record is for: the organization picker, within the user's scope."""

    org = OrgChoiceField(label=_("党支部或党小组"), capability=policy.RECORD_MANAGE, kinds="record",
                         error_messages={"invalid_choice": _("未找到该党支部或党小组，或您无权在该组织记录组织生活：请从列表中选择，或输入组织编码")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = policy.restrict(Organization, user, policy.RECORD_MANAGE)


class PlanForm(forms.ModelForm):
    class Meta:
        model = ActivityPlan
        fields = ["activity_type", "planned_on", "starts_at", "place", "topic"]
        widgets = {"planned_on": DATE, "starts_at": TIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].queryset = ActivityType.objects.filter(is_active=True)


class RecordForm(forms.ModelForm):
    class Meta:
        model = ActivityRecord
        fields = ["held_on", "starts_at", "ends_at", "place", "topic", "host", "recorder", "lecturer",
                  "content_items", "minutes", "decisions", "summary", "is_vote"]
        widgets = {
            "held_on": DATE, "starts_at": TIME, "ends_at": TIME,
            "content_items": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, activity_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity_type = activity_type
        if activity_type is not None:
            if not activity_type.needs_lecturer:
                del self.fields["lecturer"]
            if not activity_type.has_content_items:
                del self.fields["content_items"]
            if not activity_type.may_vote:
                del self.fields["is_vote"]

    def as_typed(self):
        """An unbound copy of this bound form showing what was typed (unvalidated, nothing saved): the page that
        comes back after 全部出席 without JavaScript keeps the user's typing. An unticked box posts nothing."""
        typed = {name: (name in self.data if isinstance(field, forms.BooleanField) else self.data.get(name, ""))
                 for name, field in self.fields.items()}
        return type(self)(instance=self.instance, activity_type=self.activity_type, initial=typed)


class NewRecordForm(RecordForm):
    activity_type = forms.ModelChoiceField(label=_("活动类型"), queryset=ActivityType.objects.filter(is_active=True))

    class Meta(RecordForm.Meta):
        fields = ["activity_type"] + RecordForm.Meta.fields

    field_order = ["activity_type"]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class FileForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=FileKind.choices)
    file = forms.FileField(label=_("文件"))


class StarForm(forms.Form):
    chosen_by_org = forms.ModelChoiceField(label=_("评选组织"), queryset=None)
    citation = forms.CharField(label=_("推荐理由"), max_length=300, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen_by_org"].queryset = orgs


class ActivityTypeForm(forms.ModelForm):
    class Meta:
        model = ActivityType
        fields = ["name", "frequency", "applies_to", "roster", "due_day", "warn_days", "needs_lecturer",
                  "has_content_items", "may_vote", "is_active", "sort_order"]


class PeriodForm(forms.Form):
    GROUPS = [("children", _("下级组织")), ("domain", _("领域")), ("cluster", _("片区/组团"))]
    period = forms.CharField(label=_("期间"), max_length=30, required=False,
                             help_text=_("2026-11（月）、2026Q4（季度）、2026（年）或 2026-03-01~2026-08-31"))
    group = forms.ChoiceField(label=_("分组"), choices=GROUPS, required=False)

    def __init__(self, *args, default=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default  # the page's period when none is typed (a Period), else the current month

    def clean_period(self):
        if not self.cleaned_data["period"] and self.default is not None:
            return self.default
        value = self.cleaned_data["period"] or f"{timezone.localdate():%Y-%m}"
        try:
            return parse_period(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def attendance_from_post(post, member_ids):
    """[(member_id, status, reason)] from the attendance table of the record form (names att-<id>)."""
    entries = []
    for member_id in member_ids:
        status = post.get(f"att-{member_id}")
        if status is None:
            continue
        if status not in AttendanceStatus.values:
            status = "?"
        entries.append((member_id, status, post.get(f"reason-{member_id}", "")))
    return entries
