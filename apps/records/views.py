"""Pages for keeping the record: plans, records with attendance, files, check-in, submit and return."""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_validation_error, submit
from apps.core.lookups import parse_pk
from apps.core.paging import keyset_page_or_first
from apps.core.periods import parse_period
from apps.orgs.models import Organization

from . import selectors, services, states, versions
from .forms import FileForm, NewRecordForm, OrgPickForm, PlanForm, RecordForm, ReturnForm, StarForm, attendance_from_post
from .models import ActivityPlan, ActivityRecord, ActivityType, AttendanceStatus, RecordFile

# Asked by the 删除草稿 button's dialog and by the confirmation page: one wording.
DELETE_QUESTION = gettext_noop("确定删除这份草稿？")


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


@login_required
def record_list(request):
    if not policy.is_member_self_service(request.user):  # a member lists their own branch's records
        _require(request.user, policy.RECORD_VIEW, _("您没有查看组织生活纪实的权限"))
    f, qs = selectors.record_list(request.user, request.GET)
    valid = f.form.is_valid()
    # Pages go by keys, the total is capped; a mangled ?after=/?before= shows the first page (400).
    page, paging_error = keyset_page_or_first(
        lambda params: selectors.record_page(request.user, qs if valid else qs.none(), params,
                                             per_page=settings.LIST_PAGE_SIZE), request.GET)
    return render(request, "records/list.html", {
        "filter": f, "page": page, "section": "records", "paging_error": paging_error,
        "can_create": policy.has_capability(request.user, policy.RECORD_MANAGE),
    }, status=200 if valid and not paging_error else 400)


def _org_param(request, capability=policy.RECORD_MANAGE):
    """`?org=<id>` from a link (the calendar, the 待办 list): looked up like every object (404 out of scope). None
    when there is none, or when it is the picker's answer (a label or a typed code), which `_pick_org` reads."""
    value = request.GET.get("org") or request.POST.get("org")
    if not value or "org_pk" in request.GET or not str(value).isdigit():
        return None
    return policy.get(Organization, request.user, value, capability)


def _pick_org(request, next_name, title):
    """The page choosing the branch or 党小组 with the organization picker (any number of organizations, by name,
    pinyin or code, each with its parent path). Its answer is resolved within the user's scope only; a valid one
    goes on to `?org=<id>`, an organization outside the scope is refused (400) with the picker shown again."""
    chosen = request.GET.get("org") or request.GET.get("org_pk")
    form = OrgPickForm(request.GET if chosen else None, user=request.user)
    if chosen and form.is_valid():
        params = request.GET.copy()
        params.pop("org_pk", None)
        params["org"] = form.cleaned_data["org"].pk
        return redirect(f"{reverse(next_name)}?{params.urlencode()}")
    return render(request, "records/pick_org.html", {"form": form, "next": next_name, "title": title, "section": "records"},
                  status=400 if form.errors else 200)


@login_required
def plan_create(request):
    org = _org_param(request)
    _require(request.user, policy.RECORD_MANAGE, _("您没有记录组织生活的权限"))
    if org is None:
        return _pick_org(request, "records:plan_create", _("制定活动计划"))
    form = PlanForm(request.POST or None, initial={"planned_on": timezone.localdate()})
    plan = submit(form, lambda data: services.plan_create(actor=request.user, organization=org, data=data, request=request))
    if plan:
        messages.success(request, _("已制定活动计划：{topic}").format(topic=plan.topic))
        return redirect(f"{reverse('records:calendar')}?org={org.pk}&month={plan.planned_on:%Y-%m}")
    return render(request, "records/form.html", {"form": form, "org": org, "title": _("制定活动计划"), "section": "records"},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def plan_cancel(request, pk):
    plan = policy.get(ActivityPlan, request.user, pk, policy.RECORD_MANAGE)
    try:
        services.plan_cancel(actor=request.user, plan=plan, request=request)
    except ValidationError as exc:
        from .watch_views import due

        messages.error(request, " ".join(exc.messages))
        response = due(request)
        response.status_code = 400
        return response
    messages.success(request, _("已取消活动计划"))
    return redirect("records:due")


@login_required
def record_create(request):
    plan = policy.get(ActivityPlan, request.user, request.GET["plan"], policy.RECORD_MANAGE) if request.GET.get("plan") else None
    org = plan.organization if plan else _org_param(request)
    _require(request.user, policy.RECORD_MANAGE, _("您没有记录组织生活的权限"))
    if org is None:
        return _pick_org(request, "records:create", _("记录组织生活"))
    initial = {"held_on": timezone.localdate(), "starts_at": "09:00", "ends_at": "11:00"}
    if plan:
        initial.update(activity_type=plan.activity_type, held_on=plan.planned_on, topic=plan.topic, place=plan.place,
                       starts_at=plan.starts_at or "09:00")
    else:
        try:  # from the 待办 list: the type and the period that are due
            initial.update(_prefill(request.GET))
        except ValueError as exc:  # a bad ?type= or ?period=: BadRequest's message (apps.core.errors.bad_request)
            raise BadRequest(str(exc)) from None
    form = NewRecordForm(request.POST or None, initial=initial)

    def create(data):
        return services.record_create(actor=request.user, organization=org, activity_type=data["activity_type"],
                                      data=data, plan=plan, request=request)

    record = submit(form, create)
    if record:
        messages.success(request, _("已建立活动纪实，请登记出勤后提交"))
        return redirect("records:detail", record.pk)
    return render(request, "records/form.html", {"form": form, "org": org, "plan": plan, "title": _("记录组织生活"),
                                                 "section": "records"}, status=400 if form.errors else 200)


def _prefill(params):
    """?type=<activity type id>&period=<period key>: that type chosen, and the date today if it falls in that
    period, else the period's nearest day (its last day when past). ValueError with a Chinese message."""
    initial = {}
    if params.get("type"):
        value = params["type"]
        activity_type = ActivityType.objects.filter(pk=parse_pk(value), is_active=True).first() if parse_pk(value) is not None else None
        if activity_type is None:
            raise ValueError(_("未找到该活动类型"))
        initial["activity_type"] = activity_type
    if params.get("period"):
        period = parse_period(params["period"])
        initial["held_on"] = min(max(timezone.localdate(), period.start), period.end)
    return initial


@login_required
def record_detail(request, pk):
    return _render_detail(request, policy.get(ActivityRecord, request.user, pk))


def _render_detail(request, record, file_form=None, status=None):
    """The record page; with a refused upload form (its errors) or a refused action, a 400."""
    user = request.user
    context = {
        "record": record, "section": "records",
        "can_manage": policy.can(user, policy.RECORD_MANAGE, record),
        "can_review": policy.can(user, policy.RECORD_REVIEW, record),
        # Members of the branch read the record and its figures; the roll call is for the staff.
        "can_see_attendance": policy.has_capability(user, policy.RECORD_VIEW),
        "file_form": file_form or FileForm(), "return_form": ReturnForm(),
        "star_form": StarForm(orgs=selectors.star_orgs(user, record)) if states.allows("star", record) else None,
        **selectors.record_detail_context(user, record),
        "submit_question": selectors.submit_question(record) if record.can_submit else "",
        "delete_question": _(DELETE_QUESTION),
    }
    return render(request, "records/detail.html", context, status=status or (400 if file_form is not None else 200))


def refused(request, record, exc):
    """An action the rules refuse: the record page again, its reasons on top, and a 400."""
    for message in exc.messages:
        messages.error(request, message)
    return _render_detail(request, record, status=400)


@login_required
def record_edit(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
    form = RecordForm(request.POST or None, instance=record, activity_type=record.activity_type)
    attendance = list(selectors.attendance_of(request.user, record, policy.RECORD_MANAGE).select_related("member")
                      .order_by("member__name_pinyin", "member_id"))
    if request.method == "POST" and "all_present" in request.POST:
        # 全部出席 without JavaScript (the script does it in the page): nothing saved yet; the form comes back
        # as typed with everyone marked present, to change the few who were not there, then save.
        for a in attendance:
            a.form_status, a.form_reason = AttendanceStatus.PRESENT, ""
        unbound = form.as_typed()
        messages.info(request, _("已将全部党员标为出席，请修改个别党员的出勤后保存"))
        return render(request, "records/edit.html", {"form": unbound, "record": record, "attendance": attendance,
                                                     "section": "records", "statuses": selectors.AttendanceStatus.choices})
    if request.method == "POST" and form.is_valid():
        entries = attendance_from_post(request.POST, [a.member_id for a in attendance])
        try:
            services.record_update(actor=request.user, record=record, data=dict(form.cleaned_data), attendance=entries,
                                   note=request.POST.get("note", ""), request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("records:detail", record.pk)
    for a in attendance:  # a refused form shows back what the user chose
        a.form_status = request.POST.get(f"att-{a.member_id}", a.status)
        a.form_reason = request.POST.get(f"reason-{a.member_id}", a.reason)
    return render(request, "records/edit.html", {
        "form": form, "record": record, "attendance": attendance, "section": "records",
        "statuses": selectors.AttendanceStatus.choices,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def record_submit(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
    # One click never submits: the button's dialog, or this page, asks first (a record already submitted is
    # refused below with the reason, nothing to confirm).
    if states.allows("submit", record) and not confirmed(request):
        return confirm_page(request, title=_("提交纪实"), message=selectors.SUBMIT_QUESTION,
                            label=_("确认提交"), back=reverse("records:detail", args=[record.pk]),
                            details=selectors.submit_notes(record))
    try:
        record = services.record_submit(actor=request.user, record=record, request=request)
    except ValidationError as exc:
        return refused(request, record, exc)
    if record.is_late:
        messages.warning(request, _("已提交。本纪实在活动后第{days}天录入，已标记为逾期录入").format(
            days=(record.first_submitted_at.date() - record.held_on).days))
    else:
        messages.success(request, _("已提交"))
    return redirect("records:detail", record.pk)


@login_required
def record_return(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_REVIEW)
    form = ReturnForm(request.POST or None)
    done = submit(form, lambda data: services.record_return(actor=request.user, record=record, reason=data["reason"],
                                                            request=request))
    if done:
        messages.success(request, _("已退回，待{org}修改后重新提交").format(org=record.organization.name))
        return redirect("records:detail", record.pk)
    return render(request, "records/return.html", {"form": form, "record": record, "section": "records"},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def record_delete(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
    # Deleting a draft cannot be undone: one click never does it (a submitted one is refused below, not asked).
    if states.allows("delete", record) and not confirmed(request):
        return confirm_page(request, title=_("删除草稿"), message=_(DELETE_QUESTION), label=_("确认删除"),
                            back=reverse("records:detail", args=[record.pk]), button_class="btn-danger")
    try:
        services.record_delete_draft(actor=request.user, record=record, request=request)
    except ValidationError as exc:
        return refused(request, record, exc)
    messages.success(request, _("已删除草稿"))
    return redirect("records:list")


@login_required
def record_version(request, pk, version):
    record = policy.get(ActivityRecord, request.user, pk)
    kept = selectors.record_version(request.user, record, version)
    if kept is None:
        raise Http404(_("未找到该版本"))
    data = dict(kept.data)
    for name in ("starts_at", "ends_at"):  # stored as HH:MM:SS; shown to the minute
        data[name] = versions.display(name, data.get(name))
    return render(request, "records/version.html", {
        "record": record, "kept": kept, "data": data, "section": "records",
        "changes": versions.compare(kept.data, versions.version_data(record)),
        "attendance_lines": versions.attendance_lines(kept.data),
    })


# ---- QR check-in ----

@login_required
def record_qr(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
    opens, closes = services.checkin_window(record)
    context = {"record": record, "opens": opens, "closes": closes, "is_open": opens <= timezone.now() <= closes,
               "checkin_url": request.build_absolute_uri(reverse("records:checkin", args=[record.checkin_token])),
               "section": "records",
               "checked_in": selectors.attendance_of(request.user, record, policy.RECORD_MANAGE).filter(checked_in_at__isnull=False)
               .select_related("member").order_by("checked_in_at")}
    template = "records/_qr_status.html" if request.headers.get("HX-Request") else "records/qr.html"
    return render(request, template, context)


@login_required
def record_qr_svg(request, pk):
    import segno

    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
    url = request.build_absolute_uri(reverse("records:checkin", args=[record.checkin_token]))
    # A standalone SVG document (XML declaration and the SVG namespace): served on its own to an <img>, a
    # browser renders nothing without the namespace (svg_inline() leaves it out, being meant for inlining).
    # The quiet zone is the 4 modules the QR standard asks for, so phones read it off a screen or paper.
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=True, svgns=True,
                                    title=_("签到二维码"), encoding="utf-8")
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def checkin(request, token):
    """The page a member's phone opens from the QR code."""
    record = selectors.record_for_checkin(token)
    if record is None:
        raise Http404(_("签到码无效"))
    error, row = None, None
    if request.method == "POST":
        try:
            record, row = services.record_check_in(user=request.user, token=token, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        row = selectors.own_attendance(request.user, record)
    return render(request, "records/checkin.html", {"record": record, "row": row, "error": error},
                  status=400 if error else 200)


# ---- files ----

@login_required
@require_POST
def file_upload(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.record_file_add(actor=request.user, record=record, kind=form.cleaned_data["kind"],
                                     upload=form.cleaned_data["file"], request=request)
            messages.success(request, _("已上传"))
            return redirect("records:detail", record.pk)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return _render_detail(request, record, file_form=form)


@login_required
def file_download(request, pk):
    item = policy.get(RecordFile, request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在")) from None
    inline = item.kind == "photo"
    return FileResponse(handle, as_attachment=not inline, filename=item.name, content_type=item.content_type)


@login_required
@require_POST
def file_delete(request, pk):
    item = policy.get(RecordFile, request.user, pk, policy.RECORD_MANAGE)
    services.record_file_delete(actor=request.user, item=item, request=request)
    messages.success(request, _("已删除文件"))
    return redirect("records:detail", item.record_id)


# ---- a member's own organizational life ----

@login_required
def my_records(request):
    if not request.user.member_id:
        raise Http404(_("您的账号未关联党员档案"))
    member = selectors.member_for_self(request.user)
    return render(request, "records/mine.html", {
        "member": member, "section": "mine", "attendance": selectors.member_attendance_summary(member),
        "history": selectors.member_attendance_history(member),
    })

