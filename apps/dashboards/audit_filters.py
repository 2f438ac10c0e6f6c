"""The audit log's filters: the page, its export and the export job (which runs them again from the job row) share
them, so the export holds exactly the rows the page lists."""

from datetime import date, datetime, time, timedelta
from itertools import islice

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.access import policy
from apps.audit import display
from apps.audit.models import AuditEvent
from apps.orgs.models import Organization
from apps.orgs.picker import OrgFilter

# The browser's date picker; it sends (and is given back) ISO dates.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=gettext_lazy("操作人账号"), field_name="actor_name")
    action = django_filters.ChoiceFilter(label=gettext_lazy("操作"), choices=AuditEvent.Action.choices)
    object_type = django_filters.ChoiceFilter(label=gettext_lazy("对象类型"), choices=[
        ("members.member", gettext_lazy("党员")), ("orgs.organization", gettext_lazy("党组织")),
        ("orgs.committeepost", gettext_lazy("班子职务")), ("accounts.user", gettext_lazy("用户")),
        ("access.roleassignment", gettext_lazy("角色分配"))])
    # Dates are days in the local time zone, filtered as a range of `at` (local midnight to local midnight), not as
    # `at::date`: a cast of the column cannot use its index and reads the whole trail.
    date_from = django_filters.DateFilter(label=gettext_lazy("起始日期"), method="filter_date_from", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=gettext_lazy("截止日期"), method="filter_date_to", widget=DATE_INPUT)
    q = django_filters.CharFilter(label=gettext_lazy("对象"), field_name="object_repr", lookup_expr="startswith")
    # Events about an organization's subtree, chosen with the organization picker within the auditor's scope.
    org = OrgFilter(label=gettext_lazy("组织（含下级）"), field_name="org_path", capability=policy.AUDIT_VIEW,
                    active_only=False, required=False)

    class Meta:
        model = AuditEvent
        fields = []

    selected_org = None

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["org"].extra["queryset"] = policy.restrict(Organization, user, policy.AUDIT_VIEW)

    def filter_date_from(self, qs, name, value):
        start = local_midnight(value)
        return qs.filter(at__gte=start) if start is not None else qs

    def filter_date_to(self, qs, name, value):
        end = local_midnight(value + timedelta(days=1)) if value < date.max else None
        return qs.filter(at__lt=end) if end is not None else qs


def local_midnight(day):
    """The start of `day` in the current (local) time zone, aware; None for the first days of year 1, whose local
    midnight lies before the earliest datetime in UTC (every row is after it anyway)."""
    if day < date(1, 1, 2):
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_filter(data, user) -> AuditFilter:
    """The trail within the user's audit scope, filtered by `data` (a QueryDict)."""
    return AuditFilter(data, queryset=policy.restrict(AuditEvent, user, policy.AUDIT_VIEW), user=user)


def batched(iterable, n):
    it = iter(iterable)
    while chunk := list(islice(it, n)):
        yield chunk


def event_row(reader, event) -> dict:
    """What a reader of the trail sees of one row (page and export alike): apps.audit.display."""
    return {"event": event, "changes": reader.changes(event), "object_type": display.object_type_label(event.object_type),
            "object_repr": display.masked_text(event.object_repr), "note": display.masked_text(event.note)}
