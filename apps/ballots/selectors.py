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
from .models import ItemKind, Poll, PollKind, PollStatus, Subject, TallyCell

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


@dataclass
class SubjectFigures:
    """One subject's counted figures, as `poll_results` computes them (tested equal)."""

    subject: Subject
    score: Decimal | None  # the mean of its rating items' scores
    good: int  # answers in the scale's best two grades, over its rating items
    ratings: int  # answers over its rating items (ballots × items)
    answered: int  # ballots that rated it (its first rating item's answers)


@dataclass
class OrganizationFigures:
    """What the counted poll of a kind and year says about one organization: its subjects in the latest poll (by the
    close) that rated it. For assessment indicators: the score of its leaders (the mean of several), of its
    committee; a village's satisfaction (good / ratings)."""

    organization_id: int
    poll: Poll
    subjects: list[SubjectFigures]

    @property
    def scored(self) -> list[SubjectFigures]:
        return [s for s in self.subjects if s.score is not None]

    @property
    def score_total(self) -> Decimal:
        return sum((s.score for s in self.scored), Decimal(0))

    @property
    def score(self) -> Decimal | None:
        """The mean of its subjects' scores (one subject: its score)."""
        return _round(self.score_total / len(self.scored)) if self.scored else None

    @property
    def good(self) -> int:
        return sum(s.good for s in self.scored)

    @property
    def ratings(self) -> int:
        return sum(s.ratings for s in self.scored)

    @property
    def answered(self) -> int:
        """Ballots that rated its subjects: the sum for a survey (a village's codes answer for it alone), the most
        for the others (every ballot rates every subject)."""
        counts = [s.answered for s in self.scored]
        if not counts:
            return 0
        return sum(counts) if self.poll.kind == PollKind.SURVEY else max(counts)

    @property
    def good_rate(self) -> Decimal | None:
        """Per cent, as `poll_results`' (好 + 较好, 满意 + 基本满意)."""
        return _round(Decimal(100 * self.good) / self.ratings) if self.ratings else None

    @property
    def satisfaction_rate(self) -> float | None:
        """good / ratings as a fraction (the assessment's rates), unrounded."""
        return self.good / self.ratings if self.ratings else None


def organization_figures(kind, year, organization_ids) -> dict[int, OrganizationFigures]:
    """{organization id: OrganizationFigures} from the counted polls of `kind` and `year` whose subjects are credited
    to these organizations — the latest poll (by its close) that rated the organization where there are several.
    Two queries whatever the number of organizations and polls (a district round: ~2,600 organizations): the
    subjects with their polls, and their tally cells."""
    wanted = set(organization_ids)
    if not wanted:
        return {}
    counted = {"poll__kind": kind, "poll__year": year, "poll__status__in": states.COUNTED}
    subjects = list(Subject.objects.filter(organization_id__in=wanted, **counted).select_related("poll")
                    .defer("poll__sealed_slips", "poll__note", "poll__result_note")
                    .order_by("poll__closed_at", "poll_id", "sort_order", "id"))
    if not subjects:
        return {}
    cells = defaultdict(dict)  # subject id → {(item order, item id): counts}
    sizes = {s.poll_id: len(s.poll.scale) for s in subjects}
    rows = (TallyCell.objects.filter(subject__organization_id__in=wanted, **counted)
            .values_list("poll_id", "subject_id", "item__sort_order", "item_id", "option", "count"))
    for poll_id, subject_id, order, item_id, option, count in rows.iterator(chunk_size=5000):
        counts = cells[subject_id].setdefault((order, item_id), [0] * sizes[poll_id])
        if option < len(counts):
            counts[option] = count
    by_org = {}  # organization → (poll, [SubjectFigures]) of the latest poll that rated it
    for subject in subjects:
        figures = _subject_figures(subject, cells[subject.pk])
        current = by_org.get(subject.organization_id)
        if current is not None and current[0].pk == subject.poll_id:
            current[1].append(figures)
        elif figures.score is not None:
            by_org[subject.organization_id] = (subject.poll, [figures])
    return {org_id: OrganizationFigures(org_id, poll, found) for org_id, (poll, found) in by_org.items()}


def _subject_figures(subject, items) -> SubjectFigures:
    """Its figures from {(item order, item id): counts per grade}, computed as poll_results does."""
    points = [Decimal(p) for _label, p in subject.poll.scale]
    scores, good, ratings, first = [], 0, 0, None
    for _key, counts in sorted(items.items()):
        answered = sum(counts)
        if first is None:
            first = answered
        if answered:
            scores.append(_round(sum(c * p for c, p in zip(counts, points, strict=True)) / answered))
        good += sum(counts[:2])
        ratings += answered
    score = _round(sum(scores) / len(scores)) if scores else None
    return SubjectFigures(subject=subject, score=score, good=good, ratings=ratings, answered=first or 0)


def organization_scores(kind, year, organization_ids) -> dict:
    """{organization id: (score, good rate, poll, subject)}: `organization_figures` as tuples (the score the mean of
    the organization's subjects in that poll, the subject its first). For assessment indicators."""
    return {org_id: (f.score, f.good_rate, f.poll, f.subjects[0].subject)
            for org_id, f in organization_figures(kind, year, organization_ids).items()}


def public_polls():
    """The polls in 公示 (the public page), newest first."""
    return Poll.objects.filter(status__in=states.PUBLIC).select_related("organization").order_by("-published_at", "-id")


def open_polls_for_member(member_id):
    """The open polls where this member has an online code still to see."""
    return (Poll.objects.filter(status=PollStatus.OPEN, voters__member_id=member_id, voters__code_shown=False,
                                voters__channel="online")
            .exclude(kind=PollKind.SURVEY).distinct().order_by("closes_at", "id"))
