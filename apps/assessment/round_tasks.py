"""The rounds' periodic task (registered in apps.py with core.workers.register_periodic): rounds open and close at
their set times. A draft round whose opens_at has passed is opened (草稿 → 评分中 is exactly "scoring may start":
the organizations were fixed at creation, and the window already refuses scoring before opens_at); an open round
whose closes_at has passed is closed through round_services.round_close (the automatic snapshot of what was never
scored, the cross means, frozen). Audited with no actor: the system's, as ballots' close_due. A round that has
passed both times while still a draft is opened and, on the same run, closed (its automatic scores computed)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks import task

from . import round_services
from .round_models import Round, RoundStatus


def open_due(now=None) -> int:
    now = now or timezone.now()
    opened = 0
    for rnd in Round.objects.filter(status=RoundStatus.DRAFT, opens_at__lte=now).order_by("opens_at", "pk"):
        try:
            round_services.round_open(actor=None, round=rnd)
            opened += 1
        except ValidationError:  # changed meanwhile (opened or deleted by hand): nothing to do
            continue
    return opened


def close_due(now=None) -> int:
    now = now or timezone.now()
    closed = 0
    for rnd in Round.objects.filter(status=RoundStatus.OPEN, closes_at__lte=now).order_by("closes_at", "pk"):
        try:
            round_services.round_close(actor=None, round=rnd)
            closed += 1
        except (ValidationError, Round.DoesNotExist):
            continue
    return closed


@task()
def rounds_due() -> dict:
    return {"opened": open_due(), "closed": close_due()}
