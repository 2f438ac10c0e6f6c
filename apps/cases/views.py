"""Staff pages of the citizen-request system: the list and work queues, a case's page with every step of its
handling, staff intake, and the photos. Each step is one POST calling one service; a refused step shows the case
page again with the reason and a 400."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_or_reshow, confirmed
from apps.core.forms import apply_refusal, apply_validation_error
from apps.core.paging import keyset_page_or_first

from . import intake, metrics, photos, scopes, selectors, services, states
from .forms import (
    AcceptForm,
    CallbackForm,
    DecideExtensionForm,
    DispatchForm,
    ExtensionForm,
    MergeForm,
    NoteForm,
    ReasonForm,
    ReclassifyForm,
    ResolveForm,
    StaffIntakeForm,
)
from .models import Case, CaseExtension, CasePhoto, RatedVia
from .routing import route


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


@login_required
def case_list(request):
    _require(request.user, policy.CASE_VIEW, _("您没有查看群众诉求的权限"))
    now = timezone.now()
    f, qs = selectors.case_list(request.user, request.GET, now=now)
    valid = f.form.is_valid()
    # Pages go by keys, totals are capped; a mangled ?after=/?before= shows the first page (400).
    page, paging_error = keyset_page_or_first(
        lambda params: selectors.case_page(request.user, qs if valid else qs.none(), params,
                                           per_page=settings.LIST_PAGE_SIZE), request.GET)
    return render(request, "cases/list.html", {
        "filter": f, "page": page, "now": now, "section": "cases", "queues": selectors.QUEUES,
        "counts": selectors.queue_counts(request.user, now), "queue": request.GET.get("queue", ""),
        "can_intake": bool(scopes.case_units(request.user)), "paging_error": paging_error,
        "counted_label": metrics.COUNTED_LABELS.get(f.form.cleaned_data.get("counted") or "", ""),
    }, status=200 if valid and not paging_error else 400)


def _context(request, case, forms=None):
    user = request.user
    now = timezone.now()
    who = states.actors(user, case)
    dispatcher = who.dispatcher
    forms = forms or {}
    assignments = list(case.assignments.select_related("unit").order_by("dispatched_at", "id"))
    extension = selectors.pending_extension(case)
    actions = states.available(case, who=who, extension=extension, now=now)
    # The rules' suggestion, while the case waits for its first dispatch.
    suggested = route(case.service, case.area) if actions["dispatch"] and not actions["redispatch"] else None
    handled = states.outcome(case)

    def form(name, factory):
        return forms.get(name) or factory()

    dispatch_initial = {}
    if suggested and suggested.lead:
        dispatch_initial = {"lead": suggested.lead, "assisting": suggested.assisting}
    elif case.lead_unit_id:
        dispatch_initial = {"lead": case.lead_unit}
    return {
        "case": case, "handled": handled, "now": now, "section": "cases",
        "events": selectors.timeline(case), "photos": list(case.photos.all()), "assignments": assignments,
        "merged": case.merged_cases.select_related("area").order_by("submitted_at"),
        "extension": extension, "overdue": case.is_overdue(now),
        "dispatcher": dispatcher, "acting": who.acting, "sign_unit": who.signer, "case_actions": actions,
        "suggested": suggested, "similar": selectors.similar_open_cases(user, case) if actions["merge"] else [],
        "callback_days": settings.CASE_CALLBACK_DAYS, "resolve_question": RESOLVE_QUESTION,
        "archive_question": ARCHIVE_QUESTION,
        "f_accept": form("accept", lambda: AcceptForm(initial={"service": case.service, "urgency": case.urgency,
                                                                "is_public": case.is_public})),
        "f_reclassify": form("reclassify", lambda: ReclassifyForm(initial={
            "service": case.service, "urgency": case.urgency, "is_public": case.is_public})),
        "f_reject": form("reject", ReasonForm), "f_return": form("return", ReasonForm),
        "f_reopen": form("reopen", ReasonForm), "f_merge": form("merge", MergeForm),
        "f_dispatch": form("dispatch", lambda: DispatchForm(initial=dispatch_initial)),
        "f_note": form("note", NoteForm), "f_extension": form("extension", ExtensionForm),
        "f_decide": form("decide", DecideExtensionForm), "f_resolve": form("resolve", ResolveForm),
        "f_callback": form("callback", CallbackForm),
    }


@login_required
def case_detail(request, pk):
    case = policy.get(Case, request.user, pk)
    return render(request, "cases/detail.html", _context(request, case))


def _step(request, pk, name, form_class, run, done_message, *, step=None, files=False, confirm=None):
    """One step of handling (`step` of the state table, by default `name`, the form's): the form, the access check
    (the capability of whoever the table says takes the step), one service call; refused → the page again with a 400.
    A step with `confirm` (title, question, button, ready) is irreversible: it acts only on a confirmed post (the
    dialog of static/js/confirm.js, or without JavaScript apps.core.confirm's page or, for uploads, its check box) —
    unless `ready(case)` says the step is not open, when the service's refusal is the answer, not a question."""
    step = step or name
    case = policy.get(Case, request.user, pk, states.STEPS[step].capability)
    unit = states.actors(request.user, case).unit_for(step)
    form = form_class(request.POST, request.FILES if files else None) if form_class else None
    title, question, button, ready = confirm or (None, None, None, None)
    if (form is None or form.is_valid()) and confirm and not confirmed(request) and (ready is None or ready(case)):
        asked = confirm_or_reshow(request, form, title=title, message=question, label=button,
                                  back=reverse("cases:detail", args=[case.pk]))
        if asked is not None:
            return asked
    elif form is None or form.is_valid():
        try:
            run(case, form.cleaned_data if form else {}, unit)
        except ValidationError as exc:
            apply_refusal(request, form, exc)
        else:
            messages.success(request, done_message)
            return redirect("cases:detail", case.pk)
    case.refresh_from_db()
    return render(request, "cases/detail.html", _context(request, case, {name: form} if form else None), status=400)


def _actor(request):
    return {"actor": request.user, "request": request}


@login_required
@require_POST
def case_accept(request, pk):
    return _step(request, pk, "accept", AcceptForm, lambda case, data, unit: services.case_accept(
        case=case, service=data["service"], urgency=data["urgency"], is_public=data["is_public"], **_actor(request)),
        _("已受理"))


@login_required
@require_POST
def case_reclassify(request, pk):
    return _step(request, pk, "reclassify", ReclassifyForm,
                 lambda case, data, unit: services.case_reclassify(
                     case=case, service=data["service"], urgency=data["urgency"], is_public=data["is_public"],
                     **_actor(request)), _("已调整"))


@login_required
@require_POST
def case_reject(request, pk):
    return _step(request, pk, "reject", ReasonForm, lambda case, data, unit: services.case_reject(
        case=case, reason=data["reason"], **_actor(request)), _("已作不予受理处理"))


@login_required
@require_POST
def case_dispatch(request, pk):
    def run(case, data, unit):
        services.case_accept_and_dispatch(case=case, lead=data["lead"], assisting=list(data["assisting"]),
                                          note=data["note"], **_actor(request))

    return _step(request, pk, "dispatch", DispatchForm, run, _("已派单"))


@login_required
@require_POST
def case_sign(request, pk):
    return _step(request, pk, "sign", None, lambda case, data, unit: services.case_sign(
        case=case, unit=unit, **_actor(request)), _("已签收"))


@login_required
@require_POST
def case_return(request, pk):
    return _step(request, pk, "return", ReasonForm, lambda case, data, unit: services.case_return(
        case=case, unit=unit, reason=data["reason"], **_actor(request)), _("已退单，诉求回到调度员重新派单"))


@login_required
@require_POST
def case_note(request, pk):
    return _step(request, pk, "note", NoteForm, lambda case, data, unit: services.case_note(
        case=case, unit=unit, text=data["text"], public=data["is_public"], **_actor(request)), _("已记录办理进展"))


@login_required
@require_POST
def case_extension(request, pk):
    return _step(request, pk, "extension", ExtensionForm,
                 lambda case, data, unit: services.case_request_extension(
                     case=case, unit=unit, until=data["until"], reason=data["reason"], **_actor(request)),
                 _("已提交延期申请，待调度员审批"))


@login_required
@require_POST
def extension_decide(request, pk):
    extension = policy.get(CaseExtension, request.user, pk)

    def run(case, data, unit):
        services.case_decide_extension(extension=extension, approve=data["approve"], note=data["note"], **_actor(request))

    return _step(request, extension.case_id, "decide", DecideExtensionForm, run, _("已审批延期申请"), step="decide_extension")


RESOLVE_QUESTION = gettext_lazy("确定办结？答复将发送给群众并进入回访，办结后不能再修改答复。")
ARCHIVE_QUESTION = gettext_lazy("确定归档？归档后不能再回访、重办。")


@login_required
@require_POST
def case_resolve(request, pk):
    return _step(request, pk, "resolve", ResolveForm, lambda case, data, unit: services.case_resolve(
        case=case, unit=unit, answer=data["answer"], photos=data["photos"], **_actor(request)), _("已办结，等待回访"),
        files=True, confirm=(_("办结"), RESOLVE_QUESTION, _("确认办结"), None))


@login_required
@require_POST
def case_callback(request, pk):
    return _step(request, pk, "callback", CallbackForm, lambda case, data, unit: services.case_rate(
        case=case, rating=data["rating"], solved=data["solved"], comment=data["comment"], via=RatedVia.PHONE,
        **_actor(request)), _("已记录电话回访结果"))


@login_required
@require_POST
def case_reopen(request, pk):
    return _step(request, pk, "reopen", ReasonForm, lambda case, data, unit: services.case_reopen(
        case=case, reason=data["reason"], **_actor(request)), _("已重办，退回承办单位重新办理"))


@login_required
@require_POST
def case_archive(request, pk):
    return _step(request, pk, "archive", None, lambda case, data, unit: services.case_archive(
        case=case, **_actor(request)), _("已归档"), confirm=(_("归档"), ARCHIVE_QUESTION, _("确认归档"), states.may_archive))


@login_required
@require_POST
def case_merge(request, pk):
    def run(case, data, unit):
        master = policy.restrict(Case, request.user, policy.CASE_DISPATCH).filter(
            number=data["master"].strip().upper()).first()
        if master is None:
            raise ValidationError({"master": _("未找到受理编号为 {number} 的诉求").format(number=data["master"])})
        services.case_merge(case=case, master=master, **_actor(request))

    return _step(request, pk, "merge", MergeForm, run, _("已合并"))


@login_required
@require_POST
def case_reveal_phone(request, pk):
    case = policy.get(Case, request.user, pk)
    if not (policy.can(request.user, policy.CASE_DISPATCH, case) or policy.can(request.user, policy.CASE_HANDLE, case)):
        raise PermissionDenied(_("只有承办单位和调度员可以查看完整联系电话"))
    phone = services.case_reveal_phone(actor=request.user, case=case, request=request)
    return HttpResponse(phone or _("未留电话"), content_type="text/plain; charset=utf-8")


@login_required
def case_intake(request):
    units = scopes.case_units(request.user)
    if not units:
        raise PermissionDenied(_("您不代表任何承办单位，不能登记诉求"))
    form = StaffIntakeForm(request.POST or None, request.FILES or None, units=units,
                           initial={"unit": units[0] if len(units) == 1 else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = intake.Intake(service=data["service"], description=data["description"], area=form.area(),
                              address=data["address"], lat=data["lat"], lng=data["lng"],
                              share_location=data["share_location"], contact_name=data["contact_name"],
                              phone=data["phone"], hide_name=data["hide_name"], urgency=data["urgency"],
                              attributes=form.attribute_values(), photos=data["photos"], is_public=data["is_public"])
        try:
            case, code = intake.case_staff_intake(actor=request.user, unit=data["unit"], channel=data["channel"],
                                                  intake=entry, handle_here=data["handle_here"], request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记诉求 {number}，请告知群众查询码：{code}").format(number=case.number, code=code))
            return redirect("cases:detail", case.pk)
    return render(request, "cases/intake.html", {"form": form, "section": "cases"}, status=400 if form.errors else 200)


@login_required
def photo(request, pk):
    return photos.serve(policy.get(CasePhoto, request.user, pk))

