"""The audit log pages: the trail (apps.audit) read within the auditor's scope, filtered with the organization picker,
exported to a spreadsheet."""

import io
from datetime import date, datetime, time, timedelta
from itertools import islice

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.access import policy
from apps.audit import display
from apps.audit.models import AuditEvent
from apps.audit.services import Action, audit_read
from apps.core.excel import ExportWorkbook
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


def _filtered(request):
    if not policy.has_capability(request.user, policy.AUDIT_VIEW):
        raise PermissionDenied(_("只有审计员可以查看审计记录"))
    return AuditFilter(request.GET, queryset=policy.restrict(AuditEvent, request.user, policy.AUDIT_VIEW), user=request.user)


_CHUNK = 2000


def batched(iterable, n):
    it = iter(iterable)
    while chunk := list(islice(it, n)):
        yield chunk


def _row(reader, event) -> dict:
    """What a reader of the trail sees of one row (page and export alike): apps.audit.display."""
    return {"event": event, "changes": reader.changes(event), "object_type": display.object_type_label(event.object_type),
            "object_repr": display.masked_text(event.object_repr), "note": display.masked_text(event.note)}


@login_required
def event_list(request):
    f = _filtered(request)
    qs = f.qs if f.form.is_valid() else f.queryset.none()
    page = Paginator(qs.order_by("-at", "-id"), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    reader = display.Reader(page.object_list)  # the page's foreign keys resolved up front
    rows = [_row(reader, e) for e in reader.events]
    return render(request, "dashboards/audit_log.html", {"filter": f, "page": page, "rows": rows, "section": "audit"},
                  status=200 if f.form.is_valid() else 400)


@login_required
def event_export(request):
    f = _filtered(request)
    if not f.form.is_valid():
        return event_list(request)
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("审计记录"))
    ws.append([_("时间"), _("操作人"), _("操作"), _("对象类型"), _("对象ID"), _("对象"), "IP", _("说明"), _("变更")])
    for chunk in batched(f.qs.order_by("-at", "-id").iterator(chunk_size=_CHUNK), _CHUNK):
        reader = display.Reader(chunk, limit=2000)  # foreign keys of the chunk, one query per related model
        for e in reader.events:
            row = _row(reader, e)
            changes = "；".join(c.as_text() for c in row["changes"])
            ws.append([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.get_action_display(),
                       row["object_type"], e.object_id, row["object_repr"], e.ip, row["note"], changes[:30000]])
    # A read of the trail (personal data among it), recorded in a transaction of its own.
    audit_read(actor=request.user, action=Action.EXPORT, object_type="audit.auditevent", object_repr="审计记录导出",
               request=request, note=str(request.GET.dict())[:250])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=_("审计记录.xlsx"))
