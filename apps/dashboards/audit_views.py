"""The audit log pages: the trail (apps.audit) read within the auditor's scope, filtered with the organization picker,
exported to a spreadsheet by a background job (apps.dashboards.services)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit import display

from . import services
from .audit_filters import AuditFilter, audit_filter, event_row, local_midnight  # noqa: F401  (AuditFilter, local_midnight: as before)


def _filtered(request):
    if not policy.has_capability(request.user, policy.AUDIT_VIEW):
        raise PermissionDenied(_("只有审计员可以查看审计记录"))
    return audit_filter(request.GET, request.user)


@login_required
def event_list(request):
    f = _filtered(request)
    qs = f.qs if f.form.is_valid() else f.queryset.none()
    page = Paginator(qs.order_by("-at", "-id"), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    reader = display.Reader(page.object_list)  # the page's foreign keys resolved up front
    rows = [event_row(reader, e) for e in reader.events]
    return render(request, "dashboards/audit_log.html", {"filter": f, "page": page, "rows": rows, "section": "audit"},
                  status=200 if f.form.is_valid() else 400)


@login_required
def event_export(request):
    """Start the export of the filtered trail as a job and show its page (progress, then the download)."""
    f = _filtered(request)
    if not f.form.is_valid():
        return event_list(request)  # the page with its filters' errors, 400
    job = services.audit_export_start(actor=request.user, filters=request.GET, request=request)
    return redirect("core:job", job.pk)
