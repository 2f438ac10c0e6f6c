"""The resident survey's pages under /ballots/surveys/ (群众满意度测评): the runner's — a district administrator, or the
external evaluator (第三方测评员), whose whole platform these pages are.

Access: SURVEY_RUN on the survey (`policy.restrict(Poll, user, SURVEY_RUN)`, scopes.py); a survey out of the user's
scope, or a poll that is not a survey, is 404; a survey the user sees (BALLOT_VIEW) without running it is 403. The
steps (open, close, publish) are posted to the generic step view `ballots:poll_step`.

Nothing here shows a member, and nothing written ties an answer to a code: a sheet's print and the results' export
are audited as reads; a paper sheet's entry is audited by the service as "a sheet was entered", and the page keeps
only how many sheets were entered in a row (a number in the address, no code).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import submit
from apps.orgs.models import Organization

from . import codes, services, survey_excel, survey_selectors, survey_services
from .models import Poll, PollKind
from .scopes import SURVEY_RUN
from .survey_forms import BatchForm, ItemForm, PaperForm, PhonesForm, SubjectsForm, SurveyForm

SECTION = "surveys"
REMOVE_QUESTION = gettext_noop("确定从测评中移除？")
ENTERED_MAX = 100000


def _require_run(user):
    if not policy.has_capability(user, SURVEY_RUN):
        raise PermissionDenied(_("您没有开展群众满意度测评的权限"))


def _survey(request, pk):
    """The survey, if the user runs it: 404 out of scope or not a survey, 403 seen but not run."""
    poll = policy.get(Poll, request.user, pk)
    if poll.kind != PollKind.SURVEY:
        raise Http404(_("未找到该测评"))
    if not policy.can(request.user, SURVEY_RUN, poll):
        raise PermissionDenied(_("您没有管理该测评的权限"))
    return poll


def _orgs(user):
    return policy.restrict(Organization, user, SURVEY_RUN)


@login_required
def survey_list(request):
    _require_run(request.user)
    polls = survey_selectors.surveys(policy.restrict(Poll, request.user, SURVEY_RUN))
    page = Paginator(polls, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ballots/surveys/list.html", {"page": page, "section": SECTION})


@login_required
def survey_create(request):
    _require_run(request.user)
    orgs = _orgs(request.user)
    top = orgs.filter(path__in=policy.scope_paths(request.user, SURVEY_RUN)).order_by("depth", "path").first()
    form = SurveyForm(request.POST if request.method == "POST" else None, orgs=orgs, initial={
        "year": timezone.localdate().year, "organization": top,
        "title": _("{year}年度群众满意度测评").format(year=timezone.localdate().year)})
    poll = submit(form, lambda d: services.poll_create(actor=request.user, organization=d["organization"],
                                                       kind=PollKind.SURVEY, data=d, request=request))
    if poll:
        messages.success(request, _("已创建测评，请添加测评的村（社区）"))
        return redirect("ballots:survey_subjects", poll.pk)
    return render(request, "ballots/surveys/form.html", {"form": form, "section": SECTION, "title": _("新建群众满意度测评")},
                  status=400 if form.is_bound else 200)


def _steps(poll):
    """The steps this page offers, in order: (name, label, question, button class)."""
    return [(name, label, question, css) for name, label, question, css in (
        ("open", _("开始测评"), _("开始后不能再修改村（社区）和测评内容，可以生成测评码、导入抽样电话。确定开始测评？"), "btn-primary"),
        ("close", _("结束并计票"), _("结束后所有未使用的测评码失效，答卷汇总计票，不能再录入。确定结束？"), "btn-warning"),
        ("publish", _("公示"), _("公示后结果在公开页面展示。确定公示？"), "btn-success"),
    ) if poll.may[name]]


@login_required
def survey_detail(request, pk):
    poll = _survey(request, pk)
    return render(request, "ballots/surveys/detail.html", {
        "poll": poll, "section": SECTION, "subjects": survey_selectors.subject_rows(poll),
        "items": list(poll.items.all()), "turnout": services.turnout(poll), "steps": _steps(poll)})


def _setup_context(poll, **extra):
    return {"poll": poll, "section": SECTION, "subjects": list(poll.subjects.select_related("organization")),
            "items": list(poll.items.all()), "remove_question": _(REMOVE_QUESTION), **extra}


@login_required
def survey_subjects(request, pk):
    """The villages and the questions of a survey in preparation; adding villages (one, or all under an organization)."""
    poll = _survey(request, pk)
    form = SubjectsForm(request.POST if request.method == "POST" else None, orgs=_orgs(request.user))
    if request.method == "POST":
        added = submit(form, lambda d: survey_services.survey_subjects_add(
            actor=request.user, poll=poll, organization=d["organization"], whole=d["whole"], request=request))
        if added is not None:
            messages.success(request, _("已添加{n}个村（社区）").format(n=added))
            return redirect("ballots:survey_subjects", poll.pk)
    return render(request, "ballots/surveys/subjects.html", _setup_context(poll, form=form, item_form=ItemForm()),
                  status=400 if form.is_bound else 200)


@login_required
@require_POST
def survey_subject_remove(request, pk, subject):
    poll = _survey(request, pk)
    row = poll.subjects.filter(pk=subject).first()
    if row is None:
        raise Http404(_("未找到该测评对象"))
    back = reverse("ballots:survey_subjects", args=[poll.pk])
    if not confirmed(request):
        return confirm_page(request, title=_("移除村（社区）"), message=_(REMOVE_QUESTION), label=_("确认移除"), back=back,
                            details=[row.name], button_class="btn-danger")
    try:
        services.subject_remove(actor=request.user, subject=row, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("已移除“{name}”").format(name=row.name))
    return redirect(back)


@login_required
@require_POST
def survey_item_add(request, pk):
    poll = _survey(request, pk)
    item_form = ItemForm(request.POST)
    if submit(item_form, lambda d: services.item_add(actor=request.user, poll=poll, text=d["text"], kind=d["kind"],
                                                     request=request)):
        messages.success(request, _("已添加测评内容"))
        return redirect("ballots:survey_subjects", poll.pk)
    form = SubjectsForm(orgs=_orgs(request.user))
    return render(request, "ballots/surveys/subjects.html", _setup_context(poll, form=form, item_form=item_form),
                  status=400)


@login_required
@require_POST
def survey_item_remove(request, pk, item):
    poll = _survey(request, pk)
    row = poll.items.filter(pk=item).first()
    if row is None:
        raise Http404(_("未找到该测评内容"))
    back = reverse("ballots:survey_subjects", args=[poll.pk])
    if not confirmed(request):
        return confirm_page(request, title=_("移除测评内容"), message=_(REMOVE_QUESTION), label=_("确认移除"), back=back,
                            details=[row.text], button_class="btn-danger")
    try:
        services.item_remove(actor=request.user, item=row, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("已移除测评内容"))
    return redirect(back)


@login_required
def survey_batches(request, pk):
    """The numbered batches of paper codes, by village; a new batch (while the survey is open)."""
    poll = _survey(request, pk)
    form = BatchForm(request.POST if request.method == "POST" else None, subjects=poll.subjects.all())
    if request.method == "POST":
        batch = submit(form, lambda d: services.batch_create(actor=request.user, poll=poll, subject=d["subject"],
                                                             size=d["size"], request=request))
        if batch:
            messages.success(request, _("已生成第{n}批测评码，共{size}个").format(n=batch.number, size=batch.size))
            return redirect("ballots:survey_batches", poll.pk)
    batches = poll.batches.select_related("subject").order_by("-number")
    page = Paginator(batches, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ballots/surveys/batches.html", {"poll": poll, "form": form, "page": page, "section": SECTION},
                  status=400 if form.is_bound else 200)


@never_cache  # plain codes: never kept by a browser or a proxy
@login_required
def survey_batch_sheet(request, pk, batch):
    """A batch's printable A4 sheet of tear-off slips (第N批 · 村名 · 测评码, how to answer at /vote/). The codes are
    printed only while the survey is open; each opening of the sheet is audited (who printed which batch)."""
    poll = _survey(request, pk)
    row = poll.batches.select_related("subject").filter(pk=batch).first()
    if row is None:
        raise Http404(_("未找到该批次"))
    plain = services.batch_codes(row)
    if not plain:
        messages.error(request, _("测评已结束或尚未开始，测评码不能再打印"))
        return redirect("ballots:survey_batches", poll.pk)
    audit_read(actor=request.user, action=Action.EXPORT, obj=row, request=request,
               note=_("打印第{n}批测评码（{size}张）").format(n=row.number, size=len(plain)))
    vote_url = request.build_absolute_uri("/vote/")
    return render(request, "ballots/surveys/sheet.html", {
        "poll": poll, "batch": row, "slips": [codes.spaced(c) for c in plain], "vote_url": vote_url,
        "labels": poll.scale_labels(), "section": SECTION})


@login_required
def survey_phones(request, pk):
    """A village's sample of residents' phone numbers, pasted: they answer at /vote/ once each."""
    poll = _survey(request, pk)
    form = PhonesForm(request.POST if request.method == "POST" else None, subjects=poll.subjects.all())
    if request.method == "POST":
        added = submit(form, lambda d: services.phones_add(actor=request.user, poll=poll, subject=d["subject"],
                                                           numbers=d["numbers"], request=request))
        if added is not None:
            messages.success(request, _("已导入{n}个号码（已在名单中的号码跳过）").format(n=added))
            return redirect("ballots:survey_phones", poll.pk)
    return render(request, "ballots/surveys/phones.html", {
        "poll": poll, "form": form, "subjects": survey_selectors.subject_rows(poll), "section": SECTION},
        status=400 if form.is_bound else 200)


def _entered(raw) -> int:
    try:
        return min(max(int(raw), 0), ENTERED_MAX)
    except (TypeError, ValueError):
        return 0


@login_required
def survey_paper(request, pk):
    """Paper answer sheets typed in one after another: the sheet's code and its answers; the form comes back empty
    after each sheet with the number entered in a row (`?n=`), nothing else."""
    poll = _survey(request, pk)
    if not poll.may["cast"]:
        messages.error(request, _("只有测评中的问卷可以录入纸质答卷"))
        return redirect("ballots:survey_detail", poll.pk)
    entered = _entered(request.GET.get("n"))
    form = PaperForm(request.POST if request.method == "POST" else None, poll=poll)
    if request.method == "POST":
        entered = _entered(request.POST.get("entered"))
        done = submit(form, lambda d: survey_services.survey_paper_enter(
            actor=request.user, poll=poll, code=d["code"], answers=form.answers, request=request))
        if done:
            return redirect(f"{reverse('ballots:survey_paper', args=[poll.pk])}?n={entered + 1}")
    return render(request, "ballots/surveys/paper.html", {
        "poll": poll, "form": form, "entered": entered, "labels": poll.scale_labels(), "section": SECTION},
        status=400 if form.is_bound else 200)


@login_required
def survey_results(request, pk):
    poll = _survey(request, pk)
    return render(request, "ballots/surveys/results.html", {
        "poll": poll, "results": survey_selectors.survey_results(poll), "turnout": services.turnout(poll),
        "section": SECTION})


@login_required
def survey_export(request, pk):
    poll = _survey(request, pk)
    results = survey_selectors.survey_results(poll)
    if results is None:
        messages.error(request, _("计票后才能导出结果"))
        return redirect("ballots:survey_results", poll.pk)
    audit_read(actor=request.user, action=Action.EXPORT, obj=poll, request=request, note=_("导出满意度测评结果"))
    return FileResponse(survey_excel.workbook(poll, results), as_attachment=True,
                        filename=_("满意度测评结果-{year}-{pk}.xlsx").format(year=poll.year, pk=poll.pk))
