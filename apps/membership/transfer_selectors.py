"""Reads of transfers and letters: the dues paid-up-to month (from apps.dues' public models), the flags (transfers
waiting too long, letters without their 回执), the organization a code names, the 套打 layout in force."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.dates import add_months
from apps.dues.models import DuesStanding
from apps.members.models import Member
from apps.orgs.models import BRANCH_KINDS, Organization

from .transfer_models import IntroductionLetter, LetterTemplate, Transfer, TransferStatus


def dues_paid_to(member) -> date | None:
    """The latest month the member's dues cover (paid or waived), as the dues app keeps it; None: nothing yet."""
    return DuesStanding.objects.filter(member_id=member.pk).values_list("last_covered", flat=True).first()


def current_members():
    """Members who may be transferred or given a letter (to be narrowed by the policy)."""
    return Member.objects.current()


def branch_by_code(code: str):
    """An active branch of the platform by its code (the receiving organization of a transfer), or None."""
    return Organization.objects.filter(code=code.strip(), is_active=True, kind__in=BRANCH_KINDS).first()


def pending_cutoff(today: date) -> date:
    """Transfers sent before this day and still waiting are flagged."""
    return today - timedelta(days=settings.TRANSFER_PENDING_DAYS_FLAG)


def overdue_transfers_q(today: date) -> Q:
    return Q(status=TransferStatus.SENT, sent_on__lt=pending_cutoff(today))


def is_transfer_overdue(transfer, today: date) -> bool:
    return transfer.status == TransferStatus.SENT and transfer.sent_on < pending_cutoff(today)


def receipt_due(issued_on: date) -> date:
    """The last day the 回执 is on time: a month (LETTER_RECEIPT_MONTHS) after the letter, the same day of month."""
    return add_months(issued_on, settings.LETTER_RECEIPT_MONTHS)


def receipt_overdue_q(today: date) -> Q:
    """Letters without a 回执 whose month has passed: receipt_due(issued_on) < today ⇔ issued_on < today − 1 month
    (with month ends clamped both ways; the boundary tests check the two agree), so the index serves it."""
    return Q(receipt_on__isnull=True, issued_on__lt=add_months(today, -settings.LETTER_RECEIPT_MONTHS))


def is_receipt_overdue(letter, today: date) -> bool:
    return letter.receipt_on is None and today > receipt_due(letter.issued_on)


def letter_template_for(organization):
    """The 套打 layout of the nearest organization at or above `organization` that has one, else None."""
    steplen = Organization.steplen
    paths = [organization.path[:n] for n in range(steplen, len(organization.path) + 1, steplen)]
    return (LetterTemplate.objects.filter(organization__path__in=paths).select_related("organization")
            .order_by("-organization__depth").first())


def transfers_for_member(member_id):
    return Transfer.objects.filter(member_id=member_id).select_related("from_organization", "to_organization")


@dataclass(frozen=True)
class TransferStep:
    transfer_id: int
    step: str  # sent, resent, rejected, accepted, withdrawn
    on: date
    to_organization_id: int | None  # where it was sent at that step
    reason: str = ""  # a rejection's reason


# The transfer services' notes on each step's record (transfer_services.py) → the step.
_STEP_NOTES = {"发出组织关系转接": "sent", "重新发出组织关系转接": "resent", "退回组织关系转接": "rejected",
               "接收组织关系": "accepted", "撤回组织关系转接": "withdrawn"}


def transfer_steps(transfers) -> list[TransferStep]:
    """Every step of these transfers in order (a member's history): a transfer row keeps only its latest sending and
    decision, so the steps before (an earlier destination, a rejection then a resend) are read from the record each
    step wrote in the same transaction (the audit row: only the step, its day and the transfer's own fields, never
    who or from where). One query for all of them; a transfer without such records shows its row's own dates."""
    transfers = list(transfers)
    rows = (AuditEvent.objects.filter(object_type="membership.transfer",
                                      object_id__in=[str(t.pk) for t in transfers], note__in=list(_STEP_NOTES))
            .order_by("at", "id").values_list("object_id", "note", "at", "after"))
    steps, seen = [], set()
    for object_id, note, at, after in rows:
        after = after or {}
        steps.append(TransferStep(int(object_id), _STEP_NOTES[note], timezone.localtime(at).date(),
                                  after.get("to_organization"), after.get("rejection_reason") or ""))
        seen.add(int(object_id))
    for t in transfers:
        if t.pk in seen:
            continue
        steps.append(TransferStep(t.pk, "sent", t.sent_on, t.to_organization_id))
        if t.decided_on and t.status in (TransferStatus.ACCEPTED, TransferStatus.REJECTED):
            steps.append(TransferStep(t.pk, "accepted" if t.status == TransferStatus.ACCEPTED else "rejected",
                                      t.decided_on, t.to_organization_id, t.rejection_reason))
    return steps


def organization_names(ids) -> dict:
    return dict(Organization.objects.filter(pk__in=list(ids)).values_list("pk", "name")) if ids else {}


def letters_for_print(letters):
    return list(letters.select_related("organization", "member"))


__all__ = ["IntroductionLetter", "branch_by_code", "dues_paid_to", "is_receipt_overdue", "is_transfer_overdue",
           "letter_template_for", "overdue_transfers_q", "receipt_due", "receipt_overdue_q"]
