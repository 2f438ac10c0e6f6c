"""Reads of flowing members: the report-back flag (a flowing member silent longer than FLOW_REPORT_MONTHS) and the
follow-up list of rules.md §4 (more than LAPSE_FOLLOWUP_MONTHS without attending or paying, not being transferred).

The follow-up list reads, never writes: it starts from records' follow-up list (members under an organization with no
attendance since the window began, from their stored attendance mark) and keeps those whose dues standing
(apps.dues' `DuesStanding`, one index range through `standing.behind_cutoff`) is as far behind, leaving out members
with a transfer in hand. Members of the user's scope only, one organization's subtree at a time, paged by keys."""

from datetime import date

from django.conf import settings
from django.db.models import F, Q

from apps.core.dates import add_months
from apps.dues import standing
from apps.members.models import Member
from apps.records import selectors as records

from .flow_models import FlowOut, FlowStatus
from .transfer_models import OPEN_TRANSFER, Transfer


def report_base(flow) -> date:
    """The day the yearly report-back counts from: the latest report, else the day the member left."""
    return flow.last_report_on or flow.since


def report_due(flow) -> date:
    """The last day the next report-back is on time (FLOW_REPORT_MONTHS after the base, the same day of month)."""
    return add_months(report_base(flow), settings.FLOW_REPORT_MONTHS)


def report_overdue_q(today: date) -> Q:
    """Open records whose report-back is late: report_due < today ⇔ base < today − N months (month ends clamped both
    ways; the boundary tests check the two agree), one range on (status, last_report_on) / (status, since)."""
    cutoff = add_months(today, -settings.FLOW_REPORT_MONTHS)
    return Q(status=FlowStatus.OPEN) & (Q(last_report_on__lt=cutoff) |
                                        Q(last_report_on__isnull=True, since__lt=cutoff))


def is_report_overdue(flow, today: date) -> bool:
    return flow.status == FlowStatus.OPEN and today > report_due(flow)


# ---- the follow-up list (rules.md §4) ----

def followup_cutoffs(today: date, months: int | None = None) -> tuple[date, date]:
    """(attendance since, dues cutoff): listed when the last attendance is before the first and the last month covered
    (or, none covered, the first owed) is on or before the second, i.e. `months` or more months of dues behind."""
    months = settings.LAPSE_FOLLOWUP_MONTHS if months is None else months
    return records.followup_since(today, months), standing.behind_cutoff(today, months)


def lists_members(org) -> bool:
    """Whether `org`'s subtree is small enough to list its members (records' rule); else a lower one is chosen."""
    return records.lists_members(org)


def lapse_followup(user, org, today: date, months: int | None = None):
    """Current members under `org` in the user's view with neither attendance nor dues for `months` months and no
    transfer in hand (flowing and out-of-contact members included), annotated with their figures; ordered for keyset
    pages (`lapse_page`)."""
    months = settings.LAPSE_FOLLOWUP_MONTHS if months is None else months
    qs, since = records.non_participants(user, org, today, months)
    cutoff = standing.behind_cutoff(today, months)
    in_transfer = Transfer.objects.filter(status__in=OPEN_TRANSFER).values("member_id")
    qs = (qs.filter(Q(dues_standing__last_covered__lte=cutoff) |
                    Q(dues_standing__last_covered__isnull=True, dues_standing__due_from__lte=cutoff) |
                    Q(dues_standing__isnull=True))
          .exclude(pk__in=in_transfer)
          .annotate(last_covered=F("dues_standing__last_covered"), due_from=F("dues_standing__due_from")))
    return qs, since, cutoff


def lapse_page(user, qs, params, *, per_page):
    return records.followup_page(user, qs, params, per_page=per_page)


def open_flows_for(members) -> dict[int, FlowOut]:
    """The open 流出 record of each of `members` (one query for a page)."""
    ids = [m.pk for m in members]
    return {f.member_id: f for f in FlowOut.objects.filter(member_id__in=ids, status=FlowStatus.OPEN)}


def scope_root(user, capability):
    return records.scope_root(user, capability)


def current_members():
    return Member.objects.current()


def child_organizations(org):
    return records.child_organizations(org)
