"""Pages of the books under /dues/: an organization's month (`books/?org=&month=`: reconciliation, its children rolled
up, remittances sent and received, voluntary payments waiting to go to the Centre, closed months), recording and
reversing a remittance, closing a month, the monthly collection summary (`summary/`, with its Excel export) and bank
statements (`statements/`).

Access (scopes.py): DUES_VIEW reads (a remittance also by the organization that received it), DUES_COLLECT writes;
out of scope is 404, visible but not allowed 403, a list without the capability 403."""

import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.forms import apply_validation_error, submit
from apps.orgs.models import Organization

from . import book_selectors, book_services, closing, statement_services
from .book_forms import BooksFilter, CloseForm, MonthField, RemittanceForm, ReverseForm, StatementForm
from .models import DuesPayment, MonthClose, Remittance, StatementImport
from .rules import add_months, month_start
from .scopes import DUES_COLLECT, DUES_VIEW

SUMMARY_PAGE_SIZE = 50  # children on one page of the summary (the export has them all)
STATEMENT_PAGE_SIZE = 50
UNMATCHED_SHOWN = 500


def _require(user, capability=DUES_VIEW):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(_("您没有查看党费账目的权限"))


def _orgs(user, capability=DUES_VIEW):
    return policy.restrict(Organization, user, capability)


def last_month() -> date:
    return add_months(month_start(timezone.localdate()), -1)


def _chosen(request):
    """The filter form and the organization and month it names (the user's top organization and last month by
    default). An organization out of scope or a bad month is the form's error (400)."""
    orgs = _orgs(request.user)
    form = BooksFilter(request.GET or None, orgs=orgs)
    if form.is_bound and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if form.is_bound else {}
    org = data.get("org") or policy.scope_top(request.user, DUES_VIEW) or orgs.order_by("depth", "path").first()
    month = data.get("month") or last_month()
    if not form.is_bound:
        form = BooksFilter(initial={"org": org, "month": month}, orgs=orgs)
    return form, org, month


def _books_url(org, month):
    return reverse("dues:books") + "?" + urlencode({"org": org.pk, "month": f"{month:%Y-%m}"})


@login_required
def books(request):
    _require(request.user)
    form, org, month = _chosen(request)
    if org is None:
        return render(request, "dues/book_home.html", {"form": form, "section": "dues"}, status=400)
    user = request.user
    can_collect = policy.can(user, DUES_COLLECT, org)
    sent_or_received = policy.restrict(book_selectors.remittances_of(org, month), user)
    payments = policy.restrict(DuesPayment, user).filter(organization__path__startswith=org.path)
    closes = (policy.restrict(MonthClose, user).filter(organization__path__startswith=org.path)
              | closing.covering(org))
    return render(request, "dues/book_home.html", {
        "form": form, "org": org, "month": month, "own": book_selectors.reconcile(org, month),
        "children": book_selectors.reconcile_children(org, month), "remittances": sent_or_received[:200],
        "awaiting": book_selectors.awaiting_full_remittance(payments)[:200],
        "closes": book_selectors.closed_months(closes)[:36], "closed": closing.closed_at(org, month),
        "can_collect": can_collect, "month_ended": month < month_start(timezone.localdate()),
        "section": "dues"})


@login_required
def remittance_create(request):
    _require(request.user, DUES_COLLECT)
    initial = {"remitted_on": timezone.localdate(), "month": _month_or(request.GET.get("month"), last_month()),
               "organization": request.GET.get("org") or None}
    form = RemittanceForm(request.POST or None, initial=initial, orgs=_orgs(request.user, DUES_COLLECT))
    remittance = submit(form, lambda d: book_services.remittance_record(
        actor=request.user, organization=d["organization"], month=d["month"], amount=d["amount"],
        remitted_on=d["remitted_on"], to_centre=d["to_centre"], note=d["note"], request=request))
    if remittance:
        messages.success(request, _("已记录党费上缴 {amount} 元").format(amount=remittance.amount))
        return redirect(_books_url(remittance.organization, remittance.month))
    return render(request, "dues/book_remit.html", {"form": form, "section": "dues"},
                  status=400 if form.is_bound else 200)


def _month_or(raw, default):
    try:
        return MonthField(required=False).clean(raw) or default
    except ValidationError:
        return default


@login_required
def remittance_detail(request, pk):
    remittance = policy.get(Remittance, request.user, pk)
    return _remittance_page(request, remittance, ReverseForm())


def _remittance_page(request, remittance, form, status=200):
    reversal = book_selectors.reversal_of(remittance)
    return render(request, "dues/book_remittance.html", {
        "remittance": remittance, "reversal": reversal, "form": form,
        "can_reverse": (policy.can(request.user, DUES_COLLECT, remittance) and reversal is None
                        and remittance.reverses_id is None and remittance.amount > 0),
        "payment": book_services.ledger_payment_of(remittance), "section": "dues"}, status=status)


@login_required
@require_POST
def remittance_reverse(request, pk):
    remittance = policy.get(Remittance, request.user, pk, DUES_COLLECT)
    form = ReverseForm(request.POST)
    reversal = submit(form, lambda d: book_services.remittance_reverse(
        actor=request.user, remittance=remittance, reason=d["reason"], request=request))
    if reversal:
        messages.success(request, _("已冲正"))
        return redirect("dues:remittance", remittance.pk)
    return _remittance_page(request, remittance, form, status=400)


@login_required
@require_POST
def remit_in_full(request, pk):
    payment = policy.get(DuesPayment, request.user, pk, DUES_COLLECT)
    try:
        remittance = book_services.remit_in_full(actor=request.user, payment=payment, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_books_url(payment.organization, payment.month))
    messages.success(request, _("已全额上缴中央 {amount} 元").format(amount=remittance.amount))
    return redirect(_books_url(payment.organization, payment.month))


@login_required
def month_close(request):
    _require(request.user, DUES_COLLECT)
    initial = {"month": _month_or(request.GET.get("month"), last_month()), "organization": request.GET.get("org") or None}
    form = CloseForm(request.POST or None, initial=initial, orgs=_orgs(request.user, DUES_COLLECT))
    close = submit(form, lambda d: book_services.month_close(actor=request.user, organization=d["organization"],
                                                             month=d["month"], request=request))
    if close:
        messages.success(request, _("已结账：{month}").format(month=f"{close.month:%Y-%m}"))
        return redirect(_books_url(close.organization, close.month))
    return render(request, "dues/book_close.html", {"form": form, "section": "dues"},
                  status=400 if form.is_bound else 200)


# ---- the monthly collection summary ----

@login_required
def summary(request):
    _require(request.user)
    form, org, month = _chosen(request)
    if org is None:
        return render(request, "dues/summary.html", {"form": form, "section": "dues"}, status=400)
    rows, total = book_selectors.monthly_summary(org, month)
    page = Paginator(rows, SUMMARY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/summary.html", {
        "form": form, "org": org, "month": month, "page": page, "total": total,
        "export_query": urlencode({"org": org.pk, "month": f"{month:%Y-%m}"}), "section": "dues"})


@login_required
def summary_export(request):
    from .book_excel import summary_workbook

    _require(request.user)
    form, org, month = _chosen(request)
    if org is None:
        return render(request, "dues/summary.html", {"form": form, "section": "dues"}, status=400)
    rows, total = book_selectors.monthly_summary(org, month)
    buffer = io.BytesIO()
    summary_workbook(org, month, rows, total).save(buffer)
    buffer.seek(0)
    audit_read(actor=request.user, action=Action.EXPORT, obj=org, organization=org, request=request,
               note=_("导出党费收缴汇总：{month}，{n}个组织").format(month=f"{month:%Y-%m}", n=len(rows)))
    return FileResponse(buffer, as_attachment=True,
                        filename=_("党费收缴汇总-{month}.xlsx").format(month=f"{month:%Y-%m}"))


# ---- statements ----

@login_required
def statements(request):
    _require(request.user)
    can_import = policy.has_capability(request.user, DUES_COLLECT)
    form = None
    status = 200
    if can_import:
        form = StatementForm(request.POST or None, request.FILES or None, orgs=_orgs(request.user, DUES_COLLECT),
                             initial={"last_day": timezone.localdate()})
        if form.is_bound:
            if form.is_valid():
                d = form.cleaned_data
                try:
                    statement = statement_services.statement_import(
                        actor=request.user, organization=d["organization"], method=d["method"],
                        first_day=d["first_day"], last_day=d["last_day"], upload=d["file"], request=request)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, _("已导入对账单：{n}笔").format(n=statement.line_count))
                    return redirect("dues:statement", statement.pk)
            status = 400
    elif request.method == "POST":
        raise PermissionDenied(_("您没有导入对账单的权限"))
    listed = (policy.restrict(StatementImport, request.user).select_related("organization", "imported_by")
              .order_by("-imported_at", "-pk"))
    page = Paginator(listed, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/statement_list.html", {"form": form, "page": page, "section": "dues"}, status=status)


@login_required
def statement_detail(request, pk):
    statement = policy.get(StatementImport, request.user, pk)
    days = statement_services.statement_days(statement)
    return render(request, "dues/statement_detail.html", {
        "statement": statement, "days": days, "bad_days": [d for d in days if not d["ok"]],
        "lines": statement_services.unmatched_lines(statement)[:UNMATCHED_SHOWN],
        "payments": statement_services.unmatched_payments(statement)[:UNMATCHED_SHOWN], "section": "dues"})
