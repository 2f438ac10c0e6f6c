"""Casting a ballot (/vote/, no account): the one-time code, then the ballot, then thanks; a resident of a survey's
phone sample answers with their number (/vote/phone/<poll>/); a member's own online code shown once (/vote/mine/).

The code travels only in POST bodies: step 1 (`enter`) checks it read-only and renders the ballot with the code in a
hidden field; step 2 (`cast`) posts code and answers to `ballot_services.ballot_cast`. It is never put in a URL, the
session, a message, a cookie or a log line (`sensitive_post_parameters` keeps it out of error reports), and every
page that carries it is `never_cache`. Which poll a code belongs to is found from the code alone
(vote_selectors.polls_for_code).

Wrong codes (unknown, used, void) and wrong phone numbers count against a per-client limit
(BALLOT_CODE_FAILURES_MAX per BALLOT_CODE_WINDOW_MINUTES): counted before the check, given back when the code was
good, so parallel guesses cannot pass on an old count (as the residents' case lookup does)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.core import ratelimit
from apps.core.confirm import confirm_page, confirmed
from apps.core.lookups import parse_pk
from apps.core.net import network_key, rate_key

from . import ballot_services, report_selectors, selectors, services, vote_selectors
from . import codes as code_lib
from .ballot_services import BallotRefused
from .models import PollKind
from .vote_forms import BallotForm, CodeForm, PhoneBallotForm

SCOPE = "ballot-code"
REVEAL_QUESTION = gettext_noop("测评码只显示这一次，离开页面后不能再查看。请在显示后直接投票，或抄写保存。确定现在查看？")


class _Attempt:
    """One attempt counted against both failed-code limits: the client's and its network's (a /24, an IPv6 /48), so
    an attacker with many addresses of one network guesses no faster than the network's limit."""

    def __init__(self, request):
        window = settings.BALLOT_CODE_WINDOW_MINUTES * 60
        self.hits = [ratelimit.hit(SCOPE, rate_key(request), limit=settings.BALLOT_CODE_FAILURES_MAX, window=window),
                     ratelimit.hit(f"{SCOPE}/network", network_key(request),
                                   limit=settings.BALLOT_CODE_NETWORK_FAILURES_MAX, window=window)]

    @property
    def allowed(self) -> bool:
        return all(h.allowed for h in self.hits)

    @property
    def retry_minutes(self) -> int:
        return max(h.retry_minutes for h in self.hits if not h.allowed) if not self.allowed else 0

    def refund(self):
        for h in self.hits:
            ratelimit.refund(h)


def _attempt(request) -> _Attempt:
    """Count one attempt against the failed-code limits (refunded when the code turns out good)."""
    return _Attempt(request)


def _too_many(attempt) -> str:
    return _("测评码或电话号码错误次数过多，请{minutes}分钟后再试").format(minutes=attempt.retry_minutes)


def _refused(messages) -> CodeForm:
    """An empty code form (the code not echoed) with a refusal on top."""
    form = CodeForm()
    form.full_clean()  # unbound: no errors of its own
    form.cleaned_data = {}
    form.add_error(None, messages)
    return form


def _enter_page(request, form, status):
    return render(request, "ballots/vote/enter.html", {"form": form}, status=status)


def _ballot_page(request, form, status=200):
    return render(request, "ballots/vote/ballot.html", {"form": form, "poll": form.poll,
                                                        "show_reports": form.poll.kind == PollKind.SANSHU}, status=status)


def _ballot_form(poll, row, data=None, code=""):
    subjects = ballot_services.ballot_subjects(poll, row.subject_id)
    if poll.kind == PollKind.SANSHU:  # the voters read the leaders' reports and the leader's comment above the grades
        subjects = list(report_selectors.with_reports(poll.subjects.filter(pk__in=[s.pk for s in subjects])))
    return BallotForm(data, initial=None if data else {"poll": poll.pk, "code": code}, poll=poll, subjects=subjects,
                      items=list(poll.items.all()))


def _find(form, raw, poll_id):
    """(poll, code row) for a typed code, or BallotRefused."""
    polls = vote_selectors.polls_for_code(raw, poll_id)
    if not polls and poll_id is not None:  # the poll named (a link's hint) does not hold it: any open poll may
        polls = vote_selectors.polls_for_code(raw)
    if not polls:
        raise BallotRefused({"code": _("测评码不正确，请核对后重新输入")})
    poll = polls[0]
    return poll, ballot_services.check_code(poll, raw)


@never_cache
@sensitive_post_parameters("code")
def enter(request):
    """Step 1: the code. GET the empty form; POST checks the code (read only) and answers with the ballot."""
    if request.method != "POST":
        return _enter_page(request, CodeForm(initial={"poll": parse_pk(request.GET.get("poll"))}), 200)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _enter_page(request, form, 400)
    attempt = _attempt(request)
    if not attempt.allowed:
        form.add_error(None, _too_many(attempt))
        return _enter_page(request, form, 429)
    try:
        poll, row = _find(form, form.cleaned_data["code"], form.cleaned_data["poll"])
    except BallotRefused as exc:
        form.add_error("code", exc.message_dict.get("code") or exc.messages)
        return _enter_page(request, form, 400)
    except ValidationError as exc:  # the code is good, in several polls
        attempt.refund()
        form.add_error(None, exc.messages)
        return _enter_page(request, form, 400)
    attempt.refund()
    if problem := vote_selectors.cast_refusal(poll):
        form.add_error(None, problem)
        return _enter_page(request, form, 400)
    return _ballot_page(request, _ballot_form(poll, row, code=code_lib.normalize(form.cleaned_data["code"])))


@never_cache
@sensitive_post_parameters("code")
@require_POST
def cast(request):
    """Step 2: code and answers → one ballot; thanks. A refused code goes back to step 1 with the reason."""
    attempt = _attempt(request)
    if not attempt.allowed:
        return _enter_page(request, _refused(_too_many(attempt)), 429)
    poll = vote_selectors.open_poll(parse_pk(request.POST.get("poll", "")[:20]))
    raw = request.POST.get("code", "")[:32]
    if poll is None:
        attempt.refund()
        return _enter_page(request, _refused(_("该测评不存在或已经结束，请重新输入测评码")), 400)
    try:
        row = ballot_services.check_code(poll, raw)
    except BallotRefused as exc:
        return _enter_page(request, _refused(exc.messages), 400)
    attempt.refund()  # the code is good: whatever else is wrong is no failed attempt
    form = _ballot_form(poll, row, data=request.POST)
    if not form.is_valid():
        return _ballot_page(request, form, 400)
    ratings, texts = form.answers()
    try:
        ballot_services.ballot_cast(poll=poll, code=form.cleaned_data["code"], ratings=ratings, texts=texts)
    except BallotRefused as exc:  # used by a parallel request meanwhile
        return _enter_page(request, _refused(exc.messages), 400)
    except ValidationError as exc:
        form.service_errors(exc)
        return _ballot_page(request, form, 400)
    return redirect("vote:done")


def done(request):
    return render(request, "ballots/vote/done.html")


@never_cache
@sensitive_post_parameters("phone")
def phone(request, pk):
    """A resident of a survey's phone sample: number and answers at once; the answer counts for their village."""
    poll = vote_selectors.open_survey(pk)
    if poll is None:
        raise Http404(_("该测评不存在或不接受电话号码参评"))
    subjects = ballot_services.ballot_subjects(poll)
    items = list(poll.items.all())
    form = PhoneBallotForm(request.POST or None, poll=poll, subject=subjects[0], items=items)
    status = 200
    if problem := vote_selectors.cast_refusal(poll):  # not started yet, or past its closing time
        return render(request, "ballots/vote/phone.html", {"form": None, "poll": poll, "closed": problem},
                      status=400 if form.is_bound else 200)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            attempt = _attempt(request)
            if not attempt.allowed:
                form.add_error(None, _too_many(attempt))
                status = 429
            else:
                ratings, texts = form.answers(subjects)
                try:
                    ballot_services.ballot_cast_by_phone(poll=poll, phone=form.cleaned_data["phone"], ratings=ratings,
                                                  texts=texts)
                except BallotRefused as exc:
                    form.add_error("phone", exc.message_dict.get("phone") or exc.messages)
                except ValidationError as exc:
                    attempt.refund()
                    form.service_errors(exc)
                else:
                    attempt.refund()
                    return redirect("vote:done")
    return render(request, "ballots/vote/phone.html", {"form": form, "poll": poll}, status=status)


@login_required
@never_cache
def mine(request):
    """The open polls where the signed-in member still has an online code to see."""
    member_id = getattr(request.user, "member_id", None)
    polls = list(selectors.open_polls_for_member(member_id).select_related("organization")) if member_id else []
    return render(request, "ballots/vote/mine.html", {"polls": polls, "question": _(REVEAL_QUESTION),
                                                      "section": "vote"})


@login_required
@never_cache
@require_POST
def reveal(request, pk):
    """The member's code, shown once (confirmed first), with a button that posts it straight to the ballot."""
    member_id = getattr(request.user, "member_id", None)
    poll = selectors.open_polls_for_member(member_id).filter(pk=pk).select_related("organization").first() \
        if member_id else None
    if poll is None:
        raise Http404(_("没有可查看的测评码"))
    if not confirmed(request):
        return confirm_page(request, title=_("查看我的测评码"), message=_(REVEAL_QUESTION), label=_("查看测评码"),
                            back=reverse("vote:mine"))
    code = services.code_reveal(user=request.user, poll=poll, request=request)
    if code is None:
        messages.error(request, _("您的测评码已经查看过，不能再次显示"))
        return redirect("vote:mine")
    return render(request, "ballots/vote/reveal.html", {"poll": poll, "code": code, "spaced": code_lib.spaced(code),
                                                        "section": "vote"})

