"""One demo case played forward step by step: each method of Story writes the fields, assignments and timeline
events the service of the same step writes (intake._create, services.case_accept, case_dispatch, case_sign, …)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.cases import deadlines
from apps.cases.models import (
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseExtension,
    EventKind,
    ExtensionStatus,
    HandlingUnit,
    Status,
    Urgency,
)
from apps.cases.routing import triage_of


class Record:
    """A case in the making: the Case model's fields as plain attributes, starting from their defaults (relations
    as the related objects). A model instance each would cost more than everything else the seeder does."""

    DEFAULTS = {f.name: f.get_default() for f in Case._meta.concrete_fields
                if not (f.has_default() and callable(f.default)) and not f.generated}
    COLUMNS = [(f.name, f.is_relation) for f in Case._meta.concrete_fields if not f.generated]

    def __init__(self, **values):
        self.__dict__.update(self.DEFAULTS, **values)

    def row(self):
        """The values in the order of Case's concrete fields (ids for relations)."""
        values = self.__dict__
        return [getattr(values[name], "id", None) if related else values[name] for name, related in self.COLUMNS]


class Cut(Exception):
    """The next step falls after the demo's moment (or, for a duplicate, after it was merged)."""


def texts():
    """The texts the services write on a timeline, translated once (gettext is slow enough to count here)."""
    return {
        "limit_hours": {u: int(deadlines.handling_limit(u).total_seconds() // 3600) for u in Urgency.values},
        "self": _("首接单位自办"), "by_rule": _("按派单规则派单"), "auto": _("按派单规则自动派单"),
        "no_rule": _("无匹配派单规则，转区级统筹"), "district": _("区群众工作中心"),
    }


@dataclass(slots=True)
class Assignment:
    """A CaseAssignment row in the making."""

    case: Record
    unit: HandlingUnit
    role: str
    dispatched_at: datetime
    status: str = AssignmentStatus.DISPATCHED
    signed_at: datetime | None = None
    returned_at: datetime | None = None
    return_reason: str = ""

    @property
    def current(self):
        return self.status in (AssignmentStatus.DISPATCHED, AssignmentStatus.SIGNED)


class Story:
    """The timeline of one case, step by step; each method writes what the service of the same step writes.
    Events are kept as rows (case, kind, at, unit, public, text, data), assignments as Assignment."""

    def __init__(self, case, limit, seeder):
        self.case, self.limit, self.t, self.tokens = case, limit, seeder.texts, seeder.resolved_tokens
        self.events, self.assignments, self.extensions = [], [], []
        self.updated = self.last = case.submitted_at

    def reach(self, at):
        if at > self.limit:
            raise Cut
        self.last = at
        return at

    def event(self, kind, at, *, unit=None, public=True, text="", **data):
        self.events.append((self.case, kind, at, unit, public, text, data))
        if kind != EventKind.EXTENSION_REQUESTED:  # the request alone does not save the case
            self.updated = max(self.updated, at)

    def current(self):
        return [a for a in self.assignments if a.current]

    def withdraw(self, at):
        for a in self.current():
            a.status, a.returned_at = AssignmentStatus.WITHDRAWN, at

    def submit(self, channel):
        self.event(EventKind.SUBMITTED, self.case.submitted_at, channel=channel)

    def staff_accept(self, unit, channel):
        """case_staff_intake: accepted as recorded, the receiving unit owns it."""
        c = self.case
        c.status, c.accepted_at, c.accept_on_time = Status.ACCEPTED, c.submitted_at, True
        c.deadline = c.submitted_at + deadlines.handling_limit(c.urgency)
        c.owner_unit = unit
        self.event(EventKind.ACCEPTED, c.submitted_at, unit=unit, limit_hours=self.t["limit_hours"][c.urgency])

    def accept(self, at, district):
        c = self.case
        c.status, c.accepted_at = Status.ACCEPTED, self.reach(at)
        c.accept_on_time = c.accept_due is None or at <= c.accept_due
        c.deadline = at + deadlines.handling_limit(c.urgency)
        if c.owner_unit is None:
            c.owner_unit = district
        self.event(EventKind.ACCEPTED, at, unit=c.owner_unit, limit_hours=self.t["limit_hours"][c.urgency])

    def dispatch(self, at, lead, assisting=(), note=""):
        c = self.case
        self.reach(at)
        redispatch = c.status != Status.ACCEPTED
        self.withdraw(at)
        self.assignments.append(Assignment(c, lead, AssignmentRole.LEAD, at))
        self.assignments.extend(Assignment(c, unit, AssignmentRole.ASSIST, at) for unit in assisting)
        c.lead_unit, c.triage = lead, triage_of(lead, assisting)
        c.status, c.dispatched_at, c.sign_due = Status.DISPATCHED, at, at + deadlines.sign_limit()
        c.signed_at = c.sign_on_time = None
        self.event(EventKind.DISPATCHED, at, unit=lead, note=note[:200], redispatch=redispatch, lead=lead.name,
                   assisting=[u.name for u in assisting])

    def sign(self, at, unit):
        c = self.case
        self.reach(at)
        assignment = next(a for a in self.assignments if a.unit is unit and a.status == AssignmentStatus.DISPATCHED)
        assignment.status, assignment.signed_at = AssignmentStatus.SIGNED, at
        if assignment.role == AssignmentRole.LEAD:
            c.status, c.signed_at = Status.SIGNED, at
            c.sign_on_time = c.sign_due is None or at <= c.sign_due
            c.owner_unit = unit
        self.event(EventKind.SIGNED, at, unit=unit, role=assignment.role)

    def give_back(self, at, reason):
        """case_return by the lead unit."""
        c = self.case
        self.reach(at)
        lead = next(a for a in self.current() if a.role == AssignmentRole.LEAD)
        lead.status, lead.returned_at, lead.return_reason = AssignmentStatus.RETURNED, at, reason
        self.withdraw(at)
        c.status, c.lead_unit, c.triage = Status.ACCEPTED, None, ""
        c.dispatched_at = c.sign_due = c.signed_at = c.sign_on_time = None
        c.return_count += 1
        self.event(EventKind.RETURNED, at, unit=lead.unit, public=False, text=reason)

    def reject(self, at, reason):
        self.reach(at)
        self.withdraw(at)
        self.case.status = Status.REJECTED
        self.event(EventKind.REJECTED, at, text=reason)

    def note(self, at, text, public):
        self.reach(at)
        self.event(EventKind.NOTE, at, unit=self.case.lead_unit, public=public, text=text)

    def request_extension(self, at, until, reason):
        c = self.case
        self.reach(at)
        extension = CaseExtension(case_id=c.id, unit=c.lead_unit, requested_at=at, until=until, reason=reason)
        self.extensions.append(extension)
        self.event(EventKind.EXTENSION_REQUESTED, at, unit=c.lead_unit, public=False, text=reason,
                   until=timezone.localtime(until).isoformat())
        return extension

    def approve_extension(self, at, extension):
        c = self.case
        self.reach(at)
        extension.status, extension.decided_at = ExtensionStatus.APPROVED, at
        c.deadline, c.extended = extension.until, True
        self.event(EventKind.EXTENSION_APPROVED, at, unit=extension.unit, until=extension.until.isoformat())

    def resolve(self, at, answer):
        c = self.case
        self.reach(at)
        c.status, c.resolved_at, c.answer = Status.RESOLVED, at, answer
        c.resolved_on_time = c.deadline is None or at <= c.deadline
        c.ever_late = c.ever_late or not c.resolved_on_time
        c.handling_minutes = max(0, int((at - c.submitted_at).total_seconds() // 60))
        c.search_tokens = self.tokens(c, answer)
        self.event(EventKind.RESOLVED, at, unit=c.lead_unit, text=answer, on_time=c.resolved_on_time)

    def rate(self, at, rating, solved, comment, via, round_=None):
        """case_rate; `round_` is the handling round rated (a merged case rates its master's last one)."""
        c = self.case
        self.reach(at)
        c.rating, c.rating_solved, c.rating_comment, c.rated_at, c.rated_via = rating, solved, comment, at, via
        c.rating_round = c.reopen_count if round_ is None else round_
        if c.status == Status.RESOLVED:
            c.status = Status.VISITED
        self.event(EventKind.RATED, at, text=comment, rating=rating, solved=solved, via=via)

    def reopen(self, at, reason):
        c = self.case
        self.reach(at)
        c.status = Status.SIGNED
        c.resolved_at = c.resolved_on_time = c.handling_minutes = None
        c.deadline, c.extended = at + deadlines.handling_limit(c.urgency), False
        c.reopen_count += 1  # the last rating stays until the resident rates the new outcome
        self.event(EventKind.REOPENED, at, unit=c.lead_unit, text=reason, round=c.reopen_count)

    def archive(self, at):
        c = self.case
        self.reach(at)
        unrated = c.status == Status.RESOLVED
        c.status, c.archived_at = Status.ARCHIVED, at
        self.event(EventKind.ARCHIVED, at, unrated=unrated)

    def merge(self, at, master):
        """case_merge of this case into `master` (a case already played); the master's note is on its timeline."""
        c = self.case
        self.reach(at)
        self.withdraw(at)
        c.status, c.master, c.lead_unit = Status.MERGED, master, master.lead_unit
        self.event(EventKind.MERGED, at, master=master.number)
        self.events.append((master, EventKind.MERGED, at, None, False, "", {"merged": c.number}))


