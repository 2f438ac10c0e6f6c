"""What a member owes for a month and where they stand — the reads and the one write every dues surface shares.

- **The standard in force** for a month is the member's latest standard dated on or before the month's first day;
  in the month they start paying (a probationary member pays from the day the branch meeting admits them) the one
  dated within that month. A later change of base is a new dated row and changes only the months after it.
- **What is owed** for a month: the amount of an approved hardship decision covering it (0: waived), else the
  standard's amount, else unknown (None: no standard recorded yet, shown as 未核定).
- **Who owes**: current members (normal, flowing, lost contact), from `due_from` = the later of `DUES_START_MONTH` and
  the month they joined.
- **Standing** (`DuesStanding`): `last_covered` is the last month of the unbroken run of covered months from the
  first month owed — covered: paid (a regular payment, not voided) or waived (an approved decision of 0; open-ended:
  every month from its first). Arrears are the months from the first gap up to last month: paying a later month
  never hides an earlier one left unpaid (rules.md §1's "6 consecutive months unpaid" counts from the gap). `refresh_standing` recomputes one member's row from
  their own rows, under the row's lock; every write that pays, voids or waives calls it in its transaction.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from apps.members.models import Member

from .models import DuesPayment, DuesStandard, DuesStanding, HardshipDecision, HardshipStatus, PaymentKind
from .rules import add_months, month_start, months_between

# An approved open-ended waiver covers every month from its first: its standing is "covered" for good.
FOREVER = date(9999, 12, 1)


def start_month() -> date:
    year, month = (int(x) for x in settings.DUES_START_MONTH.split("-"))
    return date(year, month, 1)


def due_from(member: Member) -> date:
    return max(start_month(), month_start(member.joined_on))


def standard_in_force(standards: Iterable[DuesStandard], month: date) -> DuesStandard | None:
    """From one member's standards (any order): the one in force for `month`."""
    month = month_start(month)
    before = [s for s in standards if s.effective_from <= month]
    if before:
        return max(before, key=lambda s: s.effective_from)
    within = [s for s in standards if month_start(s.effective_from) == month]
    return min(within, key=lambda s: s.effective_from) if within else None


def covering_decision(decisions: Iterable[HardshipDecision], month: date) -> HardshipDecision | None:
    """From one member's approved decisions: the latest approved one covering `month`."""
    month = month_start(month)
    covering = [d for d in decisions if d.status == HardshipStatus.APPROVED and d.first_month <= month
                and (d.last_month is None or month <= d.last_month)]
    return max(covering, key=lambda d: (d.decided_at, d.pk)) if covering else None


def amounts_due(member_ids: Iterable[int], month: date) -> dict[int, Decimal | None]:
    """What each member owes for `month`: two queries whatever their number (a branch's sheet, a summary)."""
    member_ids = list(member_ids)
    month = month_start(month)
    next_month = add_months(month, 1)
    standards: dict[int, list] = {}
    for s in DuesStandard.objects.filter(member_id__in=member_ids, effective_from__lt=next_month).only(
            "member_id", "effective_from", "monthly_amount", "category", "base"):
        standards.setdefault(s.member_id, []).append(s)
    decisions: dict[int, list] = {}
    for d in HardshipDecision.objects.filter(member_id__in=member_ids, status=HardshipStatus.APPROVED,
                                             first_month__lte=month).filter(
            Q(last_month__isnull=True) | Q(last_month__gte=month)):
        decisions.setdefault(d.member_id, []).append(d)
    result = {}
    for member_id in member_ids:
        decision = covering_decision(decisions.get(member_id, ()), month)
        if decision is not None:
            result[member_id] = decision.monthly_amount
            continue
        standard = standard_in_force(standards.get(member_id, ()), month)
        result[member_id] = standard.monthly_amount if standard else None
    return result


def amount_due(member: Member, month: date) -> Decimal | None:
    return amounts_due([member.pk], month)[member.pk]


def covered_through(first_owed: date, paid_months, waivers) -> date | None:
    """The last month of the unbroken run of covered months from `first_owed` (None when that month itself is not
    covered; FOREVER when an open-ended waiver is reached). `paid_months`: months with a regular payment not voided;
    `waivers`: (first month, last month or None) of approved decisions of 0."""
    paid = set(paid_months)
    ends = [*paid, *(last for _first, last in waivers if last is not None)]
    if any(last is None for _first, last in waivers):  # reached from wherever the run starts
        ends.append(max(first_owed, *(first for first, last in waivers if last is None)))
    if not ends:
        return None
    month, last_covered, horizon = first_owed, None, max(ends)
    while month <= horizon:
        waiver = next(((first, last) for first, last in waivers if first <= month and (last is None or month <= last)),
                      None)
        if waiver is not None and waiver[1] is None:
            return FOREVER
        if month not in paid and waiver is None:
            break
        last_covered, month = month, add_months(month, 1)
    return last_covered


def waivers_of(decisions) -> list[tuple[date, date | None]]:
    return [(d.first_month, d.last_month) for d in decisions
            if d.status == HardshipStatus.APPROVED and d.monthly_amount == 0]


def last_covered(member: Member) -> date | None:
    paid = DuesPayment.objects.filter(member=member, kind=PaymentKind.REGULAR, voided_at__isnull=True).values_list(
        "month", flat=True)
    decisions = HardshipDecision.objects.filter(member=member, status=HardshipStatus.APPROVED, monthly_amount=0)
    return covered_through(due_from(member), paid, waivers_of(decisions))


def refresh_standing(member: Member) -> DuesStanding:
    """Recompute one member's standing under its row lock (inside the caller's transaction)."""
    DuesStanding.objects.get_or_create(member=member, defaults={"due_from": due_from(member)})
    standing = DuesStanding.objects.select_for_update().get(member=member)
    standing.due_from = due_from(member)
    standing.last_covered = last_covered(member)
    standing.save(update_fields=["due_from", "last_covered"])
    return standing


def months_behind(standing: DuesStanding, today: date) -> int:
    """Months behind: from the first month not covered (the month after the unbroken covered run, or the first owed)
    through last month."""
    if standing.last_covered == FOREVER:
        return 0
    last_month = add_months(month_start(today), -1)
    first_unpaid = standing.due_from
    if standing.last_covered is not None and standing.last_covered >= first_unpaid:
        first_unpaid = add_months(standing.last_covered, 1)
    return max(0, months_between(first_unpaid, last_month) + 1)


def behind_cutoff(today: date, months: int) -> date:
    """The latest `last_covered` (or `due_from` when nothing is covered) that leaves a member `months` or more
    behind today: one index range on DuesStanding.last_covered finds them (`months_behind` agrees)."""
    return add_months(month_start(today), -months - 1)
