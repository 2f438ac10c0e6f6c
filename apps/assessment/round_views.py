"""Pages of assessment rounds under /assessment/rounds/: the list, creating one (district administrators), a round's
page with its scoring job's progress, one organization's score sheet (scoring by htmx); the results table, its chart,
workbook and publication are in result_views.py.

Access (round_scopes.py): ASSESSMENT_VIEW to read, ASSESSMENT_MANAGE on the round to create, open, score
automatically and close it, ASSESSMENT_SCORE strictly above an organization to score it by hand; out of scope is 404,
visible but not allowed 403."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_validation_error, submit
from apps.orgs.models import Organization

from . import cross_selectors, duty_selectors, feed_services, round_selectors, round_services
from .duty_models import Inspection
from .models import IndicatorSystem, Method, SystemStatus
from .pay_models import PaySheet
from .round_forms import CrossMemberForm, ItemForm, ManualScoreForm, RoundForm
from .round_models import Round, RoundEntry, Score, ScoreEvidence

OPEN_QUESTION = gettext_noop("开始评分后，评分人可在评分时间内评分。确定开始？")
CLOSE_QUESTION = gettext_noop("结束后本轮次的全部得分（含自动计分的数据）将冻结，不能再评分或重新计分。确定结束？")
DELETE_QUESTION = gettext_noop("确定删除这个草稿轮次？")


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


@login_required
def round_list(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    rounds = round_selectors.round_list(policy.restrict(Round, request.user))
    page = Paginator(rounds, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/rounds/list.html", {
        "page": page, "section": "assessment", "tab": "rounds",
        "can_manage": policy.has_capability(request.user, policy.ASSESSMENT_MANAGE)})


@login_required
def round_create(request):
    _require(request.user, policy.ASSESSMENT_MANAGE, _("您没有创建考核轮次的权限"))
    systems = policy.restrict(IndicatorSystem, request.user, policy.ASSESSMENT_MANAGE).filter(
        status=SystemStatus.IN_USE).select_related("group")
    form = RoundForm(request.POST or None, systems=systems)
    rnd = submit(form, lambda d: round_services.round_create(actor=request.user, system=d["system"], data=d, request=request))
    if rnd:
        messages.success(request, _("已创建考核轮次（草稿），共{n}个被考核组织").format(n=rnd.entries.count()))
        return redirect("assessment:round_detail", rnd.pk)
    return render(request, "assessment/rounds/form.html", {"form": form, "section": "assessment"},
                  status=400 if form.is_bound else 200)


def _cross_context(request, rnd, can_manage):
    """The cross-assessment groups for the round's managers (each with its own member picker)."""
    if not can_manage:
        return {}
    scope = policy.restrict(Organization, request.user, policy.ASSESSMENT_MANAGE)
    return {"cross_groups": [(g, CrossMemberForm(scope=scope, auto_id=f"id_g{g.pk}_%s"))
                             for g in cross_selectors.groups(rnd)]}


def _detail_context(request, rnd):
    entries = policy.restrict(rnd.entries.all(), request.user)
    can_manage = policy.can(request.user, policy.ASSESSMENT_MANAGE, rnd)
    return {"round": rnd, "section": "assessment", "job": rnd.job, **_cross_context(request, rnd, can_manage),
            "can_manage": can_manage,
            # The cadres' pay sheet of a closed round (pay_views): only for those who manage it.
            "pay_sheet": policy.restrict(PaySheet, request.user).filter(round=rnd).first() if can_manage else None,
            "entry_count": entries.count(), "rows": round_selectors.results(rnd, list(round_selectors.ordered(entries)[:20])),
            "has_feeds": rnd.system.indicators.exclude(item_feed="").exists(),
            "open_question": _(OPEN_QUESTION), "close_question": _(CLOSE_QUESTION), "delete_question": _(DELETE_QUESTION)}


@login_required
def round_detail(request, pk, status=200):
    rnd = policy.get(Round, request.user, pk)
    return render(request, "assessment/rounds/detail.html", _detail_context(request, rnd), status=status)


@login_required
def round_progress(request, pk):
    rnd = policy.get(Round, request.user, pk)
    return render(request, "assessment/rounds/_progress.html", {"round": rnd, "job": rnd.job})


def refused(request, rnd, exc):
    """The round's page with the reasons a step was refused (400); also for the pay sheet's generation."""
    for message in exc.messages:
        messages.error(request, message)
    return render(request, "assessment/rounds/detail.html", _detail_context(request, rnd), status=400)


def _step(request, pk, *, title, question, label, service, done, button_class="btn-primary", then=None):
    """A one-click step of a round (open, close, delete): confirmed first, refused with the reasons (400); then the
    round's page, or `then` (a URL name) when the step removes it."""
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    if not confirmed(request):
        return confirm_page(request, title=title, message=question, label=label,
                            back=reverse("assessment:round_detail", args=[rnd.pk]), button_class=button_class)
    try:
        service(actor=request.user, round=rnd, request=request)
    except ValidationError as exc:
        return refused(request, rnd, exc)
    messages.success(request, done)
    return redirect(then) if then else redirect("assessment:round_detail", rnd.pk)


@login_required
@require_POST
def round_open(request, pk):
    return _step(request, pk, title=_("开始评分"), question=_(OPEN_QUESTION), label=_("确认开始"),
                 service=round_services.round_open, done=_("已开始评分"))


@login_required
@require_POST
def round_close(request, pk):
    return _step(request, pk, title=_("结束评分"), question=_(CLOSE_QUESTION), label=_("确认结束"),
                 service=round_services.round_close, done=_("已结束，得分已冻结"), button_class="btn-danger")


@login_required
@require_POST
def round_delete(request, pk):
    return _step(request, pk, title=_("删除轮次"), question=_(DELETE_QUESTION), label=_("确认删除"),
                 service=round_services.round_delete, done=_("已删除"), button_class="btn-danger", then="assessment:rounds")


@login_required
@require_POST
def round_score(request, pk):
    """Start (or run again) the automatic scoring job."""
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    try:
        round_services.scoring_start(actor=request.user, round=rnd, request=request)
    except ValidationError as exc:
        return refused(request, rnd, exc)
    messages.success(request, _("已开始自动计分"))
    return redirect("assessment:round_detail", rnd.pk)


@login_required
@require_POST
def round_pull(request, pk):
    """Pull the deduction and bonus items of the leaves naming a source (feeds.py)."""
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    try:
        report = feed_services.round_items_pull(actor=request.user, round=rnd, request=request)
    except ValidationError as exc:
        return refused(request, rnd, exc)
    messages.success(request, report.message())
    for org, indicator, what in report.over_cap[:5]:
        messages.warning(request, _("{org}「{indicator}」已达上限，未计入：{what}").format(org=org, indicator=indicator, what=what))
    return redirect("assessment:round_detail", rnd.pk)


def _sheet_context(request, entry, **extra):
    lines = round_selectors.sheet(entry)
    cross_selectors.attach_opened(lines, entry, request.user)  # the sealed cross scores, once the round is closed
    system = entry.round.system
    return {"entry": entry, "round": entry.round, "lines": lines, "totals": round_selectors.node_totals(lines),
            "year": round_selectors.year_total(system.group, system.year, entry.organization),
            "section": "assessment", "can_score": policy.can(request.user, policy.ASSESSMENT_SCORE, entry)
            and entry.round.may["score"], "Method": Method,
            "inspections": _inspections(request, entry, lines), **extra}


def _inspections(request, entry, lines):
    """The organization's inspections of the round's period, shown beside manual leaves (one query, only when the
    sheet has a manual leaf)."""
    if not any(line.score and line.node.indicator.method == Method.MANUAL for line in lines):
        return []
    rnd = entry.round
    return duty_selectors.inspections_in(policy.restrict(Inspection, request.user), entry.organization, rnd.period_start, rnd.period_end)


@login_required
def entry_sheet(request, pk):
    entry = policy.get(RoundEntry, request.user, pk)
    return render(request, "assessment/rounds/sheet.html", _sheet_context(request, entry))


def _score_refused(request, score, form, exc=None, status=400):
    if exc is not None:
        apply_validation_error(form, exc)
    entry = score.entry
    context = _sheet_context(request, entry, error_score=score.pk, error_form=form)
    template = "assessment/rounds/_line.html" if request.headers.get("HX-Request") else "assessment/rounds/sheet.html"
    if template.endswith("_line.html"):
        context["line"] = next(line for line in context["lines"] if line.score and line.score.pk == score.pk)
    return render(request, template, context, status=status)


def _score_done(request, score, message):
    if request.headers.get("HX-Request"):
        context = _sheet_context(request, score.entry)
        context["line"] = next(line for line in context["lines"] if line.score and line.score.pk == score.pk)
        return render(request, "assessment/rounds/_line.html", context)
    messages.success(request, message)
    return redirect(reverse("assessment:entry_sheet", args=[score.entry_id]) + f"#score-{score.pk}")


@login_required
@require_POST
def score_manual(request, pk):
    score = policy.get(Score, request.user, pk, policy.ASSESSMENT_SCORE)
    form = ManualScoreForm(request.POST)
    if not form.is_valid():
        return _score_refused(request, score, form)
    try:
        round_services.score_manual(actor=request.user, score=score, points=form.cleaned_data["points"],
                                    comment=form.cleaned_data["comment"], files=request.FILES.getlist("files"),
                                    request=request)
    except ValidationError as exc:
        return _score_refused(request, score, form, exc)
    return _score_done(request, score, _("已保存评分"))


@login_required
@require_POST
def score_item_add(request, pk):
    score = policy.get(Score, request.user, pk, policy.ASSESSMENT_SCORE)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _score_refused(request, score, form)
    try:
        round_services.score_item_add(actor=request.user, score=score, request=request, **form.cleaned_data)
    except ValidationError as exc:
        return _score_refused(request, score, form, exc)
    return _score_done(request, score, _("已添加"))


@login_required
def evidence_download(request, pk):
    item = policy.get(ScoreEvidence, request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在")) from None
    return FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)
