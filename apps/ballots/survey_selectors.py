"""Reads of resident surveys (群众满意度测评): the runner's lists and the aggregated results per village and question.

Small cells are never shown in detail. A village (or a village × question) with fewer than `settings.SURVEY_MIN_CELL`
answers is shown as 样本不足: no counts, shares, score or rate, no comments, no rank. The overall figures (per
question, and the survey's total) are where a small cell could still leak by subtraction: the overall minus the
villages shown is exactly what the small villages answered. So:

- when no village is small, or the small villages together gave no answer at all, the overall is every answer;
- when the small villages' answers *pooled* reach SURVEY_MIN_CELL, the overall includes them: subtracting the shown
  villages then reveals only a group of at least that many answers (the same protection a shown village has), never
  which small village said what;
- otherwise (the small villages pooled stay under the threshold: a single small village, or two with 1 and 2
  answers) the overall leaves them out, and the page says so (`overall_includes_small` is False).

The decision is taken once for the whole survey from the villages' answer counts, so the overall per question and the
total agree. Counts here come from the tally (`TallyCell`) written at the close: nothing before it.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q

from . import states
from .models import CodeState, PollKind
from .selectors import _round, poll_results


def min_cell() -> int:
    return max(int(settings.SURVEY_MIN_CELL), 1)


def surveys(queryset):
    """A list of surveys (the caller's `policy.restrict(Poll, user, SURVEY_RUN)`), newest first."""
    return queryset.filter(kind=PollKind.SURVEY).select_related("organization").order_by("-year", "-id")


def subject_rows(poll):
    """The villages of a survey with their batches' and phones' counts (what the runner sees while it runs): codes
    made, codes used; phones imported, phones used. Four queries whatever the number of villages."""
    subjects = list(poll.subjects.select_related("organization").order_by("sort_order", "id"))
    codes = {row["subject_id"]: row for row in poll.codes.values("subject_id").annotate(
        total=Count("pk"), used=Count("pk", filter=Q(state=CodeState.USED)))}
    phones = {row["subject_id"]: row for row in poll.phones.values("subject_id").annotate(
        total=Count("pk"), used=Count("pk", filter=Q(used=True)))}
    batches = {}
    for subject_id, n in poll.batches.values_list("subject_id").annotate(n=Count("pk")):
        batches[subject_id] = n
    for s in subjects:
        c, p = codes.get(s.pk, {}), phones.get(s.pk, {})
        s.codes_total, s.codes_used = c.get("total", 0), c.get("used", 0)
        s.phones_total, s.phones_used = p.get("total", 0), p.get("used", 0)
        s.batch_count = batches.get(s.pk, 0)
    return subjects


@dataclass
class Cell:
    """Figures of one village × question, or of one question over the villages; `suppressed`: too few answers."""

    answered: int = 0
    counts: list = field(default_factory=list)
    shares: list = field(default_factory=list)
    score: Decimal | None = None
    rate: Decimal | None = None  # 满意 + 基本满意, percent
    suppressed: bool = False
    item: object = None  # the question (the rows over the villages)


@dataclass
class VillageRow:
    subject: object
    answered: int
    suppressed: bool
    cells: list  # one Cell per rating question
    score: Decimal | None = None
    rate: Decimal | None = None
    rank: int | None = None
    comments: list = field(default_factory=list)


@dataclass
class SurveyResults:
    labels: list
    items: list
    villages: list  # VillageRow, ranked (shown ones by score, then the small ones)
    questions: list  # Cell per rating question, over the villages included in the overall
    overall: Cell
    overall_includes_small: bool
    small_count: int
    min_cell: int


def _cell(counts, points, floor) -> Cell:
    answered = sum(counts)
    if answered < floor:
        return Cell(answered=answered, suppressed=True)
    score = _round(sum(c * p for c, p in zip(counts, points, strict=True)) / answered) if answered else None
    shares = [_round(Decimal(100 * c) / answered) if answered else Decimal(0) for c in counts]
    rate = _round(Decimal(100 * sum(counts[:2])) / answered) if answered else None
    return Cell(answered=answered, counts=list(counts), shares=shares, score=score, rate=rate)


def survey_results(poll) -> SurveyResults | None:
    """The aggregated results of a counted survey (None before the close), small cells suppressed (module docstring)."""
    if poll.status not in states.COUNTED:
        return None
    floor = min_cell()
    points = [Decimal(p) for _label, p in poll.scale]
    results = poll_results(poll)
    items = [r.item for r in results[0].items] if results else []
    villages, small_answers = [], 0
    for result in results:
        answered = result.answered
        suppressed = answered < floor
        if suppressed:
            small_answers += answered
            villages.append(VillageRow(subject=result.subject, answered=answered, suppressed=True,
                                       cells=[Cell(suppressed=True) for _i in items]))
            continue
        cells = [_cell(r.counts, points, floor) for r in result.items]
        shown = [c for c in cells if not c.suppressed]
        row = VillageRow(subject=result.subject, answered=answered, suppressed=False, cells=cells,
                         comments=[c.text for c in result.comments])
        if shown:
            row.score = _round(sum(c.score for c in shown) / len(shown))
            row.rate = _round(Decimal(100 * sum(sum(c.counts[:2]) for c in shown)) / sum(c.answered for c in shown))
        villages.append(row)
    includes_small = small_answers == 0 or small_answers >= floor
    questions = []
    for index, item in enumerate(items):
        counts = [0] * len(points)
        for result, row in zip(results, villages, strict=True):
            if row.suppressed and not includes_small:
                continue
            if not row.suppressed and row.cells[index].suppressed and not includes_small:
                continue
            for option, n in enumerate(result.items[index].counts):
                counts[option] += n
        question = _cell(counts, points, floor)
        question.item = item
        questions.append(question)
    overall = _overall(questions, floor)
    ranked = sorted((v for v in villages if not v.suppressed and v.score is not None),
                    key=lambda v: (-v.score, -(v.rate or 0), v.subject.sort_order, v.subject.pk))
    rank, previous = 0, None
    for n, v in enumerate(ranked, start=1):
        if (v.score, v.rate) != previous:
            rank, previous = n, (v.score, v.rate)
        v.rank = rank
    rest = [v for v in villages if v.suppressed or v.score is None]
    return SurveyResults(labels=poll.scale_labels(), items=items, villages=ranked + rest, questions=questions,
                         overall=overall, overall_includes_small=includes_small,
                         small_count=sum(1 for v in villages if v.suppressed), min_cell=floor)


def _overall(questions, floor) -> Cell:
    shown = [q for q in questions if not q.suppressed]
    if not shown:
        return Cell(suppressed=True)
    answered = max(q.answered for q in shown)  # every ballot answers every question of its village
    good = sum(sum(q.counts[:2]) for q in shown)
    total = sum(q.answered for q in shown)
    return Cell(answered=answered, score=_round(sum(q.score for q in shown) / len(shown)),
                rate=_round(Decimal(100 * good) / total) if total else None)
