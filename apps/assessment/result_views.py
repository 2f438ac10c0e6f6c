"""Rankings and published results for staff: a round's ranking (table by page, bar chart, Excel), the year's combined
ranking of its group, publishing the results with a 月点评/年述评 note, withdrawing them.

Access (round_scopes.py, result_scopes.py): whoever sees the round reads its ranking, of the organizations in their
scope, ranked among all; ASSESSMENT_MANAGE on the round publishes and withdraws. Every read is bounded
(result_selectors: a page of rows, the first N in the chart)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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
from apps.core.dbrouter import reading_from_replica
from apps.core.forms import submit

from . import result_excel, result_selectors, result_services, round_states
from .result_forms import PublicationForm
from .result_models import PublicationStatus, ResultPublication
from .round_models import Round, RoundEntry

WITHDRAW_QUESTION = gettext_noop("撤回后公开页面将不再显示本轮次的结果和点评。确定撤回？")


def _publications(request, rnd):
    return list(policy.restrict(ResultPublication, request.user).filter(round=rnd)
                .select_related("published_by", "withdrawn_by").order_by("-published_at", "-id"))


def _results(request, rnd, status=200):
    entries = policy.restrict(rnd.entries.all(), request.user)
    page, rows = result_selectors.ranking_page(rnd, entries, request.GET.get("page"))
    publications = _publications(request, rnd)
    return render(request, "assessment/rounds/results.html", {
        "round": rnd, "rows": rows, "page": page, "section": "assessment",
        **result_selectors.chart_context(entries, page.paginator.count),
        "can_manage": policy.can(request.user, policy.ASSESSMENT_MANAGE, rnd), "publications": publications,
        "in_force": next((p for p in publications if p.status == PublicationStatus.PUBLISHED), None),
        "withdraw_question": _(WITHDRAW_QUESTION)}, status=status)


@login_required
def round_results(request, pk):
    """The ranking of a round: the organizations in the reader's scope by page, ranked within the whole round."""
    return _results(request, policy.get(Round, request.user, pk))


@login_required
def round_export(request, pk):
    rnd = policy.get(Round, request.user, pk)
    entries = policy.restrict(rnd.entries.all(), request.user)
    audit_read(actor=request.user, action=Action.EXPORT, obj=rnd, request=request, note=_("导出考核结果"))
    with reading_from_replica():  # a closed round's figures: frozen, a moment old is the same
        buffer = result_excel.workbook(rnd, entries)
    return FileResponse(buffer, as_attachment=True, filename=_("考核结果-{key}-{pk}.xlsx").format(key=rnd.period_key, pk=rnd.pk))


@login_required
def round_year(request, pk):
    """The year's combined ranking of the round's group (every closed round of the year, by the system's weights)."""
    rnd = policy.get(Round, request.user, pk)
    group, year = rnd.system.group, rnd.system.year
    system, rows = result_selectors.year_ranking(group, year, policy.restrict(RoundEntry, request.user))
    page = Paginator(rows, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/rounds/year.html", {
        "round": rnd, "group": group, "year": year, "system": system, "page": page, "section": "assessment",
        "weights": system.scored_periods() if system else []})


@login_required
def round_publish(request, pk):
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    initial = {"kind": result_services.KIND_OF_PERIOD.get(rnd.period_kind)}
    form = PublicationForm(request.POST or None, initial=initial)
    publication = submit(form, lambda d: result_services.publication_create(
        actor=request.user, round=rnd, data=d, request=request)) if request.method == "POST" else None
    if publication:
        messages.success(request, _("已发布到公开页面"))
        return redirect("assessment:round_results", rnd.pk)
    return render(request, "assessment/results/publish_form.html", {
        "form": form, "round": rnd, "section": "assessment",
        "refusal": None if rnd.may["publish"] else round_states.STEPS["publish"].refusal},
        status=400 if form.is_bound else 200)


@login_required
@require_POST
def round_withdraw(request, pk):
    """Withdraw the round's publication in force (confirmed first)."""
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    back = reverse("assessment:round_results", args=[rnd.pk])
    if not confirmed(request):
        return confirm_page(request, title=_("撤回发布"), message=_(WITHDRAW_QUESTION), label=_("确认撤回"), back=back,
                            button_class="btn-danger")
    publication = policy.restrict(ResultPublication, request.user, policy.ASSESSMENT_MANAGE).filter(
        round=rnd, status=PublicationStatus.PUBLISHED).first()
    try:
        if publication is None:
            raise ValidationError(_("该轮次没有已发布的结果"))
        result_services.publication_withdraw(actor=request.user, publication=publication, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _results(request, rnd, status=400)
    messages.success(request, _("已撤回，公开页面不再显示"))
    return redirect(back)
