"""Pages of dues payments under /dues/: the branch's monthly collection sheet (quick 登记 per row with htmx, 批量登记,
Excel export and import), one member's payments (several months at once, 作废), arrears, a member's own dues.

Access (scopes.py): DUES_VIEW reads the sheet and arrears of its subtree, DUES_COLLECT records and voids; an
organization or member out of scope is not found (404), one seen but not collectable forbidden (403). A member
reads only their own page (/dues/mine/)."""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.forms import apply_validation_error
from apps.core.paging import keyset_page_or_first
from apps.members.models import Member
from apps.orgs.models import Organization

from . import payment_selectors, payment_services
from .models import DuesPayment, PaymentMethod
from .payment_forms import BatchForm, ImportForm, MonthsForm, PaymentForm, SheetPickForm, VoidForm, parse_month
from .scopes import DUES_COLLECT, DUES_VIEW

IMPORT_MAX_MB = 5


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


def _org_and_month(request, data=None):
    """The sheet's organization (`org=<id>`, in the user's DUES_VIEW scope; default the highest of their roles) and
    month (`month=YYYY-MM`, default this month). A month that is not one: a 400 with the reason."""
    data = data if data is not None else request.GET
    _require(request.user, DUES_VIEW, _("您没有查看党费的权限"))
    today = timezone.localdate()
    try:
        month = parse_month(data.get("month"), today)
    except ValueError:
        raise BadInput(_("月份格式不正确，应为 2026-01 这样的格式")) from None
    raw = str(data.get("org") or "").strip()
    if raw:
        if not raw.isdigit():
            raise BadInput(_("请从列表中选择党组织"))
        org = policy.get(Organization, request.user, raw, DUES_VIEW)
    else:
        org = payment_selectors.default_organization(request.user)
        if org is None:
            raise PermissionDenied(_("您没有查看党费的权限"))
    return org, month


class BadInput(ValueError):
    pass


def _bad(request, message, template="dues/sheet_bad.html"):
    return render(request, template, {"message": message, "section": "dues"}, status=400)


def _sheet_url(org, month):
    return f"{reverse('dues:sheet')}?org={org.pk}&month={month:%Y-%m}"


def _sheet_context(request, org, month, **extra):
    today = timezone.localdate()
    sheet = payment_selectors.sheet(org, month, today=today)
    return {"sheet": sheet, "org": org, "month": month, "today": today, "section": "dues",
            "methods": PaymentMethod.choices, "warn_months": settings.DUES_ARREARS_WARN_MONTHS,
            "list_months": settings.DUES_ARREARS_LIST_MONTHS,
            "can_collect": policy.can(request.user, DUES_COLLECT, org),
            "pick": SheetPickForm(initial={"org": org, "month": f"{month:%Y-%m}"}, user=request.user), **extra}


@login_required
def sheet(request):
    """The branch's monthly collection sheet. The picker's answer (a code or a chosen option) goes on to
    `?org=<id>`; a bad month or organization is a 400 with the reason."""
    if "org_pk" in request.GET or (request.GET.get("org") and not str(request.GET["org"]).isdigit()):
        _require(request.user, DUES_VIEW, _("您没有查看党费的权限"))
        form = SheetPickForm(request.GET, user=request.user)
        if form.is_valid():
            month = form.cleaned_data["month"] or timezone.localdate().replace(day=1)
            return redirect(_sheet_url(form.cleaned_data["org"], month))
        return render(request, "dues/sheet_bad.html", {"form": form, "section": "dues",
                                                       "message": _("请重新选择党组织和月份")}, status=400)
    try:
        org, month = _org_and_month(request)
    except BadInput as exc:
        return _bad(request, str(exc))
    return render(request, "dues/sheet.html", _sheet_context(request, org, month))


def _row_response(request, org, month, member, *, form=None, status=200):
    """The htmx answer: the member's row and, out of band, the sheet's totals."""
    context = _sheet_context(request, org, month, form=form)
    row = next((r for r in context["sheet"].rows if r.member.pk == member.pk), None)
    if row is None:
        raise Http404(_("该党员不在本收缴表中"))
    context["row"], context["form_member"] = row, member.pk
    return render(request, "dues/sheet_row_swap.html", context, status=status)


@login_required
@require_POST
def sheet_pay(request):
    """The sheet's quick 登记 of one row: the member's regular dues of the sheet's month."""
    try:
        org, month = _org_and_month(request, request.POST)
    except BadInput as exc:
        return _bad(request, str(exc))
    member = policy.get(Member, request.user, request.POST.get("member"), DUES_COLLECT)
    if org.pk not in (member.organization_id, member.party_group_id) or not member.is_current:
        return _bad(request, _("该党员不在本收缴表中"))
    form = PaymentForm({**request.POST.dict(), "month": f"{month:%Y-%m}", "kind": "regular"})
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            payment_services.payment_record(actor=request.user, member=member, month=month, amount=d["amount"],
                                            method=d["method"], paid_on=d["paid_on"], reference=d["reference"],
                                            ahead_consent=d["ahead_consent"], note=d["note"], request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            status, form = 200, None
    if request.headers.get("HX-Request"):
        return _row_response(request, org, month, member, form=form, status=status)
    if form is None:
        messages.success(request, _("已登记{name}的党费").format(name=member.name))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect(_sheet_url(org, month))


@login_required
@require_POST
def sheet_batch(request):
    """批量登记: the ticked rows, one method and date; all or nothing."""
    try:
        org, month = _org_and_month(request, request.POST)
    except BadInput as exc:
        return _bad(request, str(exc))
    if not policy.can(request.user, DUES_COLLECT, org):
        raise PermissionDenied(_("您没有在该党组织收缴党费的权限"))
    members = {m.pk: m for m in policy.restrict(payment_selectors.sheet_members(org, month), request.user,
                                                    DUES_COLLECT)}
    form = BatchForm(request.POST, member_ids=list(members))
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = payment_services.payments_record_batch(
                actor=request.user, members=[members[pk] for pk in set(d["members"])], month=month,
                method=d["method"], paid_on=d["paid_on"], request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已批量登记{n}人的党费").format(n=len(done)))
            return redirect(_sheet_url(org, month))
    return render(request, "dues/sheet.html", _sheet_context(request, org, month, batch_form=form), status=400)


@login_required
def sheet_export(request):
    from .sheet_excel import sheet_workbook

    try:
        org, month = _org_and_month(request)
    except BadInput as exc:
        return _bad(request, str(exc))
    data = payment_selectors.sheet(org, month, today=timezone.localdate())
    buffer = io.BytesIO()
    sheet_workbook(data).save(buffer)
    buffer.seek(0)
    audit_read(actor=request.user, action=Action.EXPORT, obj=org, request=request,
               note=_("导出党费收缴表：{month}，{n}人").format(month=f"{month:%Y年%m月}", n=len(data.rows)))
    return FileResponse(buffer, as_attachment=True,
                        filename=_("党费收缴表-{code}-{month}.xlsx").format(code=org.code, month=f"{month:%Y-%m}"))


@login_required
def sheet_import(request):
    """A filled sheet: every row recorded, or nothing and every row's error (row number first)."""
    import tempfile

    from .sheet_excel import read_sheet

    try:
        org, month = _org_and_month(request, request.POST if request.method == "POST" else request.GET)
    except BadInput as exc:
        return _bad(request, str(exc))
    if not policy.can(request.user, DUES_COLLECT, org):
        raise PermissionDenied(_("您没有在该党组织收缴党费的权限"))
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if not upload.name.lower().endswith(".xlsx") or upload.size > IMPORT_MAX_MB * 1024 * 1024:
                errors = [_("请上传不超过{n}MB的 .xlsx 文件").format(n=IMPORT_MAX_MB)]
            else:
                members = {m.pk: m for m in payment_selectors.sheet_members(org, month)}
                with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
                    for chunk in upload.chunks():
                        tmp.write(chunk)
                    tmp.flush()
                    try:
                        rows = read_sheet(tmp.name, organization=org, month=month, members_by_id=members)
                        done = payment_services.sheet_import(actor=request.user, organization=org, month=month,
                                                             rows=rows, file_name=upload.name, request=request)
                    except ValueError as exc:
                        errors = [str(exc)]
                    except ValidationError as exc:
                        errors = exc.messages
                    else:
                        messages.success(request, _("已导入{n}笔党费").format(n=len(done)))
                        return redirect(_sheet_url(org, month))
    status = 400 if request.method == "POST" else 200
    return render(request, "dues/sheet_import.html", {"form": form, "org": org, "month": month, "errors": errors,
                                                      "section": "dues"}, status=status)


@login_required
def payment_member(request, pk):
    """One member's payments: several months at once (a quarter ahead, back-payment), a voluntary payment, 作废."""
    member = policy.get(Member, request.user, pk, DUES_VIEW)
    can_collect = policy.can(request.user, DUES_COLLECT, member)
    today = timezone.localdate()
    months_form = MonthsForm(request.POST if request.POST.get("form") == "months" else None,
                             initial={"first_month": f"{today:%Y-%m}", "paid_on": today})
    voluntary = PaymentForm(request.POST if request.POST.get("form") == "voluntary" else None,
                            initial={"month": f"{today:%Y-%m}", "kind": "voluntary", "paid_on": today})
    status = 200
    if request.method == "POST":
        if not can_collect:
            raise PermissionDenied(_("您没有在该党组织收缴党费的权限"))
        status = 400
        try:
            if months_form.is_bound and months_form.is_valid():
                d = months_form.cleaned_data
                done = payment_services.payments_record_quarter(
                    actor=request.user, member=member, first_month=d["first_month"], count=d["count"],
                    method=d["method"], paid_on=d["paid_on"], ahead_consent=d["ahead_consent"],
                    reference=d["reference"], request=request)
                messages.success(request, _("已登记{n}个月的党费").format(n=len(done)))
                return redirect("dues:payment_member", member.pk)
            if voluntary.is_bound and voluntary.is_valid():
                d = voluntary.cleaned_data
                payment_services.payment_record(
                    actor=request.user, member=member, month=d["month"], amount=d["amount"], method=d["method"],
                    paid_on=d["paid_on"], kind="voluntary", reference=d["reference"],
                    ahead_consent=d["ahead_consent"], note=d["note"], request=request)
                messages.success(request, _("已登记自愿多交党费"))
                return redirect("dues:payment_member", member.pk)
        except ValidationError as exc:
            apply_validation_error(months_form if months_form.is_bound else voluntary, exc)
        if not months_form.is_bound and not voluntary.is_bound:
            messages.error(request, _("请求有误"))
    own = payment_selectors.own_dues(member, today=today)
    return render(request, "dues/payment_member.html", {
        "member": member, "own": own, "can_collect": can_collect, "months_form": months_form,
        "voluntary_form": voluntary, "section": "dues"}, status=status)


@login_required
def payment_void(request, pk):
    payment = policy.get(DuesPayment, request.user, pk, DUES_COLLECT)
    form = VoidForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            payment_services.payment_void(actor=request.user, payment=payment, reason=form.cleaned_data["reason"],
                                          request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已作废该缴纳记录"))
            return redirect("dues:payment_member", payment.member_id)
    return render(request, "dues/payment_void.html", {"payment": payment, "form": form, "section": "dues"},
                  status=400 if form.is_bound else 200)


@login_required
def arrears(request):
    """Members 3+ months behind (warned) and 6+ (listed for the branch to act on), in the user's subtree."""
    _require(request.user, DUES_VIEW, _("您没有查看党费的权限"))
    org = None
    raw = str(request.GET.get("org") or "").strip()
    if raw:
        if not raw.isdigit():
            return _bad(request, _("请从列表中选择党组织"))
        org = policy.get(Organization, request.user, raw, DUES_VIEW)
    level = request.GET.get("level", "")
    if level not in ("", "warn", "list"):
        return _bad(request, _("筛选条件有误"))
    months = settings.DUES_ARREARS_LIST_MONTHS if level == "list" else settings.DUES_ARREARS_WARN_MONTHS
    today = timezone.localdate()
    page, paging_error = keyset_page_or_first(
        lambda params: payment_selectors.arrears_page(request.user, org, params, today=today, months=months),
        request.GET)
    return render(request, "dues/arrears.html", {
        "page": page, "org": org, "level": level, "paging_error": paging_error, "section": "dues",
        "warn_months": settings.DUES_ARREARS_WARN_MONTHS, "list_months": settings.DUES_ARREARS_LIST_MONTHS,
    }, status=400 if paging_error else 200)


@login_required
def mine(request):
    """A member's own dues: their standard, what they owe this month, their payments, how far behind."""
    member = getattr(request.user, "member", None)
    if member is None:
        raise PermissionDenied(_("您的账号未关联党员档案"))
    own = payment_selectors.own_dues(member, today=timezone.localdate())
    return render(request, "dues/mine.html", {"member": member, "own": own, "section": "dues_mine"})
