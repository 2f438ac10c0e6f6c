"""Staff pages of polls under /ballots/ (三述一评 and 双向考核; a resident survey's own pages are surveys/): the list,
creating and editing a draft, one poll's page (subjects, items, the eligible list, the steps, objections), the
counted results with their Excel export, and the sheet of paper code slips.

Access (scopes.py): BALLOT_VIEW in a subtree holding the poll reads it; the manager's capability
(`services.manage_capability`: BALLOT_MANAGE, or SURVEY_RUN for a survey) sets it up and takes its steps. Out of scope
is 404, visible but not allowed 403. The steps are one view (`poll_step`), confirmed first, shared with the survey
pages. Nothing here reads a ballot: results exist only once counted (`states.COUNTED`)."""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_validation_error, submit
from apps.members import selectors as member_selectors
from apps.members import services as member_services
from apps.members.models import Member
from apps.orgs.models import Organization

from . import codes, poll_excel, publicity_services, report_selectors, selectors, services, states
from .models import Item, Objection, Poll, PollKind, PollStatus, Subject, Voter, VoterKind
from .poll_forms import (
    AnswerForm,
    CodeVoidForm,
    ItemForm,
    MembersForm,
    PollEditForm,
    PollFilter,
    PollForm,
    PublishForm,
    SubjectForm,
    VoterForm,
)
from .scopes import BALLOT_MANAGE, BALLOT_VIEW, SURVEY_RUN

SLIPS_PER_PAGE = 10  # 2 × 5 on an A4 sheet

# The steps `poll_step` takes: (service, confirmation question, button label, done message, button class).
STEPS = {
    "start_reports": (services.poll_start_reports,
                      gettext_noop("开始述职后，测评对象撰写述职述学述廉报告，不能再修改测评对象、项目和名单。确定开始述职？"),
                      gettext_noop("开始述职"), gettext_noop("已开始述职"), "btn-primary"),
    "open": (services.poll_open,
             gettext_noop("开始测评后将固定参评名单（名单指纹）并生成测评码，不能再修改测评对象、项目和名单。确定开始测评？"),
             gettext_noop("开始测评"), gettext_noop("已开始测评，测评码已生成"), "btn-primary"),
    "close": (services.poll_close,
              gettext_noop("结束后未使用的测评码全部失效，立即计票，结果不能更改。确定结束并计票？"),
              gettext_noop("结束并计票"), gettext_noop("已结束并计票"), "btn-warning"),
    "publish": (publicity_services.poll_publish,
                gettext_noop("公示后结果在公开页面展示，公示期内可以提出异议。确定公示？"),
                gettext_noop("公示"), gettext_noop("已公示"), "btn-success"),
    "archive": (publicity_services.poll_archive,
                gettext_noop("归档后结果不再公开展示。确定归档？"),
                gettext_noop("归档"), gettext_noop("已归档"), "btn-outline-dark"),
}


def _require_any(user, *capabilities):
    if not any(policy.has_capability(user, c) for c in capabilities):
        raise PermissionDenied(_("您没有查看民主测评的权限"))


def _poll(request, pk, *, manage=False):
    """A 三述一评 or 双向考核 in the user's view (404 otherwise, a survey included: its pages are the runner's); 403
    when `manage` and the user may not manage it."""
    poll = policy.get(Poll, request.user, pk, BALLOT_VIEW)
    if poll.kind == PollKind.SURVEY:
        raise Http404(_("该测评不在此处管理"))
    if manage:
        _require_manage(request, poll)
    return poll


def _require_manage(request, poll):
    if not policy.can(request.user, services.manage_capability(poll), poll):
        raise PermissionDenied(_("您没有管理该测评的权限"))
    if services.is_rated(request.user, poll):
        raise PermissionDenied(_("您是本次测评的对象，不能管理这次测评"))


def _manage_orgs(user, poll=None):
    orgs = policy.restrict(Organization, user, BALLOT_MANAGE)
    return orgs.filter(path__startswith=poll.organization.path) if poll is not None else orgs


# ---- list, create, edit ----

@login_required
def poll_list(request):
    _require_any(request.user, BALLOT_VIEW, SURVEY_RUN)
    form = PollFilter(request.GET or None)
    polls = policy.restrict(Poll, request.user, BALLOT_VIEW).select_related("organization")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            polls = polls.filter(kind=data["kind"])
        if data["year"]:
            polls = polls.filter(year=data["year"])
        if data["status"]:
            polls = polls.filter(status=data["status"])
    page = Paginator(polls.order_by("-year", "-id"), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ballots/polls/list.html", {
        "form": form, "page": page, "section": "ballots",
        "can_manage": policy.has_capability(request.user, BALLOT_MANAGE)},
        status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
def poll_create(request):
    if not policy.has_capability(request.user, BALLOT_MANAGE):
        raise PermissionDenied(_("您没有开展民主测评的权限"))
    form = PollForm(request.POST or None, orgs=_manage_orgs(request.user),
                    initial={"kind": request.GET.get("kind", PollKind.TWO_WAY), "year": timezone.localdate().year})
    poll = submit(form, lambda d: services.poll_create(actor=request.user, organization=d["organization"], kind=d["kind"],
                                                       data=d, request=request))
    if poll:
        messages.success(request, _("已创建测评，请添加测评对象和参评人员"))
        return redirect(poll.get_absolute_url())
    return render(request, "ballots/polls/form.html", {"form": form, "section": "ballots", "title": _("新建民主测评")},
                  status=400 if form.is_bound else 200)


@login_required
def poll_edit(request, pk):
    poll = _poll(request, pk, manage=True)
    if not poll.may["edit"]:
        messages.error(request, str(states.STEPS["edit"].refusal))
        return redirect(poll.get_absolute_url())
    initial = {f: getattr(poll, f) for f in ("title", "year", "note", "opens_at", "closes_at", "anonymous_slots")}
    form = PollEditForm(request.POST or None, initial=initial)
    done = submit(form, lambda d: services.poll_update(actor=request.user, poll=poll, data=d, request=request))
    if done:
        messages.success(request, _("已保存"))
        return redirect(poll.get_absolute_url())
    return render(request, "ballots/polls/form.html", {"form": form, "poll": poll, "section": "ballots",
                                                       "title": _("修改测评")}, status=400 if form.is_bound else 200)


# ---- one poll ----

def _detail_context(request, poll, **forms):
    can_manage = services.may_manage(request.user, poll)
    editable = can_manage and poll.may["edit"]
    voters = policy.restrict(poll.voters.all(), request.user).select_related("organization").order_by("kind", "id")
    may = poll.may
    steps = [{"name": name, "label": _(label), "question": _(question), "button_class": button}
             for name, (_service, question, label, _done, button) in STEPS.items() if may[name]] if can_manage else []
    orgs = _manage_orgs(request.user, poll) if editable else None
    return {
        "poll": poll, "section": "ballots", "can_manage": can_manage, "editable": editable, "steps": steps,
        "subjects": report_selectors.with_reports(policy.restrict(poll.subjects.all(), request.user))
        .select_related("member"),
        "show_reports": poll.kind == PollKind.SANSHU,
        "items": policy.restrict(poll.items.all(), request.user),
        "voters": Paginator(voters, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page")),
        "voter_counts": _voter_counts(poll),
        "objections": policy.restrict(poll.objections.all(), request.user).select_related("subject")
        if poll.status in states.COUNTED else [],
        "turnout": services.turnout(poll) if poll.status in states.COUNTED else None,
        "counted": poll.status in states.COUNTED, "is_open": poll.status == PollStatus.OPEN,
        "subject_form": forms.get("subject_form") or (SubjectForm(poll=poll, orgs=orgs) if editable else None),
        "item_form": forms.get("item_form") or (ItemForm() if editable else None),
        "members_form": forms.get("members_form") or (MembersForm(orgs=orgs) if editable else None),
        "voter_form": forms.get("voter_form") or (VoterForm(orgs=orgs) if editable else None),
        "void_form": forms.get("void_form") or (CodeVoidForm() if can_manage and poll.may["issue"] else None),
        "failed": forms.get("failed", ""),
    }


def _voter_counts(poll):
    """The eligible list by kind (a count per kind, one query)."""
    counts = dict(poll.voters.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return [(kind.label, counts[kind.value]) for kind in VoterKind if counts.get(kind.value)]


@login_required
def poll_detail(request, pk):
    poll = _poll(request, pk)
    return render(request, "ballots/polls/detail.html", _detail_context(request, poll))


def _redisplay(request, poll, name, form):
    return render(request, "ballots/polls/detail.html", _detail_context(request, poll, **{f"{name}_form": form,
                                                                                           "failed": name}), status=400)


def _find_member(request, poll, form):
    """The one current member of the poll's subtree (within the user's view) a typed name or ID number names, or None
    with the error on the form; (member, limited) — a typed number counts against the member-search limit (429)."""
    raw = form.cleaned_data.get("member") or ""
    if not raw:
        form.add_error("member", _("请填写领导干部的姓名或身份证号"))
        return None, False
    limited = member_services.member_number_search(actor=request.user, raw=raw, where="民主测评", request=request)
    if limited:
        form.add_error("member", limited)
        return None, True
    found = member_selectors.committee_candidates(request.user, poll.organization, raw)
    if len(found) != 1:
        form.add_error("member", _("本组织范围内未找到该党员") if not found else _("有多名同名党员，请输入身份证号"))
        return None, False
    return found[0], False


@login_required
@require_POST
def subject_add(request, pk):
    poll = _poll(request, pk, manage=True)
    form = SubjectForm(request.POST, poll=poll, orgs=_manage_orgs(request.user, poll))
    limited = False
    if form.is_valid():
        data = form.cleaned_data
        member = organization = None
        if poll.kind == PollKind.SANSHU:
            member, limited = _find_member(request, poll, form)
            organization = member.organization if member else None
        else:
            organization = data["organization"]
        if not form.errors:
            try:
                services.subject_add(actor=request.user, poll=poll, member=member, organization=organization,
                                     name=data["name"] or (member.name if member else organization.name),
                                     post=data["post"], request=request)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已添加测评对象"))
                return redirect(poll.get_absolute_url())
    response = _redisplay(request, poll, "subject", form)
    if limited:
        response.status_code = 429
    return response


@login_required
@require_POST
def subject_remove(request, pk):
    subject = policy.get(Subject, request.user, pk)
    poll = _poll(request, subject.poll_id, manage=True)
    return _remove(request, poll, lambda: services.subject_remove(actor=request.user, subject=subject, request=request),
                   _("已移除测评对象"), _("确定移除测评对象“{name}”？").format(name=subject.name))


def _remove(request, poll, action, done, question):
    """A removal from the draft, confirmed first (the button asks; a post without it gets the confirmation page)."""
    if not confirmed(request):
        return confirm_page(request, title=_("移除"), message=question, label=_("确认移除"), back=poll.get_absolute_url(),
                            button_class="btn-danger")
    try:
        action()
    except ValidationError as exc:
        return _refused(request, poll, exc)
    messages.success(request, done)
    return redirect(poll.get_absolute_url())


def _refused(request, poll, exc):
    return render(request, "ballots/polls/refused.html", {
        "poll": poll, "errors": exc.messages, "back": poll.get_absolute_url(), "section": "ballots"}, status=400)


@login_required
@require_POST
def item_add(request, pk):
    poll = _poll(request, pk, manage=True)
    form = ItemForm(request.POST)
    if submit(form, lambda d: services.item_add(actor=request.user, poll=poll, text=d["text"], kind=d["kind"],
                                                request=request)):
        messages.success(request, _("已添加测评项目"))
        return redirect(poll.get_absolute_url())
    return _redisplay(request, poll, "item", form)


@login_required
@require_POST
def item_remove(request, pk):
    item = policy.get(Item, request.user, pk)
    poll = _poll(request, item.poll_id, manage=True)
    return _remove(request, poll, lambda: services.item_remove(actor=request.user, item=item, request=request),
                   _("已移除测评项目"), _("确定移除测评项目“{text}”？").format(text=item.text))


@login_required
@require_POST
def voters_add_members(request, pk):
    poll = _poll(request, pk, manage=True)
    form = MembersForm(request.POST, orgs=_manage_orgs(request.user, poll))
    if form.is_valid():
        org = form.cleaned_data["organization"]
        members = (policy.restrict(Member, request.user).current().filter(organization__path__startswith=org.path)
                   .select_related("organization"))
        if members.count() > services.VOTERS_MAX:
            form.add_error("organization", _("参评人员不能超过{n}人").format(n=services.VOTERS_MAX))
        else:
            added = submit(form, lambda d: services.voters_add_members(
                actor=request.user, poll=poll, members=list(members), channel=d["channel"], request=request))
            if added is not None:
                count = 0 if added is True else added
                messages.success(request, _("已加入{n}名党员").format(n=count) if count else _("没有新加入的党员（已在名单中或该组织没有在册党员）"))
                return redirect(poll.get_absolute_url())
    return _redisplay(request, poll, "members", form)


@login_required
@require_POST
def voter_add(request, pk):
    poll = _poll(request, pk, manage=True)
    form = VoterForm(request.POST, orgs=_manage_orgs(request.user, poll))
    done = submit(form, lambda d: services.voter_add(
        actor=request.user, poll=poll, kind=d["kind"], name=d["name"],
        organization=d["organization"] if d["kind"] == VoterKind.ORGANIZATION else None, request=request))
    if done:
        messages.success(request, _("已加入参评名单"))
        return redirect(poll.get_absolute_url())
    return _redisplay(request, poll, "voter", form)


@login_required
@require_POST
def voter_remove(request, pk):
    voter = policy.get(Voter, request.user, pk)
    poll = _poll(request, voter.poll_id, manage=True)
    return _remove(request, poll, lambda: services.voter_remove(actor=request.user, voter=voter, request=request),
                   _("已移出参评名单"), _("确定把“{name}”移出参评名单？").format(name=voter.name))


# ---- the steps (shared with the survey pages) ----

@login_required
@require_POST
def poll_step(request, pk, name):
    """One step of the poll's life (`STEPS`), confirmed first; a refusal is a 400 page saying why."""
    if name not in STEPS:
        raise Http404(_("没有这个操作"))
    poll = policy.get(Poll, request.user, pk, BALLOT_VIEW)
    _require_manage(request, poll)
    service, question, label, done, button = STEPS[name]
    form = PublishForm(request.POST) if name == "publish" else None
    if form is not None and not form.is_valid():
        return _refused(request, poll, ValidationError([e for errors in form.errors.values() for e in errors]))
    if not confirmed(request):
        return confirm_page(request, title=_(label), message=_(question), label=_(label),
                            back=poll.get_absolute_url(), button_class=button)
    extra = {"note": form.cleaned_data["note"]} if form is not None else {}
    try:
        service(actor=request.user, poll=poll, request=request, **extra)
    except ValidationError as exc:
        return _refused(request, poll, exc)
    messages.success(request, _(done))
    return redirect(poll.get_absolute_url())


@login_required
@require_POST
def code_void(request, pk):
    poll = _poll(request, pk, manage=True)
    form = CodeVoidForm(request.POST)
    if form.is_valid() and not confirmed(request):
        return confirm_page(request, title=_("作废测评码"), message=_("作废后该测评码不能再投票。确定作废？"),
                            label=_("确认作废"), back=poll.get_absolute_url(), button_class="btn-danger")
    if submit(form, lambda d: services.code_void(actor=request.user, poll=poll, code=d["code"], request=request)):
        messages.success(request, _("已作废该测评码"))
        return redirect(poll.get_absolute_url())
    return _redisplay(request, poll, "void", form)


@login_required
@require_POST
def objection_answer(request, pk):
    objection = policy.get(Objection, request.user, pk)
    poll = _poll(request, objection.poll_id, manage=True)
    form = AnswerForm(request.POST)
    if submit(form, lambda d: publicity_services.objection_answer(actor=request.user, objection=objection, answer=d["answer"],
                                                        request=request)):
        messages.success(request, _("已答复异议"))
        return redirect(poll.get_absolute_url())
    return _refused(request, poll, ValidationError([e for errors in form.errors.values() for e in errors]))


# ---- results, slips ----

def _counted(request, pk):
    poll = _poll(request, pk)
    results = selectors.poll_results(poll)
    if results is None:
        raise Http404(_("测评结束计票后才有结果"))
    return poll, results


@login_required
def poll_results(request, pk):
    poll, results = _counted(request, pk)
    for result in results:
        for row in result.items:
            row.cells = list(zip(row.counts, row.shares, strict=True))
    return render(request, "ballots/polls/results.html", {
        "poll": poll, "results": results, "turnout": services.turnout(poll), "labels": poll.scale_labels(),
        "section": "ballots"})


@login_required
def poll_export(request, pk):
    poll, results = _counted(request, pk)
    audit_read(actor=request.user, action=Action.EXPORT, obj=poll, request=request, note=_("导出测评结果"))
    buffer = poll_excel.workbook(poll, results, services.turnout(poll))
    return FileResponse(buffer, as_attachment=True, filename=_("测评结果-{pk}.xlsx").format(pk=poll.pk))


@never_cache  # plain codes: never kept by a browser or a proxy
@login_required
def poll_slips(request, pk):
    """The paper slips of an open poll on A4 (2 × 5 a sheet); every print audited (how many, not which)."""
    poll = _poll(request, pk, manage=True)
    if poll.status != PollStatus.OPEN:
        raise Http404(_("只有测评中的测评可以打印测评码"))
    plain = services.slips_printed(actor=request.user, poll=poll, request=request)
    vote_url = request.build_absolute_uri("/vote/")
    slips = [codes.spaced(c) for c in plain]
    sheets = [slips[i:i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    return render(request, "ballots/polls/slips.html", {
        "poll": poll, "sheets": sheets, "count": len(slips), "vote_url": vote_url, "qr": _qr(vote_url),
        "section": "ballots"})


def _qr(url):
    """The voting address (never a code) as an inline SVG QR code."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=2, border=2, xmldecl=False, svgns=True, svgclass="slip-qr",
                                    title=_("投票网址"), encoding="utf-8")
    return mark_safe(out.getvalue().decode())  # noqa: S308 — segno's own SVG of an address we built

