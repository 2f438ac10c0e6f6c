"""Reads of 党籍变动: a member's changes in force and the latest, the transfer in flight that blocks a change, the
list's filters."""

from datetime import date

from django.db.models import Q

from .flow_models import LostContact, LostStatus
from .status_models import ChangeKind, LeaveType, StatusChange
from .transfer_models import OPEN_TRANSFER, Transfer


def changes_for_member(member_id):
    """Every change of the member, corrected ones too (kept for good), oldest first."""
    return (StatusChange.objects.filter(member_id=member_id).select_related("organization")
            .order_by("effective_on", "id"))


def latest_in_force(member_id) -> StatusChange | None:
    """The member's latest change not corrected: a new one may not be dated before it, and only it may be corrected."""
    return (StatusChange.objects.filter(member_id=member_id, corrected_on__isnull=True)
            .order_by("-effective_on", "-id").first())


def lost_since(member_id) -> date | None:
    """The day contact was lost, of the member's open 失联 case (None: no open case)."""
    return (LostContact.objects.filter(member_id=member_id, status=LostStatus.OPEN).order_by("-lost_on")
            .values_list("lost_on", flat=True).first())


def open_transfer(member_id) -> Transfer | None:
    return (Transfer.objects.filter(member_id=member_id, status__in=OPEN_TRANSFER)
            .select_related("to_organization").first())


def list_filter_q(*, kind="", leave_type="", year=None, corrected="") -> Q:
    """The list's filters (each ignored when empty; the view passes only values it validated)."""
    q = Q()
    if kind in ChangeKind.values:
        q &= Q(kind=kind)
    if leave_type in LeaveType.values:
        q &= Q(leave_type=leave_type)
    if year:
        q &= Q(effective_on__gte=date(year, 1, 1), effective_on__lte=date(year, 12, 31))
    if corrected == "yes":
        q &= Q(corrected_on__isnull=False)
    elif corrected == "no":
        q &= Q(corrected_on__isnull=True)
    return q
