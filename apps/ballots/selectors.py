"""Reads of polls that pages and other apps use: the counted results (never before the close), the turnout, and the
scores an assessment indicator reads (`organization_scores`).

A subject's score on an item is the mean of the scale's points over its answers (好 100, 较好 80, 一般 60, 差 0 by
default; the poll keeps its own scale); its score is the mean over the rating items; `good_rate` the share of the
scale's best two grades (好 + 较好, 满意 + 基本满意).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from . import states
from .models import ItemKind, Poll, PollKind, PollStatus, Subject

TWO = Decimal("0.01")


def _round(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass
class ItemResult:
    item: object
    counts: list[int]  # per grade of the scale
    answered: int = 0
    score: Decimal | None = None
    shares: list[Decimal] = field(default_factory=list)  # percentage per grade


@dataclass
class SubjectResult:
    subject: Subject
    items: list[ItemResult]
    comments: list = field(default_factory=list)
    answered: int = 0  # ballots that rated this subject (the first rating item's answers)
    score: Decimal | None = None
    good_rate: Decimal | None = None


def poll_results(poll: Poll) -> list[SubjectResult] | None:
    """Per subject, per rating item: counts per grade, shares, score; the comments. None before the close."""
    if poll.status not in states.COUNTED:
        return None
    points = [Decimal(p) for _label, p in poll.scale]
    items = [i for i in poll.items.all() if i.kind == ItemKind.RATING]
    cells = defaultdict(lambda: [0] * len(points))
    for subject_id, item_id, option, count in poll.cells.values_list("subject_id", "item_id", "option", "count"):
        cells[(subject_id, item_id)][option] = count
    comments = defaultdict(list)
    for c in poll.comments.select_related("item").order_by("item__sort_order", "id"):
        comments[c.subject_id].append(c)
    out = []
    for subject in poll.subjects.select_related("organization"):
        rows, scores, good, answered_total = [], [], 0, 0
        for item in items:
            counts = cells[(subject.pk, item.pk)]
            answered = sum(counts)
            score = _round(sum(c * p for c, p in zip(counts, points, strict=True)) / answered) if answered else None
            shares = [_round(Decimal(100 * c) / answered) if answered else Decimal(0) for c in counts]
            rows.append(ItemResult(item=item, counts=counts, answered=answered, score=score, shares=shares))
            if score is not None:
                scores.append(score)
            good += sum(counts[:2])
            answered_total += answered
        result = SubjectResult(subject=subject, items=rows, comments=comments[subject.pk],
                               answered=rows[0].answered if rows else 0)
        if scores:
            result.score = _round(sum(scores) / len(scores))
            result.good_rate = _round(Decimal(100 * good) / answered_total)
        out.append(result)
    return out


def organization_scores(kind, year, organization_ids) -> dict:
    """{organization id: (score, good rate, poll, subject)} from the counted polls of `kind` and `year` whose subjects
    are credited to these organizations — the latest poll's where there are several. For assessment indicators."""
    wanted = set(organization_ids)
    found = {}
    polls = (Poll.objects.filter(kind=kind, year=year, status__in=states.COUNTED)
             .order_by("closed_at", "id"))
    for poll in polls:
        if not poll.subjects.filter(organization_id__in=wanted).exists():
            continue
        for result in poll_results(poll):
            org_id = result.subject.organization_id
            if org_id in wanted and result.score is not None:
                found[org_id] = (result.score, result.good_rate, poll, result.subject)
    return found


def public_polls():
    """The polls in 公示 (the public page), newest first."""
    return Poll.objects.filter(status__in=states.PUBLIC).select_related("organization").order_by("-published_at", "-id")


def open_polls_for_member(member_id):
    """The open polls where this member has an online code still to see."""
    return (Poll.objects.filter(status=PollStatus.OPEN, voters__member_id=member_id, voters__code_shown=False,
                                voters__channel="online")
            .exclude(kind=PollKind.SURVEY).distinct().order_by("closes_at", "id"))
