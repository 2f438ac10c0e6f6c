"""The three rates and rankings for staff: any period, townships, departments, areas or categories, with the
definitions on the page, a chart, a drill-down to the cases behind each row, and the Excel workbook."""

import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.dbrouter import reading_from_replica
from apps.core.periods import period_containing
from apps.orgs.models import Organization

from . import metrics
from .areas import is_area_scope, townships, with_places
from .forms import RankingForm


def _scope(request):
    """The period, the group and the area the user looks at (their scope's top organization unless district-wide)."""
    if not policy.has_capability(request.user, policy.CASE_VIEW):
        raise PermissionDenied(_("您没有查看群众诉求的权限"))
    form = RankingForm(request.GET or None)
    period = (form.cleaned_data["period"] if form.is_valid() else None) or period_containing("month", timezone.localdate())
    group = request.GET.get("group") if request.GET.get("group") in metrics.GROUPS else "township"
    # Any area of the user's scope (a township, say); by default the whole scope where it is an area. A
    # department's staff see the district's rankings (they are published anyway), their unit's row among them.
    if request.GET.get("area"):
        return form, period, group, policy.get(Organization, request.user, request.GET["area"], policy.CASE_VIEW)
    top = policy.scope_top(request.user, policy.CASE_VIEW)
    return form, period, group, top if is_area_scope(top) else None


@login_required
def rankings(request):
    form, period, group, within = _scope(request)
    order = request.GET.get("order") if request.GET.get("order") in metrics.ORDERS else "score"
    with reading_from_replica():  # a report over a period's cases: may be a moment old
        rows = metrics.rankings(period, group=group, within=within, order=order)
    top = within if not request.GET.get("area") else policy.scope_top(request.user, policy.CASE_VIEW)
    areas = with_places(t for t in townships() if top is None or t.path.startswith(top.path))
    # Only ranked rows are drawn: a bar of 100 for one case (样本不足) would look like the best unit.
    chart = [{"label": r.label, "value": r.figures.received if order == "received" else r.figures.score}
             for r in rows if r.ranked]
    charted = chart[:settings.CASE_RANKING_CHART_ROWS]
    return render(request, "cases/rankings.html", {
        "form": form, "period": period, "group": group, "groups": metrics.GROUPS, "rows": rows, "within": within,
        "total": metrics.totals(rows), "weights": metrics.weights(), "chart": charted, "section": "case_rankings",
        "chart_height": 60 + 26 * len(charted), "chart_left_out": len(chart) - len(charted),
        "previous": period.previous(), "next": period.next(), "areas": areas, "order": order,
        "orders": metrics.ORDERS,
    }, status=400 if form.errors else 200)


HEADER = [gettext_lazy("排名"), gettext_lazy("名称"), gettext_lazy("受理量"), gettext_lazy("响应率%"), gettext_lazy("解决率%"),
          gettext_lazy("满意率%"), gettext_lazy("综合得分"), gettext_lazy("平均办理时长（小时）"), gettext_lazy("超时件数"),
          gettext_lazy("退单次数"), gettext_lazy("参评件数"), gettext_lazy("办结件数"), gettext_lazy("排名说明")]


def _percent(value):
    return round(value * 100, 1) if value is not None else None


@reading_from_replica()
def workbook(period, within=None) -> bytes:
    """One sheet per group, rows as on the page: ranked ones first, then those not ranked with the reason."""
    from apps.core.excel import ExportWorkbook

    wb = ExportWorkbook()
    for key, title in metrics.GROUPS.items():
        ws = wb.create_sheet(str(title)[:31])
        ws.append([_("群众诉求三率排名 · {period}").format(period=period.label)])
        ws.append([str(h) for h in HEADER])
        for row in metrics.rankings(period, group=key, within=within):
            f = row.figures
            ws.append([row.rank, row.label, f.received, _percent(f.response_rate), _percent(f.solution_rate),
                       _percent(f.satisfaction_rate), f.score,
                       round(f.avg_handling_hours, 1) if f.avg_handling_hours is not None else None, f.overdue, f.returned,
                       f.rated, f.resolved, f.standing_note])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


@login_required
def rankings_export(request):
    form, period, group, within = _scope(request)
    audit_read(actor=request.user, action=Action.EXPORT, object_type="cases.ranking", object_repr=_("群众诉求排名"),
                 organization=within, request=request, note=period.label)
    return FileResponse(workbook(period, within), as_attachment=True,
                        filename=_("群众诉求排名-{period}.xlsx").format(period=period.key))
