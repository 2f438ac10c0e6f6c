"""Reads of the voting pages (/vote/) and the 公示 (/publicity/), which views may not make themselves: the open poll a
typed code belongs to, an open or published poll by its number, whether a poll takes ballots now, and a subject's
grade distribution over all its rating items.

Which poll a code belongs to: the code alone decides — codes are unique across polls (`Code.code_hash` is a unique
index), so the typed code is hashed once and looked up in one index probe, however many polls are open. A slip or a
member's page may name the poll too; a code of another poll is then looked up alone.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from . import codes as code_lib
from . import states
from .models import Poll, PollKind, PollStatus


def open_poll(pk, kind=None) -> Poll | None:
    """An open poll by its number (None for any other status, or no such poll)."""
    if pk is None:
        return None
    qs = Poll.objects.filter(pk=pk, status=PollStatus.OPEN).select_related("organization")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.first()


def open_survey(pk) -> Poll | None:
    return open_poll(pk, kind=PollKind.SURVEY)


def polls_for_code(raw, poll_id=None) -> list[Poll]:
    """The open poll holding the typed code (in any state: used and void codes are told apart by the caller), as a
    list of at most one; [] for a code that is no code of an open poll (or not of `poll_id`, when given). Codes are
    unique across polls: one index lookup."""
    code = code_lib.normalize(raw)
    if not code_lib.looks_like_code(code):
        return []
    qs = Poll.objects.filter(status=PollStatus.OPEN, codes__code_hash=code_lib.code_hash(code))
    if poll_id is not None:
        qs = qs.filter(pk=poll_id)
    return list(qs.select_related("organization")[:1])


def cast_refusal(poll) -> str | None:
    """Why `poll` takes no ballot now (not open, not started, past its closing time), or None. The cast checks it
    again under the poll's lock; this is for the page before the ballot."""
    if not states.allows("cast", poll):
        return str(states.STEPS["cast"].refusal)
    now = timezone.now()
    if poll.opens_at and now < poll.opens_at:
        return _("测评尚未开始")
    if poll.closes_at and now >= poll.closes_at:
        return _("测评已于{at}截止").format(at=timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M"))
    return None


def public_poll(pk) -> Poll | None:
    """A poll in 公示 by its number; None for any other status (open, counted but unpublished, archived)."""
    if pk is None:
        return None
    return Poll.objects.filter(pk=pk, status__in=states.PUBLIC).select_related("organization").first()


def subject_distribution(poll, result) -> list[tuple[str, int, object]]:
    """(grade, count, share %) of a subject over all its rating items (a SubjectResult of selectors.poll_results)."""
    from decimal import ROUND_HALF_UP, Decimal

    labels = poll.scale_labels()
    totals = [0] * len(labels)
    for row in result.items:
        for index, count in enumerate(row.counts):
            totals[index] += count
    answered = sum(totals)
    return [(label, count, (Decimal(100 * count) / answered).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
             if answered else Decimal(0)) for label, count in zip(labels, totals, strict=True)]
