"""Casting a ballot: by a one-time code (online or a paper sheet entered by the survey's runner) or a survey's sampled
phone. The code (or phone) is marked used and the ballot queued, encrypted, in one transaction under the poll's and
the code's row locks; nothing else is written — no audit row, no time, nothing naming the voter (services.py says
what the close then does with the queue)."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record
from apps.core.crypto import keyed_hash
from apps.core.text import normalize_phone

from . import codes as code_lib
from . import states
from .models import (
    Code,
    CodeState,
    ItemKind,
    PhoneEntry,
    Poll,
    PollKind,
    QueuedBallot,
    Subject,
)
from .scopes import BALLOT_MANAGE, SURVEY_RUN
from .services import COMMENT_MAX, _require, clean_text


class BallotRefused(ValidationError):
    """A code or phone that cannot vote (unknown, used, void): counted by the views' failed-attempt limit."""


def ballot_subjects(poll, subject_id=None) -> list[Subject]:
    qs = poll.subjects.all()
    return list(qs.filter(pk=subject_id) if subject_id else qs)


def _clean_answers(poll, subjects, ratings, texts) -> dict:
    """The ballot as stored: every rating item of every subject answered by an index into the scale; texts cleaned."""
    items = list(poll.items.all())
    answers, comments = {}, {}
    for s in subjects:
        for i in items:
            key = f"{s.pk}:{i.pk}"
            if i.kind == ItemKind.RATING:
                value = ratings.get(key)
                if not isinstance(value, int) or not 0 <= value < len(poll.scale):
                    raise ValidationError({key: _("请为“{subject}”的“{item}”选择一个等次").format(subject=s.name, item=i.text)})
                answers[key] = value
            else:
                text = clean_text(texts.get(key), COMMENT_MAX, key, i.text, multiline=True)
                if text:
                    comments[key] = text
    return {"r": answers, "t": comments}


def _locked_open(poll):
    """The poll, locked against the close (casts queue behind each other on it: a vote is hundreds of ballots)."""
    poll = Poll.objects.select_for_update(no_key=True).get(pk=poll.pk)
    states.check(poll, "cast")
    now = timezone.now()
    if poll.opens_at and now < poll.opens_at:
        raise ValidationError(_("测评尚未开始"))
    if poll.closes_at and now >= poll.closes_at:
        raise ValidationError(_("测评已于{at}截止").format(at=timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M")))
    return poll


def check_code(poll, raw) -> Code:
    """The unused code a voter typed, or BallotRefused saying why (unknown, used, void). Read only: the cast locks."""
    code = code_lib.normalize(raw)
    row = Code.objects.filter(poll=poll, code_hash=code_lib.code_hash(code)).first() \
        if code_lib.looks_like_code(code) else None
    _refuse_code(row)
    return row


def _refuse_code(row):
    if row is None:
        raise BallotRefused({"code": _("测评码不正确，请核对后重新输入")})
    if row.state == CodeState.USED:
        raise BallotRefused({"code": _("该测评码已经投过票，每个测评码只能使用一次")})
    if row.state == CodeState.VOID:
        raise BallotRefused({"code": _("该测评码已作废")})


@transaction.atomic
def ballot_cast(*, poll, code, ratings, texts=None) -> None:
    """One ballot by a one-time code: the code marked used and the ballot queued in one transaction. No actor, no
    audit row, no time: nothing written here can say who voted or when."""
    poll = _locked_open(poll)
    normalized = code_lib.normalize(code)
    row = None
    if code_lib.looks_like_code(normalized):
        row = (Code.objects.select_for_update().filter(poll=poll, code_hash=code_lib.code_hash(normalized))
               .first())
    _refuse_code(row)
    answers = _clean_answers(poll, ballot_subjects(poll, row.subject_id), ratings, texts or {})
    row.state = CodeState.USED
    row.save(update_fields=["state"])
    QueuedBallot.objects.create(poll=poll, answers=json.dumps(answers, ensure_ascii=False))


@transaction.atomic
def ballot_cast_by_phone(*, poll, phone, ratings, texts=None) -> None:
    """A resident on the survey's phone sample answers for their village, once; the answer does not name the phone."""
    poll = _locked_open(poll)
    if poll.kind != PollKind.SURVEY:
        raise BallotRefused({"phone": _("该测评不接受电话号码参评")})
    number = normalize_phone(phone)
    entry = PhoneEntry.objects.select_for_update().filter(poll=poll, phone_hash=keyed_hash(number)).first() \
        if number else None
    if entry is None:
        raise BallotRefused({"phone": _("该电话号码不在本次测评的抽样名单中")})
    if entry.used:
        raise BallotRefused({"phone": _("该电话号码已经参加过本次测评")})
    answers = _clean_answers(poll, ballot_subjects(poll, entry.subject_id), ratings, texts or {})
    entry.used = True
    entry.save(update_fields=["used"])
    QueuedBallot.objects.create(poll=poll, answers=json.dumps(answers, ensure_ascii=False))


@transaction.atomic
def paper_ballot_enter(*, actor, poll, code, ratings, texts=None, request=None) -> None:
    """A paper answer sheet entered by the survey's runner (the external evaluator) with the sheet's code: the same
    ballot; the audit says that a sheet was entered, never which code or what it said."""
    _require(actor, SURVEY_RUN if poll.kind == PollKind.SURVEY else BALLOT_MANAGE, poll, _("您没有录入纸质答卷的权限"))
    ballot_cast(poll=poll, code=code, ratings=ratings, texts=texts)
    audit_record(actor=actor, action=Action.CREATE, obj=poll, request=request, after={"paper_sheet_entered": 1})


