"""The 公示 of results (/publicity/, no account): the polls in 公示 and, per poll, each subject's score, grade
distribution and 好+较好 rate, the turnout with its reconciliation, the eligible list's fingerprint and the result
note — never a comment or a voter's name; and an objection to it (rate-limited per client).

Only polls in 公示 are shown (states.PUBLIC): an open, counted-but-unpublished or archived poll is 404."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import ratelimit
from apps.core.forms import apply_validation_error
from apps.core.lookups import parse_pk
from apps.core.net import rate_key

from . import publicity_services, selectors, services, survey_selectors, vote_selectors
from .models import PollKind
from .vote_forms import ObjectionForm

OBJECTION_SCOPE = "ballot-objection"


def _poll(pk):
    poll = vote_selectors.public_poll(parse_pk(pk))
    if poll is None:
        raise Http404(_("未找到该公示"))
    return poll


def index(request):
    return render(request, "ballots/public/index.html", {"polls": list(selectors.public_polls())})


def _detail(request, poll, form=None, status=200):
    results = selectors.poll_results(poll) or []
    # A survey's village with fewer than SURVEY_MIN_CELL answers is not shown in detail here either (survey_selectors):
    # one or two residents' answers would be theirs for anyone to read.
    floor = survey_selectors.min_cell() if poll.kind == PollKind.SURVEY else 0
    subjects = [(r, None if r.answered < floor else vote_selectors.subject_distribution(poll, r)) for r in results]
    return render(request, "ballots/public/detail.html", {
        "poll": poll, "subjects": subjects, "min_cell": floor, "turnout": services.turnout(poll), "labels": poll.scale_labels(),
        "form": form or ObjectionForm(poll=poll), "may_object": poll.may["object"],
        "is_survey": poll.kind == PollKind.SURVEY}, status=status)


def detail(request, pk):
    return _detail(request, _poll(pk))


@require_POST
def objection(request, pk):
    poll = _poll(pk)
    form = ObjectionForm(request.POST, poll=poll)
    if not form.is_valid():
        return _detail(request, poll, form, 400)
    attempt = ratelimit.hit(OBJECTION_SCOPE, rate_key(request),
                            limit=settings.BALLOT_OBJECTIONS_MAX, window=settings.BALLOT_OBJECTION_WINDOW_MINUTES * 60)
    if not attempt.allowed:
        form.add_error(None, _("提交过于频繁，请{minutes}分钟后再试").format(minutes=attempt.retry_minutes))
        return _detail(request, poll, form, 429)
    data = form.cleaned_data
    try:
        publicity_services.objection_submit(poll=poll, text=data["text"], subject=data["subject"], contact=data["contact"],
                                  request=request)
    except ValidationError as exc:
        ratelimit.refund(attempt)
        apply_validation_error(form, exc)
        return _detail(request, poll, form, 400)
    return redirect("publicity:objection_done", poll.pk)


def objection_done(request, pk):
    return render(request, "ballots/public/objection_done.html", {"poll": _poll(pk)})
