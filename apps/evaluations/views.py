from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import submit
from apps.core.lookups import parse_pk
from apps.orgs.models import BRANCH_KINDS, Organization

from . import selectors, services
from .forms import EvaluationOpenForm, GradesForm, PeerRatingForm, SelfEvaluationForm, default_year
from .models import Evaluation
from .scopes import EVALUATION_SEE, EVALUATION_TAKE_PART

# Asked by the 结束评议 button's dialog and by the confirmation page: one wording.
FINALIZE_QUESTION = gettext_lazy("确定结束评议并公布结果？结束后不能再修改等次。")


@login_required
def evaluation_list(request):
    user = request.user
    may_view = policy.has_capability(user, policy.RECORD_VIEW)
    takes_part = policy.is_member_self_service(user)
    if not may_view and not takes_part:
        raise PermissionDenied(_("您没有查看民主评议的权限"))
    context = {"section": "evaluations", "may_view": may_view,
               "can_open": policy.has_capability(user, policy.RECORD_MANAGE)}
    if may_view:
        qs = selectors.evaluation_list(policy.restrict(Evaluation, user, policy.RECORD_VIEW))
        context["page"] = Paginator(qs, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    if takes_part:
        context["mine"] = list(selectors.my_participations(user.member))
    return render(request, "evaluations/list.html", context)


def _branches(user):
    return (policy.restrict(Organization, user, policy.RECORD_MANAGE).filter(kind__in=BRANCH_KINDS, is_active=True)
            .order_by("path"))


@login_required
def evaluation_open(request):
    if not policy.has_capability(request.user, policy.RECORD_MANAGE):
        raise PermissionDenied(_("您没有开展民主评议的权限"))
    initial = {"year": default_year()}
    org = request.GET.get("org", "")
    if parse_pk(org) is not None:
        initial["organization"] = _branches(request.user).filter(pk=parse_pk(org)).first()
    form = EvaluationOpenForm(request.POST or None, scope=policy.restrict(Organization, request.user, policy.RECORD_MANAGE),
                              initial=initial)
    evaluation = submit(form, lambda data: services.evaluation_open(
        actor=request.user, organization=data["organization"], year=data["year"], request=request))
    if evaluation:
        messages.success(request, _("已开展 {name}").format(name=str(evaluation)))
        return redirect("evaluations:detail", evaluation.pk)
    return render(request, "evaluations/open.html", {"form": form, "section": "evaluations"},
                  status=400 if form.errors else 200)


def _render_detail(request, evaluation, *, grades_form=None, error=None, status=200):
    participants = selectors.roster(request.user, evaluation)
    can_manage = policy.can(request.user, policy.RECORD_MANAGE, evaluation)
    if grades_form is not None and not evaluation.is_open:
        # Locked results show no selects; the refusal is said on top.
        error, grades_form = "；".join(grades_form.non_field_errors()) or error, None
    elif grades_form is None and can_manage and evaluation.is_open:
        grades_form = GradesForm(participants=participants)
    for p in participants:
        p.grade_input = grades_form.bound_field_for(p) if grades_form is not None else None
    return render(request, "evaluations/detail.html", {
        "evaluation": evaluation, "participants": participants, "summary": selectors.roster_summary(participants),
        "can_manage": can_manage, "grades_form": grades_form, "error": error, "section": "evaluations",
        "takes_part": policy.can(request.user, EVALUATION_TAKE_PART, evaluation),
        "not_graded_message": _(services.NOT_GRADED_MESSAGE), "finalize_question": FINALIZE_QUESTION,
    }, status=status)


@login_required
def evaluation_detail(request, pk):
    evaluation = policy.get(Evaluation, request.user, pk, EVALUATION_SEE)
    if not policy.can(request.user, policy.RECORD_VIEW, evaluation):
        # A member on the roster has their own page; the roster and the ratings are not for them.
        return redirect("evaluations:participate", evaluation.pk)
    return _render_detail(request, evaluation)


@login_required
@require_POST
def grades_set(request, pk):
    evaluation = policy.get(Evaluation, request.user, pk, policy.RECORD_MANAGE)
    participants = list(selectors.participants(request.user, evaluation, policy.RECORD_MANAGE))
    form = GradesForm(request.POST, participants=participants)
    if submit(form, lambda data: services.participant_grades_set(actor=request.user, evaluation=evaluation,
                                                                 grades=form.grades(), request=request)):
        messages.success(request, _("等次已保存"))
        return redirect("evaluations:detail", evaluation.pk)
    return _render_detail(request, evaluation, grades_form=form, status=400)


@login_required
@require_POST
def evaluation_finalize(request, pk):
    evaluation = policy.get(Evaluation, request.user, pk, policy.RECORD_MANAGE)
    # Finalizing locks every grade: one click never does it (the button's dialog, or this page, asks first).
    try:
        if not confirmed(request):
            services.check_finalize(evaluation)  # not ready: the refusal, not a question
            return confirm_page(request, title=_("结束评议"), message=FINALIZE_QUESTION, label=_("确认结束评议"),
                                back=reverse("evaluations:detail", args=[evaluation.pk]), button_class="btn-danger")
        services.evaluation_finalize(actor=request.user, evaluation=evaluation, request=request)
    except ValidationError as exc:
        return _render_detail(request, evaluation, error="；".join(exc.messages), status=400)
    messages.success(request, _("评议已结束，结果已公布"))
    return redirect("evaluations:detail", evaluation.pk)


@login_required
def participant_detail(request, pk, participant_pk):
    """One participant's self-evaluation and the ratings fellow members gave them."""
    evaluation = policy.get(Evaluation, request.user, pk, policy.RECORD_VIEW)
    participant = policy.get(selectors.participants(request.user, evaluation, policy.RECORD_VIEW), request.user,
                             participant_pk, policy.RECORD_VIEW)
    return render(request, "evaluations/participant.html", {
        "evaluation": evaluation, "participant": participant, "section": "evaluations",
        "ratings": selectors.ratings_received(request.user, evaluation, participant.member),
        "not_graded_message": _(services.NOT_GRADED_MESSAGE),
    })


def _render_participate(request, evaluation, *, self_form=None, rating_form=None, status=200):
    member = request.user.member
    participants = list(selectors.participants(request.user, evaluation, EVALUATION_TAKE_PART))
    me = next(p for p in participants if p.member_id == member.pk)
    given = selectors.ratings_given(request.user, evaluation, member)
    others = [p for p in participants if p.pk != me.pk]
    for p in others:
        p.my_rating = given.get(p.member_id)
        if rating_form is not None and rating_form.data.get("ratee") == str(p.member_id):
            p.rating_form = rating_form  # the refused submission, with its input and errors, stays in its row
        else:
            p.rating_form = PeerRatingForm(initial={"ratee": p.member_id, "grade": getattr(p.my_rating, "grade", ""),
                                                    "comment": getattr(p.my_rating, "comment", "")})
        p.rating_form.auto_id = f"id_rate{p.member_id}_%s"  # one form per row: ids must not repeat
        p.rating_form.fields["grade"].widget.attrs["aria-label"] = p.member.name
        p.rating_form.fields["comment"].widget.attrs["aria-label"] = _("对{name}的评议意见").format(name=p.member.name)
    if self_form is None:
        self_form = SelfEvaluationForm(initial={"text": me.self_evaluation})
    return render(request, "evaluations/participate.html", {
        "evaluation": evaluation, "me": me, "others": others, "self_form": self_form, "section": "evaluations",
        "rating_form": rating_form,  # the refused rating (None when there is none): its errors are summed up on top
        "rated_count": sum(1 for p in others if p.my_rating), "ratable_count": sum(1 for p in others if p.is_graded),
        "not_graded_message": _(services.NOT_GRADED_MESSAGE),
    }, status=status)


@login_required
def participate(request, pk):
    evaluation = policy.get(Evaluation, request.user, pk, EVALUATION_TAKE_PART)
    return _render_participate(request, evaluation)


@login_required
@require_POST
def self_evaluation_submit(request, pk):
    evaluation = policy.get(Evaluation, request.user, pk, EVALUATION_TAKE_PART)
    form = SelfEvaluationForm(request.POST)
    if submit(form, lambda data: services.self_evaluation_submit(actor=request.user, evaluation=evaluation,
                                                                 member=request.user.member, text=data["text"],
                                                                 request=request)):
        messages.success(request, _("个人自评已提交"))
        return redirect("evaluations:participate", evaluation.pk)
    return _render_participate(request, evaluation, self_form=form, status=400)


@login_required
@require_POST
def peer_rating_save(request, pk):
    evaluation = policy.get(Evaluation, request.user, pk, EVALUATION_TAKE_PART)
    form = PeerRatingForm(request.POST)
    if submit(form, lambda data: services.peer_rating_save(actor=request.user, evaluation=evaluation, rater=request.user.member,
                                                           ratee_id=data["ratee"], grade=data["grade"],
                                                           comment=data["comment"], request=request)):
        messages.success(request, _("互评意见已保存"))
        return redirect("evaluations:participate", evaluation.pk)
    return _render_participate(request, evaluation, rating_form=form, status=400)
