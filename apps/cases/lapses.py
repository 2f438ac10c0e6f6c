"""The lapse sweep: records on the case rows that a time to sign or a deadline has passed, so that the monthly
roll-ups (apps.cases.rollups) hold those figures too and the live part of a ranking is small.

Two figures move with the clock alone: a case accepted and not signed for counts in 响应率's denominator once its
sign_due passes, a case still being handled counts as overdue once its deadline passes. Counted live, a province's
year read every open case of the year (~54k) for every ranking. The scheduled sweep (`sweep_lapses`, registered
with core.workers.register_periodic) sets `Case.sign_lapsed` / `handling_lapsed` on the cases whose time has
passed, in batches, each in one transaction with the cases locked and the roll-ups' delta rows of the change
(rollups.Tracker, as every step): the case then counts in the stored "_swept" figures, no longer live, and leaves
the partial index the live part reads (cases_lapse_at_idx, on the stored Case.lapse_at). Between sweeps a newly lapsed case is still
counted live, so the figures never wait for the schedule.

The rule that keeps stored + live exact: a flag is set only once its time has passed, and a step that moves the
time later again (改派's new sign_due, 退单, an approved extension, 重办's new deadline, a new time-limit class) clears
it (`clear_unlapsed`, in services._save, inside the step's tracked write). A flag left on a case that was signed or
resolved counts for nothing (the swept figures require the case to be still unsigned / still being handled).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import rollups
from .models import HANDLING_STATUSES, Case


def _sign_due(now):
    return Q(sign_lapsed=False, accepted_at__isnull=False, signed_at__isnull=True, sign_due__lt=now)


def _handling_due(now):
    # Late cases (ever_late) and merged ones count elsewhere or not at all; flagged too, they leave the index.
    return Q(handling_lapsed=False, status__in=HANDLING_STATUSES, deadline__lt=now)


def handling_overdue(now) -> Q:
    """The cases being handled past their deadline at `now`. The last condition adds nothing (a case past its deadline
    is flagged, or not yet swept and then its lapse_at lies at or before the deadline) but tells PostgreSQL's planner
    how few they are: from `deadline < now` alone it reckons with every closed case's past deadline (a province: ~16k
    for 532) and walks the whole case list newest first looking for them instead of reading them from the
    (status, deadline) index."""
    return Q(status__in=HANDLING_STATUSES, deadline__lt=now) & (Q(handling_lapsed=True) | rollups.lapsed_by(now))


def clear_unlapsed(case, now):
    """A step is about to save `case` (locked, tracked): a flag whose time now lies ahead again is cleared."""
    if case.sign_lapsed and (case.sign_due is None or case.sign_due >= now):
        case.sign_lapsed = False
    if case.handling_lapsed and (case.deadline is None or case.deadline >= now):
        case.handling_lapsed = False


def sweep(now=None, *, batch=None) -> int:
    """Flag the cases whose time has passed at `now`; returns the cases flagged. One transaction per batch; a case
    locked by a step meanwhile is skipped (the next sweep takes it; it is counted live until then)."""
    now = now or timezone.now()
    batch = batch or settings.CASE_LAPSE_SWEEP_BATCH
    swept = 0
    while True:
        with transaction.atomic():
            # lapse_at < now holds exactly the candidates (the earliest unflagged time passed), under its own index.
            ids = list(Case.objects.filter(rollups.lapsed_by(now)).order_by()
                       .select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
            if not ids:
                return swept
            tracker = rollups.Tracker(ids)
            Case.objects.filter(_sign_due(now), pk__in=ids).update(sign_lapsed=True)
            Case.objects.filter(_handling_due(now), pk__in=ids).update(handling_lapsed=True)
            tracker.done()
        swept += len(ids)
        if len(ids) < batch:
            return swept


@task()
def sweep_lapses() -> dict:
    """Scheduled (core.workers.register_periodic, every CASE_LAPSE_SWEEP_SECONDS): keeps the rankings' live part to
    the lapses since the last sweep."""
    return {"cases_swept": sweep()}
