"""The case state machine, written once: for every step of handling, the statuses it is allowed from, the status it
leads to, and who may take it.

The services refuse a step through this table (`check`), and the staff page asks it which steps to offer
(`available`): no page or service spells out the statuses a step needs. A merged submission follows the case it
joined (`outcome`): it is open while that case is (`is_open`, `open_q`).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access import policy

from .models import HANDLING_STATUSES, OPEN_STATUSES, AssignmentStatus, Status
from .scopes import case_acting_units

# Who takes a step.
DISPATCHER = "dispatcher"  # a dispatcher of the case (CASE_DISPATCH on it)
UNIT = "unit"  # the staff of one of the case's current units (lead or assisting)
LEAD = "lead"  # the staff of the case's current lead unit
SIGNER = "signer"  # the staff of a unit whose dispatch waits for its signature
RESIDENT = "resident"  # the submitter, with the query code (or a dispatcher recording a phone callback: `callback`)

CAPABILITY = {DISPATCHER: policy.CASE_DISPATCH, UNIT: policy.CASE_HANDLE, LEAD: policy.CASE_HANDLE,
              SIGNER: policy.CASE_HANDLE, RESIDENT: None}

# Units are working on the case: dispatching again replaces them (改派).
WITH_UNITS = (Status.DISPATCHED, Status.SIGNED)
RESOLVED_NOT_ARCHIVED = (Status.RESOLVED, Status.VISITED)
# What a case may be merged into: anything not itself merged, rejected or archived.
MERGE_TARGETS = tuple(s for s in Status.values if s not in (Status.MERGED, Status.REJECTED, Status.ARCHIVED))


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: tuple[str, ...]
    leads_to: str | None  # None: the status stays
    by: str
    refusal: str  # why the step is refused from any other status
    # The staff page offers the step from these statuses too (dispatching a waiting case accepts it first).
    also_offered_from: tuple[str, ...] = ()
    # The step is judged on the case that answers the submission (a merged one's master).
    of_outcome: bool = False

    @property
    def capability(self):
        return CAPABILITY[self.by]

    @property
    def offered_from(self):
        return self.allowed_from + self.also_offered_from


STEPS = {
    "accept": Step(_("受理"), (Status.SUBMITTED,), Status.ACCEPTED, DISPATCHER, _("只有待受理的诉求可以受理")),
    "reclassify": Step(_("调整类别、时限或公开"), HANDLING_STATUSES, None, DISPATCHER,
                       _("只有办理中的诉求可以调整类别和时限")),
    "reject": Step(_("不予受理"), (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED), Status.REJECTED, DISPATCHER,
                   _("已签收办理的诉求不能再不予受理")),
    "dispatch": Step(_("派单"), HANDLING_STATUSES, Status.DISPATCHED, DISPATCHER, _("该诉求当前不能派单"),
                     also_offered_from=(Status.SUBMITTED,)),
    # An assisting unit's signature leaves the status as it is.
    "sign": Step(_("签收"), WITH_UNITS, Status.SIGNED, SIGNER, _("该诉求当前不能签收")),
    "return": Step(_("退单"), WITH_UNITS, Status.ACCEPTED, LEAD, _("已办结的诉求不能退单")),
    "note": Step(_("办理进展"), WITH_UNITS, None, UNIT, _("只有办理中的诉求可以记录进展")),
    "extension": Step(_("申请延期"), (Status.SIGNED,), None, LEAD, _("签收后才能申请延期")),
    # Refusing a request to extend needs no status; approving it, the requesting unit still handling the case.
    "decide_extension": Step(_("审批延期"), tuple(Status.values), None, DISPATCHER, _("该延期申请已审批")),
    "approve_extension": Step(_("批准延期"), (Status.SIGNED,), None, DISPATCHER, _("该诉求已不在申请单位办理中")),
    "resolve": Step(_("办结"), (Status.SIGNED,), Status.RESOLVED, LEAD, _("签收后才能办结")),
    # A resolved case becomes visited; a visited or merged one stays as it is.
    "rate": Step(_("评价"), RESOLVED_NOT_ARCHIVED, Status.VISITED, RESIDENT, _("诉求办结后才能评价"), of_outcome=True),
    "callback": Step(_("电话回访"), (Status.RESOLVED,), Status.VISITED, DISPATCHER, _("只有已办结待回访的诉求可以记录电话回访")),
    "reopen": Step(_("重办"), RESOLVED_NOT_ARCHIVED, Status.SIGNED, DISPATCHER, _("只有已办结的诉求可以重办")),
    # And only once the callback is done or its window is over: `may_archive`.
    "archive": Step(_("归档"), RESOLVED_NOT_ARCHIVED, Status.ARCHIVED, DISPATCHER,
                    _("回访后才能归档；群众{n}天内未评价的，可在办结{n}天后归档")),
    "merge": Step(_("合并"), OPEN_STATUSES, Status.MERGED, DISPATCHER, _("只有尚未办结的诉求可以合并到其他诉求")),
}


# ---- the outcome of a submission ----

def outcome(case):
    """The case whose handling answers this submission (its master when merged)."""
    return case.master if case.status == Status.MERGED and case.master_id else case


def is_open(case) -> bool:
    """Still being handled: a merged submission is open while the case it joined is."""
    return outcome(case).status in OPEN_STATUSES


def open_q() -> Q:
    """`is_open` as a filter."""
    return Q(status__in=OPEN_STATUSES) | Q(status=Status.MERGED, master__status__in=OPEN_STATUSES)


def closed_q() -> Q:
    """Not `is_open`, as a filter."""
    closed = [s for s in Status.values if s not in OPEN_STATUSES]
    return Q(status__in=[s for s in closed if s != Status.MERGED]) | Q(status=Status.MERGED, master__status__in=closed)


def is_merged(case) -> bool:
    return outcome(case) is not case


# ---- what the table allows ----

def allows(name, case) -> bool:
    """Whether the case's status (its outcome's, for a step judged on it) allows the step."""
    step = STEPS[name]
    return (outcome(case) if step.of_outcome else case).status in step.allowed_from


def refusal(name) -> str:
    return str(STEPS[name].refusal).format(n=settings.CASE_CALLBACK_DAYS)


def check(case, name):
    """Refuse the step (ValidationError with the step's reason) unless the case's status allows it."""
    if not allows(name, case):
        raise ValidationError(refusal(name))


def is_redispatch(case) -> bool:
    """Dispatching now replaces the current units (改派)."""
    return case.status in WITH_UNITS


def rated_this_round(case, handled=None) -> bool:
    handled = handled or outcome(case)
    return bool(case.rating) and case.rating_round >= handled.reopen_count


def can_rate(case) -> bool:
    """Once per resolution: a reopened case is rated again once resolved again; a merged submission rates the
    outcome of the case it joined, until that is archived."""
    handled = outcome(case)
    if rated_this_round(case, handled) or not allows("rate", case):
        return False
    return handled is not case or case.resolved_at is not None


def may_archive(case, now=None) -> bool:
    if not allows("archive", case):
        return False
    now = now or timezone.now()
    window_over = case.resolved_at is not None and case.resolved_at + timedelta(days=settings.CASE_CALLBACK_DAYS) <= now
    if case.status == Status.VISITED:
        # Every submitter rates the outcome: merged submissions still unrated keep it open for the callback window.
        unrated = case.merged_cases.exclude(rating_round__gte=case.reopen_count, rating__gt="")
        return window_over or not unrated.exists()
    return window_over


# ---- who may take a step, on the staff page ----

@dataclass
class Actors:
    """The user's part in a case: dispatcher of it, and the units they act for on it (the lead's first)."""

    dispatcher: bool
    acting: list
    lead: object = None  # the lead unit, if the user acts for it
    signer: object = None  # a unit of theirs whose dispatch waits for its signature

    def unit_for(self, name):
        """The unit the user takes the step for (None: the step is not a unit's)."""
        by = STEPS[name].by
        if by == SIGNER:
            return self.signer
        if by in (UNIT, LEAD):
            return self.acting[0] if self.acting else None
        return None

    def may(self, name) -> bool:
        by = STEPS[name].by
        return {DISPATCHER: self.dispatcher, UNIT: bool(self.acting), LEAD: self.lead is not None,
                SIGNER: self.signer is not None}.get(by, False)


def actors(user, case) -> Actors:
    acting = case_acting_units(user, case)
    waiting = set(case.assignments.filter(status=AssignmentStatus.DISPATCHED).values_list("unit_id", flat=True)) \
        if acting else set()
    return Actors(dispatcher=policy.can(user, policy.CASE_DISPATCH, case), acting=acting,
                  lead=next((u for u in acting if u.pk == case.lead_unit_id), None),
                  signer=next((u for u in acting if u.pk in waiting), None))


def available(case, user=None, *, who=None, extension=None, now=None) -> dict:
    """{step: offered} for the staff page: the status allows the step (the page's own offer included) and the user
    may take it; plus what the page shows of the running stage. `extension` is the pending request to extend."""
    who = who or actors(user, case)
    offered = {name: case.status in step.offered_from and who.may(name) for name, step in STEPS.items()}
    offered["extension"] = offered["extension"] and extension is None
    offered["decide_extension"] = offered["decide_extension"] and extension is not None
    offered["approve_extension"] = offered["approve_extension"] and extension is not None
    offered["callback"] = offered["callback"] and can_rate(case)
    offered["archive"] = offered["archive"] and may_archive(case, now)
    offered["rate"] = False  # the resident's, on the public status page
    offered.update({
        "redispatch": is_redispatch(case),
        # The callback is still awaited: archiving comes after it, or after its window.
        "archive_later": who.dispatcher and allows("callback", case) and not offered["archive"],
        "reveal_phone": bool(case.phone_masked) and (who.dispatcher or bool(who.acting)),
        "accept_due": case.accept_due if case.status in STEPS["accept"].allowed_from else None,
        "sign_due": case.sign_due if case.status == Status.DISPATCHED else None,  # the lead's signature awaited
    })
    return offered


# How a status shows as a badge.
BADGES = {
    Status.SUBMITTED: "text-bg-warning", Status.ACCEPTED: "text-bg-warning", Status.DISPATCHED: "text-bg-info",
    Status.SIGNED: "text-bg-primary", Status.RESOLVED: "text-bg-success", Status.VISITED: "text-bg-secondary",
    Status.ARCHIVED: "text-bg-secondary",
}


def badge(status) -> str:
    return BADGES.get(status, "text-bg-light border")
