"""Pages of the care fund (/dues/funds/): the funds in scope, a fund (balance, this year's totals, entries, pending
entries to decide), the entry form (htmx: a member search for the beneficiary, the kinds following the direction), an
entry with its reversal, reports and their export, and the members helped (FUND_BENEFICIARIES only). Beneficiaries'
names are shown as 已登记 to anyone without FUND_BENEFICIARIES, on every page."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.forms import apply_refusal, submit
from apps.members.selectors import is_private_query, search_q

from . import fund_selectors, fund_services
from .fund_forms import DecisionForm, EntryFilterForm, EntryForm, FundOpenForm, ReportForm, ReverseForm, kind_choices
from .fund_models import CareFund, FundEntry, FundEntryStatus
from .scopes import FUND_BENEFICIARIES, FUND_MANAGE, FUND_VIEW

PAGE_SIZE = 30
SEARCH_MAX = 10


def _require(user, capability):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(_("您没有查看关怀基金的权限") if capability == FUND_VIEW else _("您没有管理关怀基金的权限"))


def _names_shown(user, fund) -> bool:
    return policy.can(user, FUND_BENEFICIARIES, fund)


def _entries(user, fund):
    return policy.restrict(FundEntry, user).filter(fund=fund)


@login_required
def fund_list(request):
    _require(request.user, FUND_VIEW)
    funds = fund_selectors.with_balance(policy.restrict(CareFund, request.user).select_related("organization")
                                        .order_by("organization__path"))
    page = Paginator(funds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/fund_list.html", {"page": page, "section": "dues",
                                                    "may_open": policy.has_capability(request.user, FUND_MANAGE)})


@login_required
def fund_open(request):
    _require(request.user, FUND_MANAGE)
    form = FundOpenForm(request.POST or None, user=request.user)
    fund = submit(form, lambda d: fund_services.fund_open(actor=request.user, organization=d["organization"],
                                                          name=d["name"], opened_on=d["opened_on"], request=request))
    if fund:
        messages.success(request, _("已设立关怀基金"))
        return redirect("dues:fund", fund.pk)
    return render(request, "dues/fund_open.html", {"form": form, "section": "dues"}, status=400 if form.is_bound else 200)


def _detail(request, fund, *, status=200, reverse_form=None):
    user = request.user
    filters = EntryFilterForm(request.GET or None)
    bad = filters.is_bound and not filters.is_valid()
    data = filters.cleaned_data if filters.is_bound and not bad else {}
    f = fund_selectors.EntryFilter(start=data.get("start"), end=data.get("end"), direction=data.get("direction", ""),
                                   kind=data.get("kind", ""), status=data.get("status", ""))
    entries = fund_selectors.filter_entries(_entries(user, fund), f)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = list(fund_selectors.filter_entries(_entries(user, fund), fund_selectors.EntryFilter(
        status=FundEntryStatus.PENDING))[:50])
    year = timezone.localdate().year
    return render(request, "dues/fund_detail.html", {
        "fund": fund, "page": page, "filters": filters, "pending": pending, "balance": fund_selectors.balance(fund),
        "totals": fund_selectors.year_totals(fund, year), "year": year, "names": _names_shown(user, fund),
        "may_manage": policy.can(user, FUND_MANAGE, fund), "section": "dues"}, status=400 if bad else status)


@login_required
def fund_detail(request, pk):
    return _detail(request, policy.get(CareFund, request.user, pk))


@login_required
def entry_create(request, pk):
    fund = policy.get(CareFund, request.user, pk, FUND_MANAGE)
    candidates = fund_services.beneficiary_candidates(request.user, fund)
    form = EntryForm(request.POST or None, candidates=candidates, initial={"occurred_on": timezone.localdate()})
    entry = submit(form, lambda d: fund_services.fund_entry_create(
        actor=request.user, fund=fund, direction=d["direction"], kind=d["kind"], amount=d["amount"],
        occurred_on=d["occurred_on"], beneficiary=d["beneficiary"], source=d["source"], reason=d["reason"],
        request=request))
    if entry:
        messages.success(request, _("已登记，待另一位管理人审批后入账"))
        return redirect("dues:fund_entry", entry.pk)
    chosen = form.cleaned_data.get("beneficiary") if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(request, "dues/fund_entry_form.html", {"fund": fund, "form": form, "chosen": chosen, "section": "dues"},
                  status=400 if form.is_bound else 200)


@login_required
def kind_options(request, pk):
    """The kinds of a direction (htmx: the entry form's kind list follows the direction)."""
    policy.get(CareFund, request.user, pk, FUND_MANAGE)
    return render(request, "dues/fund_kind_options.html", {"choices": kind_choices(request.GET.get("direction"))})


@login_required
def member_search(request, pk):
    """Current members of the fund's subtree by name or pinyin (htmx; names only: no numbers are looked up here)."""
    fund = policy.get(CareFund, request.user, pk, FUND_MANAGE)
    raw = (request.GET.get("q") or "").strip()[:30]
    found, error = [], ""
    if is_private_query(raw):
        error = _("请输入姓名或拼音")
    elif raw:
        found = list(fund_services.beneficiary_candidates(request.user, fund).filter(search_q(raw))
                     .select_related("organization").order_by("name", "pk")[:SEARCH_MAX])
    return render(request, "dues/fund_member_results.html", {"found": found, "error": error, "q": raw},
                  status=400 if error else 200)


@login_required
def entry_detail(request, pk):
    entry = policy.get(fund_selectors.entries_for_page(), request.user, pk)
    return _entry_page(request, entry)


def _entry_page(request, entry, *, status=200, reverse_form=None):
    reversal = FundEntry.reversed_by.RelatedObjectDoesNotExist
    try:
        reversed_by = entry.reversed_by
    except reversal:
        reversed_by = None
    return render(request, "dues/fund_entry.html", {
        "entry": entry, "fund": entry.fund, "reversed_by": reversed_by, "names": _names_shown(request.user, entry.fund),
        "may_manage": policy.can(request.user, FUND_MANAGE, entry), "decision_form": DecisionForm(),
        "reverse_form": reverse_form or ReverseForm(), "section": "dues"}, status=status)


def _step(request, pk, service, done):
    entry = policy.get(fund_selectors.entries_for_page(), request.user, pk, FUND_MANAGE)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, entry, status=400)
    try:
        service(actor=request.user, entry=entry, note=form.cleaned_data["note"], request=request)
    except ValidationError as exc:
        apply_refusal(request, None, exc)
        return _entry_page(request, entry, status=400)
    messages.success(request, done)
    if request.POST.get("next") == "fund":
        return redirect("dues:fund", entry.fund_id)
    return redirect("dues:fund_entry", entry.pk)


@login_required
@require_POST
def entry_approve(request, pk):
    return _step(request, pk, fund_services.fund_entry_approve, _("已批准入账"))


@login_required
@require_POST
def entry_reject(request, pk):
    return _step(request, pk, fund_services.fund_entry_reject, _("已不批准"))


@login_required
@require_POST
def entry_reverse(request, pk):
    entry = policy.get(fund_selectors.entries_for_page(), request.user, pk, FUND_MANAGE)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, entry, status=400, reverse_form=form)
    try:
        reversal = fund_services.fund_entry_reverse(actor=request.user, entry=entry, reason=form.cleaned_data["reason"],
                                                    request=request)
    except ValidationError as exc:
        apply_refusal(request, form, exc)
        return _entry_page(request, entry, status=400, reverse_form=form)
    messages.success(request, _("已登记冲正，待另一位管理人审批"))
    return redirect("dues:fund_entry", reversal.pk)


def _report_params(request):
    form = ReportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return None, None
    data = form.cleaned_data if form.is_bound else {}
    return data.get("period") or "month", data.get("year") or timezone.localdate().year


def _report_table(user, fund, period, year):
    rows = fund_selectors.report_rows(_entries(user, fund), period, year)
    for row in rows:
        row["label"] = fund_selectors.period_label(period, year, row["period"])
    return rows


@login_required
def report(request, pk):
    fund = policy.get(CareFund, request.user, pk)
    period, year = _report_params(request)
    bad = period is None
    if bad:
        period, year = "month", timezone.localdate().year
    rows = _report_table(request.user, fund, period, year)
    return render(request, "dues/fund_report.html", {
        "fund": fund, "rows": rows, "period": period, "year": year, "periods": fund_selectors.PERIODS,
        "error": _("参数有误：周期为按月、按季度或按年，年度在2000至2100之间") if bad else "", "section": "dues"},
        status=400 if bad else 200)


@login_required
def report_export(request, pk):
    from .fund_excel import report_workbook

    fund = policy.get(CareFund, request.user, pk)
    period, year = _report_params(request)
    if period is None:
        return report(request, pk)
    rows = _report_table(request.user, fund, period, year)
    buffer = io.BytesIO()
    report_workbook(fund, rows, period, year).save(buffer)
    buffer.seek(0)
    audit_read(actor=request.user, action=Action.EXPORT, obj=fund, request=request,
               note=_("导出关怀基金收支报表：{year}年").format(year=year))
    return FileResponse(buffer, as_attachment=True, filename=_("关怀基金收支-{year}.xlsx").format(year=year))


@login_required
def beneficiary_list(request, pk):
    fund = policy.get(CareFund, request.user, pk, FUND_BENEFICIARIES)
    page = Paginator(fund_selectors.beneficiaries(_entries(request.user, fund)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/fund_beneficiaries.html", {"fund": fund, "page": page, "section": "dues"})
