"""Pages of cadres' performance pay under /assessment/pay/: the schemes and sheets, a scheme's settings and rates,
generating a closed round's sheet (from the round's page), a sheet (printable on A4 landscape), confirming it and its
Excel export, in which every bonus links to the score page behind it.

Access (pay_scopes.py): ASSESSMENT_MANAGE only, on the organization that set the scheme up or runs the round; to
anyone else a scheme or sheet is not found (404), the list pages forbidden (403)."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_validation_error, submit

from . import pay_selectors, pay_services, round_views
from .models import AssessmentGroup
from .pay_forms import RatesForm, SchemeForm
from .pay_models import PayScheme, PaySheet
from .round_models import Round

SHEET_PAGE_SIZE = 500  # lines on one page of a sheet (a district's villages: a few pages; the export has them all)
CONFIRM_QUESTION = gettext_noop("确认后报酬表不能再重新生成，将作为发放依据。确定确认？")


def _require_manage(user):
    if not policy.has_capability(user, policy.ASSESSMENT_MANAGE):
        raise PermissionDenied(_("您没有管理绩效报酬的权限"))


@login_required
def pay_home(request):
    _require_manage(request.user)
    schemes = policy.restrict(PayScheme, request.user).select_related("group").order_by("-year", "group__sort_order", "id")
    sheets = (policy.restrict(PaySheet, request.user).select_related("round", "scheme__group")
              .order_by("-round__period_start", "-id")[:100])
    return render(request, "assessment/pay/home.html", {"schemes": schemes, "sheets": sheets, "section": "assessment",
                                                         "tab": "pay"})


def _groups(user):
    return policy.restrict(AssessmentGroup, user, policy.ASSESSMENT_MANAGE).select_related("organization")


@login_required
def scheme_create(request):
    _require_manage(request.user)
    form = SchemeForm(request.POST or None, groups=_groups(request.user))
    scheme = submit(form, lambda d: pay_services.scheme_create(actor=request.user, group=d["group"], data=d, request=request))
    if scheme:
        messages.success(request, _("已创建报酬方案，请设置各职务的报酬标准"))
        return redirect("assessment:pay_scheme", scheme.pk)
    return render(request, "assessment/pay/scheme_form.html", {"form": form, "section": "assessment"},
                  status=400 if form.is_bound else 200)


@login_required
def scheme_edit(request, pk):
    scheme = policy.get(PayScheme, request.user, pk)
    initial = {f: getattr(scheme, f) for f in ("year", "name", "period_kind", "formula", "threshold", "full_score", "note")}
    form = SchemeForm(request.POST or None, initial={**initial, "group": scheme.group_id},
                      groups=_groups(request.user).filter(pk=scheme.group_id))
    done = submit(form, lambda d: pay_services.scheme_update(actor=request.user, scheme=scheme, data=d, request=request))
    if done:
        messages.success(request, _("已保存"))
        return redirect("assessment:pay_scheme", scheme.pk)
    return render(request, "assessment/pay/scheme_form.html", {"form": form, "scheme": scheme, "section": "assessment"},
                  status=400 if form.is_bound else 200)


@login_required
def scheme_detail(request, pk):
    """The scheme's settings and its rates table (POST: save the rates)."""
    scheme = policy.get(PayScheme, request.user, pk)
    form = RatesForm(request.POST or None, scheme=scheme, bands=pay_selectors.scheme_bands(scheme))
    status = 200
    if form.is_bound:
        if form.is_valid():
            rates, bands = form.values()
            try:
                pay_services.scheme_rates_save(actor=request.user, scheme=scheme, rates=rates, bands=bands, request=request)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已保存报酬标准"))
                return redirect("assessment:pay_scheme", scheme.pk)
        status = 400
    return render(request, "assessment/pay/scheme.html", {"scheme": scheme, "form": form, "section": "assessment"},
                  status=status)


@login_required
@require_POST
def sheet_generate(request, pk):
    """Generate (or generate again) the pay sheet of a closed round."""
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    try:
        sheet = pay_services.sheet_generate(actor=request.user, round=rnd, request=request)
    except ValidationError as exc:
        return round_views.refused(request, rnd, exc)  # the round's page, with the reason (400)
    messages.success(request, _("已生成绩效报酬表（{n}人次）").format(n=sheet.lines.count()))
    return redirect("assessment:pay_sheet", sheet.pk)


@login_required
def _sheet_page(request, sheet, status=200):
    page = Paginator(pay_selectors.sheet_lines(sheet), SHEET_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/pay/sheet.html", {
        "sheet": sheet, "round": sheet.round, "page": page, "lines": pay_selectors.with_score_urls(page.object_list),
        "section": "assessment", "confirm_question": _(CONFIRM_QUESTION)}, status=status)


@login_required
def sheet_detail(request, pk):
    return _sheet_page(request, policy.get(PaySheet, request.user, pk))


@login_required
@require_POST
def sheet_confirm(request, pk):
    sheet = policy.get(PaySheet, request.user, pk)
    back = reverse("assessment:pay_sheet", args=[sheet.pk])
    if not confirmed(request):
        return confirm_page(request, title=_("确认报酬表"), message=_(CONFIRM_QUESTION), label=_("确认"), back=back)
    try:
        pay_services.sheet_confirm(actor=request.user, sheet=sheet, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _sheet_page(request, sheet, status=400)
    messages.success(request, _("已确认报酬表"))
    return redirect(back)


@login_required
def sheet_export(request, pk):
    """The sheet as .xlsx (names and pay only): each bonus cell links to the absolute URL of its score page."""
    from .pay_excel import sheet_workbook

    sheet = policy.get(PaySheet, request.user, pk)
    lines = pay_selectors.with_score_urls(pay_selectors.sheet_lines(sheet))
    buffer = io.BytesIO()
    sheet_workbook(sheet, lines, request.build_absolute_uri).save(buffer)
    buffer.seek(0)
    audit_read(actor=request.user, action=Action.EXPORT, obj=sheet, request=request,
               note=_("导出绩效报酬表：{n}人次").format(n=len(lines)))
    return FileResponse(buffer, as_attachment=True,
                        filename=_("绩效报酬表-{period}.xlsx").format(period=sheet.round.period_key))
