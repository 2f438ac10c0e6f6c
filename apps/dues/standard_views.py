"""Pages of dues standards and hardship decisions under /dues/: a member's dues page (the standard in force and its
history explained, the hardship decisions with their steps, the newest payments read-only), setting a standard (the
amount previewed before saving), applying for relief, the steps, and the list of decisions waiting for the user.

Access: a member's dues page needs DUES_VIEW on the member's organization, or is the member's own (self-service);
out of scope it is not found (404), a member the user sees in the registry but not in dues is forbidden (403).
Writes: DUES_COLLECT (the branch), the member themself for an application, DUES_APPROVE strictly above to approve
(standard_services decides; the views only show what it would allow)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import apply_validation_error, submit
from apps.core.paging import KeysFirstPaginator
from apps.members.models import Member

from . import hardship_states
from . import standard_selectors as selectors
from . import standard_services as services
from .models import HardshipDecision
from .rules import month_start
from .scopes import DUES_COLLECT, DUES_VIEW
from .standard_forms import DecisionForm, HardshipForm, StandardForm


def _member(request, pk):
    """The member whose dues the user may read: DUES_VIEW on their organization, or their own."""
    user = request.user
    try:
        own = policy.is_member_self_service(user) and user.member_id == int(pk)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    if own:
        return policy.get(Member, user, pk)
    return policy.get(Member, user, pk, DUES_VIEW)


def _collectable_member(request, pk):
    member = _member(request, pk)
    if not services.may_collect(request.user, member):
        raise PermissionDenied(_("您没有为该党员核定党费标准的权限"))
    return member


@login_required
def member_dues(request, pk):
    member = _member(request, pk)
    user = request.user
    standards = selectors.member_standards(member)
    decisions = selectors.member_decisions(member)
    for d in decisions:
        d.steps = {step: services.may_step(user, d, step) for step in ("agree", "approve", "reject")}
    return render(request, "dues/member_dues.html", {
        "member": member, "standards": standards, "current": selectors.in_force(standards, timezone.localdate()),
        "decisions": decisions, "payments": selectors.member_payments(member),
        "may_collect": services.may_collect(user, member), "may_apply": services.may_apply(user, member),
        "decision_form": DecisionForm(), "section": "dues"})


@login_required
def standard_new(request, pk):
    """GET: the form; POST: the amount previewed; POST with save=1: the standard recorded."""
    member = _collectable_member(request, pk)
    form = StandardForm(request.POST or None)
    preview = None
    if form.is_bound and form.is_valid() and request.POST.get("save") != "1":
        try:
            preview = services.compute(form.cleaned_data["category"], form.cleaned_data["base"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            explained = selectors.explain(form.cleaned_data["category"], form.cleaned_data["base"], preview)
            return render(request, "dues/standard_form.html", {"member": member, "form": form, "preview": explained,
                                                               "section": "dues"})
    elif form.is_bound:
        done = submit(form, lambda d: services.standard_set(
            actor=request.user, member=member, category=d["category"], base=d["base"],
            effective_from=d["effective_from"], note=d["note"], request=request))
        if done:
            messages.success(request, _("已核定党费标准"))
            return redirect("dues:member", member.pk)
    return render(request, "dues/standard_form.html", {"member": member, "form": form, "section": "dues"},
                  status=400 if form.is_bound else 200)


@login_required
def hardship_new(request, pk):
    member = _member(request, pk)
    if not services.may_apply(request.user, member):
        raise PermissionDenied(_("您没有为该党员申请少交或免交党费的权限"))
    form = HardshipForm(request.POST or None, initial={"first_month": month_start(timezone.localdate()).strftime("%Y-%m")})
    done = submit(form, lambda d: services.hardship_apply(
        actor=request.user, member=member, first_month=d["first_month"], last_month=d["last_month"],
        monthly_amount=d["monthly_amount"], reason=d["reason"], request=request))
    if done:
        messages.success(request, _("已提交少交或免交党费申请，待支部同意、上级党委批准"))
        return redirect("dues:member", member.pk)
    return render(request, "dues/hardship_form.html", {"member": member, "form": form, "section": "dues"},
                  status=400 if form.is_bound else 200)


def _step(request, pk, step, service, done_message):
    decision = policy.get(HardshipDecision, request.user, pk)  # DUES_VIEW: out of scope is not found
    # A step the status no longer allows (taken meanwhile) is a 400 with the reason; one the user may never take, 403.
    if hardship_states.allows(step, decision) and not services.may_step(request.user, decision, step):
        raise PermissionDenied(_("您不能对该申请执行此操作"))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _refused(request, decision)
    kwargs = {} if step == "agree" else {"note": form.cleaned_data["note"]}
    try:
        service(actor=request.user, decision=decision, request=request, **kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _refused(request, decision)
    messages.success(request, done_message)
    if request.POST.get("next") == "list":
        return redirect("dues:hardship_list")
    return redirect("dues:member", decision.member_id)


def _refused(request, decision):
    """The member's page again, with the reasons among the messages, answering 400 (nothing was saved)."""
    request.method = "GET"
    response = member_dues(request, decision.member_id)
    response.status_code = 400
    return response


@login_required
@require_POST
def hardship_agree(request, pk):
    return _step(request, pk, "agree", services.hardship_agree, _("支部已同意，待上级党委批准"))


@login_required
@require_POST
def hardship_approve(request, pk):
    return _step(request, pk, "approve", services.hardship_approve, _("已批准少交或免交党费"))


@login_required
@require_POST
def hardship_reject(request, pk):
    return _step(request, pk, "reject", services.hardship_reject, _("已不同意该申请"))


@login_required
def hardship_list(request):
    """Decisions in scope waiting for the user's step (the branch's agreement, the higher committee's approval)."""
    if not policy.has_capability(request.user, DUES_COLLECT):
        raise PermissionDenied(_("您没有处理党费减免申请的权限"))
    page = KeysFirstPaginator(selectors.waiting_for(request.user), settings.LIST_PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    for d in rows:
        d.steps = {step: services.may_step(request.user, d, step) for step in ("agree", "approve", "reject")}
    return render(request, "dues/hardship_list.html", {"page": page, "rows": rows, "section": "dues",
                                                       "decision_form": DecisionForm()})


def _require_collect(user):
    if not policy.has_capability(user, DUES_COLLECT):
        raise PermissionDenied(_("您没有导入党费标准的权限"))


@login_required
def standard_import(request):
    """Upload a filled template: all rows written, or none and every row's errors shown (400)."""
    from . import standard_excel

    _require_collect(request.user)
    errors, message = [], ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError(_("请选择要导入的Excel文件"))
            rows, errors = standard_excel.validate(request.user, standard_excel.read_upload(upload))
            if not errors:
                if not rows:
                    raise ValidationError(_("文件中没有数据行"))
                n = standard_excel.standard_import(actor=request.user, rows=rows, request=request)
                messages.success(request, _("已导入党费标准{n}条").format(n=n))
                return redirect("dues:standard_import")
            message = _("文件有{n}处错误，未导入任何数据，请修改后重新上传").format(n=len(errors))
        except ValidationError as exc:
            message = "；".join(exc.messages)
    return render(request, "dues/standard_import.html", {"errors": errors, "message": message, "section": "dues"},
                  status=400 if message else 200)


@login_required
def standard_import_template(request):
    import io

    from django.http import FileResponse

    from . import standard_excel

    _require_collect(request.user)
    buffer = io.BytesIO()
    standard_excel.template_workbook().save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=_("党费标准导入模板.xlsx"))
