"""Reads of dues payments: the branch's monthly sheet, arrears, a member's own dues.

The sheet reads a fixed number of queries whatever the branch's size: its members (with their standing), what each
owes (`standing.amounts_due`: two queries) and the month's payments. Arrears are one index range on
`DuesStanding.last_covered` (`standing.behind_cutoff`) within the user's DUES_VIEW subtree, paged by keys.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from apps.access import policy
from apps.core.paging import KeysetPage, capped_count
from apps.core.query import prefix_q
from apps.members.models import CURRENT_STATUSES, Member
from apps.orgs.models import Organization

from . import standing
from .models import DuesPayment, DuesStandard, DuesStanding, PaymentKind
from .rules import month_start
from .scopes import DUES_VIEW

ARREARS_CAP = 10000  # the arrears list counts at most this many (a district-wide list says "10000+")


def default_organization(user) -> Organization | None:
    """The sheet's organization when none is chosen: the highest of the user's DUES_VIEW roles."""
    paths = policy.scope_paths(user, DUES_VIEW)
    if not paths:
        return None
    return Organization.objects.filter(path__in=paths, is_active=True).order_by("depth", "path").first()


def sheet_members(organization, month: date | None = None):
    """The current members of a branch (or of a 党小组, or a committee's own members), by name; for a month, without
    those it received by a transfer from a later month on (`DuesStanding.sheet_from`)."""
    qs = Member.objects.current().filter(Q(organization=organization) | Q(party_group=organization))
    if month is not None:
        qs = qs.filter(Q(dues_standing__sheet_from__isnull=True) | Q(dues_standing__sheet_from__lte=month_start(month)))
    return qs.select_related("organization", "party_group", "dues_standing").order_by("name_pinyin", "pk")


@dataclass
class SheetRow:
    member: Member
    due: Decimal | None
    payment: DuesPayment | None
    behind: int
    warned: bool = False
    listed: bool = False

    @property
    def paid(self):
        return self.payment is not None

    @property
    def payable(self):
        return self.payment is None and bool(self.due)


@dataclass
class Sheet:
    organization: Organization
    month: date
    rows: list = field(default_factory=list)

    @property
    def total_due(self):
        return sum((r.due for r in self.rows if r.due), Decimal("0.00"))

    @property
    def total_paid(self):
        return sum((r.payment.amount for r in self.rows if r.payment), Decimal("0.00"))

    @property
    def paid_count(self):
        return sum(1 for r in self.rows if r.payment)

    @property
    def unpaid_count(self):
        return sum(1 for r in self.rows if r.payable)


def standing_of(member: Member) -> DuesStanding:
    """The member's standing row (loaded with select_related), or what it would be with nothing covered."""
    try:
        return member.dues_standing
    except DuesStanding.DoesNotExist:
        return DuesStanding(member=member, due_from=standing.due_from(member), last_covered=None)


def sheet_rows(members, month: date, *, today: date) -> list[SheetRow]:
    members = list(members)
    month = month_start(month)
    ids = [m.pk for m in members]
    dues = standing.amounts_due(ids, month)
    payments = {p.member_id: p for p in DuesPayment.objects.filter(
        member_id__in=ids, month=month, kind=PaymentKind.REGULAR, voided_at__isnull=True)}
    rows = []
    for m in members:
        behind = standing.months_behind(standing_of(m), today)
        owed = month >= standing.due_from(m)
        rows.append(SheetRow(member=m, due=dues[m.pk] if owed else Decimal("0.00"), payment=payments.get(m.pk),
                             behind=behind, warned=behind >= settings.DUES_ARREARS_WARN_MONTHS,
                             listed=behind >= settings.DUES_ARREARS_LIST_MONTHS))
    return rows


def sheet(organization, month: date, *, today: date) -> Sheet:
    return Sheet(organization=organization, month=month_start(month),
                 rows=sheet_rows(sheet_members(organization, month), month, today=today))


# ---- arrears ----

def arrears_queryset(user, organization=None, *, today: date, months: int | None = None):
    """Standings of current members in the user's DUES_VIEW subtree (narrowed to `organization`'s) `months` or more
    behind: last covered (or, nothing covered, first owed) on or before the cutoff."""
    months = months or settings.DUES_ARREARS_WARN_MONTHS
    cutoff = standing.behind_cutoff(today, months)
    qs = policy.restrict(DuesStanding, user, DUES_VIEW).filter(
        Q(last_covered__lte=cutoff) | Q(last_covered__isnull=True, due_from__lte=cutoff),
        member__status__in=CURRENT_STATUSES)
    if organization is not None:
        qs = qs.filter(prefix_q("member__organization__path", organization.path))
    return qs.select_related("member__organization")


def arrears_page(user, organization, params, *, today: date, months: int | None = None, per_page=50):
    qs = arrears_queryset(user, organization, today=today, months=months)
    count, capped = capped_count(qs, ARREARS_CAP)
    page = KeysetPage(qs, keys=("member__organization__path", "pk"), params=params, per_page=per_page,
                      count=count, capped=capped)
    for s in page.object_list:
        s.behind = standing.months_behind(s, today)
        s.listed = s.behind >= settings.DUES_ARREARS_LIST_MONTHS
    return page


# ---- a member's own dues ----

def own_dues(member: Member, *, today: date) -> dict:
    month = month_start(today)
    standards = list(DuesStandard.objects.filter(member=member).order_by("-effective_from"))
    payments = list(DuesPayment.objects.filter(member=member).order_by("-month", "-recorded_at")[:36])
    try:
        row = DuesStanding.objects.get(member=member)
    except DuesStanding.DoesNotExist:
        row = DuesStanding(member=member, due_from=standing.due_from(member), last_covered=None)
    paid_now = any(p.month == month and p.kind == PaymentKind.REGULAR and p.voided_at is None for p in payments)
    return {
        "standard": standing.standard_in_force(standards, month), "standards": standards,
        "due": standing.amount_due(member, month) if month >= row.due_from else None, "month": month,
        "paid_now": paid_now, "payments": payments, "standing": row,
        "behind": standing.months_behind(row, today),
    }
