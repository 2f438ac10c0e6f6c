"""A member's whole history (党员历程), in time order, from a short list of sources.

A source is a function `(member, viewer) -> iterable of Event`, registered with `register_source` (another surface
adds its events with one line, e.g. flowing members in flow_history.py: `history.register_source(flow_events)`).
Each source reads its own rows in a bounded number of queries (never per event), so the page costs the same for a
member with one event or fifty.

Access: the page is seen by whoever may see the member (MEMBER_VIEW on the member's organization, or the member
themself). Every event shows its date and title; its detail (reasons, places, numbers) and its link only where the
viewer may read the object it comes from (`Viewer.may`: the object's own scope), so an organization the member
left keeps its letters to itself and the member reading their own page sees the facts without the files. No event
carries an ID number, phone or other personal field."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy, scoping

from . import admission_rules
from . import transfer_selectors as transfer_reads
from .admission_models import AdmissionStep, Applicant, StepOutcome
from .admission_scopes import ADMISSION_VIEW
from .status_models import StatusChange
from .transfer_models import IncomingLetter, IntroductionLetter, IssuedDocument


@dataclass(frozen=True)
class Event:
    on: date
    title: str
    detail: str = ""
    link: str = ""  # a URL the viewer may open, or ""
    kind: str = ""  # the source's key (badges, tests)
    seq: int = 0  # order among a source's events of one day


class Viewer:
    """Who reads the history: `may(obj)` whether they may read that object (its scope's view capability, or another
    one), answered from their cached role assignments (no query per event)."""

    def __init__(self, user):
        self.user = user

    def may(self, obj, capability=None) -> bool:
        try:
            return policy.can(self.user, capability or scoping.scope_of(obj).view, obj)
        except LookupError:
            return False

    def link(self, obj, url_name, *args, capability=None) -> str:
        return reverse(url_name, args=args or (obj.pk,)) if self.may(obj, capability) else ""


Source = Callable[[object, Viewer], Iterable[Event]]
SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    """Add a source of events (usable as a decorator); registering one twice is a programming error."""
    if source in SOURCES:
        raise RuntimeError(f"history source {source.__name__} is already registered")
    SOURCES.append(source)
    return source


def member_history(member, user) -> list[Event]:
    """Every source's events for the member as this user sees them, oldest first."""
    viewer = Viewer(user)
    events = [event for source in SOURCES for event in source(member, viewer)]
    return sorted(events, key=lambda e: (e.on, e.seq))


# ---- the sources of issue 15 ----

def _local(moment) -> date:
    return timezone.localtime(moment).date()


@register_source
def admission_events(member, viewer):
    """The admission steps (number, name, date; 转正, extension or cancellation at step 24) when the member came
    through admission on the platform; else the registry's own dates of joining and 转正."""
    applicant = Applicant.objects.filter(member_id=member.pk).select_related("organization").first()
    if applicant is None:
        yield Event(member.joined_on, _("入党"), kind="joined")
        if member.full_member_on:
            yield Event(member.full_member_on, _("转正"), kind="full", seq=1)
        return
    may = viewer.may(applicant, ADMISSION_VIEW)
    link = reverse("membership:admission_detail", args=(applicant.pk,)) if may else ""
    steps = AdmissionStep.objects.filter(applicant_id=applicant.pk).order_by("done_on", "number", "id").only(
        "number", "done_on", "outcome", "extension_months")
    for step in steps:
        rule = admission_rules.BY_NUMBER.get(step.number)
        title = _("发展党员第{n}步：{name}").format(n=step.number, name=rule.name if rule else "")
        detail = ""
        if step.outcome:
            detail = StepOutcome(step.outcome).label
            if step.outcome == StepOutcome.EXTEND and step.extension_months:
                detail = _("{outcome}{n}个月").format(outcome=detail, n=step.extension_months)
        yield Event(step.done_on, title, str(detail), link, kind="admission", seq=step.number)


@register_source
def transfer_events(member, viewer):
    """Each step of each transfer (sent, rejected with its reason, resent, accepted, withdrawn) with its
    organizations, from the record each step left (transfer_selectors.transfer_steps)."""
    transfers = list(transfer_reads.transfers_for_member(member.pk))
    if not transfers:
        return
    steps = transfer_reads.transfer_steps(transfers)
    names = transfer_reads.organization_names({s.to_organization_id for s in steps} - {None})
    titles = {"sent": _("发出组织关系转接"), "resent": _("重新发出组织关系转接"), "rejected": _("组织关系转接被退回"),
              "accepted": _("组织关系转入"), "withdrawn": _("撤回组织关系转接")}
    by_pk = {t.pk: t for t in transfers}
    for i, s in enumerate(steps):
        transfer = by_pk[s.transfer_id]
        may = viewer.may(transfer)
        to_name = names.get(s.to_organization_id, transfer.to_organization.name)
        detail = _("{a} → {b}").format(a=transfer.from_organization.name, b=to_name)
        if s.step == "rejected" and may and s.reason:
            detail = _("{route}；退回原因：{reason}").format(route=detail, reason=s.reason)
        link = reverse("membership:transfer", args=(transfer.pk,)) if may else ""
        yield Event(s.on, titles[s.step], detail, link, kind=f"transfer_{s.step}", seq=100 + i)


@register_source
def letter_events(member, viewer):
    """组织关系介绍信 (issued, its 回执), the letter the member arrived with, 党员证明信 and 流动党员活动证."""
    for letter in IntroductionLetter.objects.filter(member_id=member.pk).select_related("organization"):
        may = viewer.may(letter)
        link = reverse("membership:letter", args=(letter.pk,)) if may else ""
        detail = _("{org}开具，去往{dest}，编号{n}").format(org=letter.organization.name, dest=letter.destination,
                                                    n=letter.number) if may else letter.organization.name
        yield Event(letter.issued_on, _("开具组织关系介绍信"), detail, link, kind="letter", seq=200)
        if letter.receipt_on:
            note = letter.receipt_note if may else ""
            yield Event(letter.receipt_on, _("收到介绍信回执"), note, link, kind="receipt", seq=201)
    for incoming in IncomingLetter.objects.filter(member_id=member.pk).select_related("organization"):
        may = viewer.may(incoming)
        detail = _("{by}开具的介绍信（编号{n}），转入{org}").format(
            by=incoming.issued_by_name, n=incoming.letter_number, org=incoming.organization.name) if may else \
            incoming.organization.name
        yield Event(incoming.received_on, _("持介绍信转入"), detail, kind="incoming", seq=0)
    for doc in IssuedDocument.objects.filter(member_id=member.pk).select_related("organization"):
        may = viewer.may(doc)
        detail = _("{org}开具，编号{n}").format(org=doc.organization.name, n=doc.number) if may else ""
        if may and doc.place:
            detail = _("{d}，外出地点：{place}").format(d=detail, place=doc.place)
        yield Event(doc.issued_on, _("开具{kind}").format(kind=doc.get_kind_display()), detail, kind="document",
                    seq=210)
        if doc.closed_on:
            yield Event(doc.closed_on, _("收回{kind}").format(kind=doc.get_kind_display()), kind="document_closed",
                        seq=211)


@register_source
def status_events(member, viewer):
    """党籍变动: each change with its approving body and 文号 (its reason where the viewer reads the change); a
    corrected one stays, marked, with the day it was corrected."""
    for change in StatusChange.objects.filter(member_id=member.pk).select_related(
            "organization", "member__organization").order_by("effective_on", "id"):
        may = viewer.may(change)
        title = change.get_kind_display()
        if change.leave_type:
            title = _("{kind}（{type}）").format(kind=title, type=change.get_leave_type_display())
        detail = _("{body} {number}").format(body=change.approved_by_name, number=change.document_number)
        if may:
            detail = _("{d}；原因：{reason}").format(d=detail, reason=change.reason)
        if change.is_corrected:
            detail = _("{d}（已更正）").format(d=detail)
        link = reverse("membership:status_change", args=(change.pk,)) if may else ""
        yield Event(change.effective_on, title, detail, link, kind=f"status_{change.kind}", seq=300)
        if change.is_corrected:
            yield Event(change.corrected_on, _("更正党籍变动：{kind}").format(kind=change.get_kind_display()),
                        change.correction_reason if may else "", link, kind="status_corrected", seq=301)


__all__ = ["SOURCES", "Event", "Viewer", "member_history", "register_source"]
