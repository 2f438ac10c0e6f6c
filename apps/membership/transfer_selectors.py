"""Reads of transfers and letters: the dues paid-up-to month (from apps.dues' public models), the flags (transfers
waiting too long, letters without their 回执), the organization a code names, the 套打 layout in force."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q

from apps.core.dates import add_months
from apps.dues.models import DuesStanding
from apps.members.models import Member
from apps.orgs.models import Organization

from .transfer_models import IntroductionLetter, LetterTemplate, Transfer, TransferStatus


def dues_paid_to(member) -> date | None:
    """The latest month the member's dues cover (paid or waived), as the dues app keeps it; None: nothing yet."""
    return DuesStanding.objects.filter(member_id=member.pk).values_list("last_covered", flat=True).first()


def current_members():
    """Members who may be transferred or given a letter (to be narrowed by the policy)."""
    return Member.objects.current()


def branch_by_code(code: str):
    """An active branch of the platform by its code (the receiving organization of a transfer), or None."""
    return Organization.objects.filter(code=code.strip(), is_active=True, kind="branch").first()


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


def letters_for_print(letters):
    return list(letters.select_related("organization", "member"))


__all__ = ["IntroductionLetter", "branch_by_code", "dues_paid_to", "is_receipt_overdue", "is_transfer_overdue",
           "letter_template_for", "overdue_transfers_q", "receipt_due", "receipt_overdue_q"]
