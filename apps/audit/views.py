import io

import django_filters
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from apps.access import policy

from .models import AuditEvent
from .services import Action, audit_record


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=gettext_lazy("操作人账号"), field_name="actor_name")
    action = django_filters.ChoiceFilter(label=gettext_lazy("操作"), choices=AuditEvent.Action.choices)
    object_type = django_filters.ChoiceFilter(label=gettext_lazy("对象类型"), choices=[
        ("members.member", gettext_lazy("党员")), ("orgs.organization", gettext_lazy("党组织")),
        ("orgs.committeepost", gettext_lazy("班子职务")), ("accounts.user", gettext_lazy("用户")),
        ("access.roleassignment", gettext_lazy("角色分配"))])
    date_from = django_filters.DateFilter(label=gettext_lazy("起始日期"), field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=gettext_lazy("截止日期"), field_name="at", lookup_expr="date__lte")
    q = django_filters.CharFilter(label=gettext_lazy("对象"), field_name="object_repr", lookup_expr="startswith")

    class Meta:
        model = AuditEvent
        fields = []


def _filtered(request):
    if not policy.has_capability(request.user, policy.AUDIT_VIEW):
        raise PermissionDenied(_("只有审计员可以查看审计记录"))
    return AuditFilter(request.GET, queryset=policy.visible_audit_events(request.user))


@login_required
def event_list(request):
    f = _filtered(request)
    qs = f.qs if f.form.is_valid() else AuditEvent.objects.none()
    page = Paginator(qs.order_by("-at", "-id"), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"filter": f, "page": page, "section": "audit"},
                  status=200 if f.form.is_valid() else 400)


@login_required
def event_export(request):
    f = _filtered(request)
    if not f.form.is_valid():
        return event_list(request)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("审计记录"))
    ws.append([_("时间"), _("操作人"), _("操作"), _("对象类型"), _("对象ID"), _("对象"), "IP", _("说明"), _("变更")])
    for e in f.qs.order_by("-at", "-id").iterator(chunk_size=2000):
        changes = "; ".join(f"{k}: {b} → {a}" for k, b, a in e.changed_fields())
        ws.append([e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.get_action_display(), e.object_type,
                   e.object_id, e.object_repr, e.ip, e.note, changes[:30000]])
    audit_record(actor=request.user, action=Action.EXPORT, object_type="audit.auditevent", object_repr="审计记录导出",
                 request=request, note=str(request.GET.dict())[:250])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=_("审计记录.xlsx"))
