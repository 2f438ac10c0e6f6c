"""Every step of a case after intake: atomic, checked against the chain, audited, and on the case's timeline.

受理 (accept) → 派单 (dispatch; again before or after signing: 改派) → 签收 (sign, by the lead unit; the unit then
owns the case: 首接负责制) → 办理 (progress notes, public or internal; extensions only with approval) → 办结
(resolve, with the answer to the resident) → 回访 (rating, by the resident or a phone callback) → 归档 (archive).
A unit may return a wrongly routed case once (退单); it goes back to the dispatcher, never nowhere. An unsatisfied
outcome can be reopened (重办). Duplicates merge into one case whose outcome every submitter sees and rates.
Anything else is refused with the reason.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_bulk, audit_read, audit_record, build_event, snapshot

from . import deadlines, lapses, rollups, search, states
from .cleaning import clean_text
from .models import (
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseExtension,
    EventKind,
    ExtensionStatus,
    PhotoStage,
    RatedVia,
    Rating,
    Status,
)
from .photos import clean_photo, discard_files, store_photos
from .routing import district_unit, triage_of


def _lock(case) -> Case:
    return (Case.objects.select_for_update(of=("self",)).select_related("service", "area", "lead_unit__organization",
                                                            "owner_unit__organization", "master").get(pk=case.pk))


def _enter(case, name):
    """The case takes the step: refused unless the table allows it from the case's status; then the status it leads to."""
    states.check(case, name)
    if states.STEPS[name].leads_to is not None:
        case.status = states.STEPS[name].leads_to


def _new_event(case, kind, now, *, actor=None, unit=None, public=True, text="", **data) -> CaseEvent:
    return CaseEvent(case=case, kind=kind, at=now, actor=actor if getattr(actor, "is_authenticated", False) else None,
                     unit=unit, is_public=public, text=text, data=data)


def _event(case, kind, now, **kwargs):
    event = _new_event(case, kind, now, **kwargs)
    event.save(force_insert=True)
    return event


# What intake wrote and no later step changes: left out of every step's UPDATE, so that the phone is not encrypted
# again, nor the text index rewritten (a step that changes the text names search_tokens itself).
_WRITTEN_ONCE = {"id", "number", "query_code_hash", "token", "channel", "description", "attributes", "area", "address", "lat",
                 "lng", "contact_name", "hide_name", "contact_phone", "phone_hash", "phone_masked", "email", "ip_hash",
                 "open311_client", "account_id", "device_id", "media_url", "submitted_at", "accept_due", "created_by",
                 "search_tokens"}
_STEP_FIELDS = [f.name for f in Case._meta.concrete_fields if f.name not in _WRITTEN_ONCE and not f.generated]


def _save(case, now, before, *, actor, action, request, note="", text_changed=False, tracker=None):
    # The monthly roll-ups follow in this transaction: the contributions before (the row is still as locked) and after.
    tracker = tracker or rollups.track(case)
    lapses.clear_unlapsed(case, now)  # a time moved later again (改派, 退单, extension, 重办): counted live again
    case.updated_at = now
    case.save(update_fields=_STEP_FIELDS + (["search_tokens"] if text_changed else []))
    # Merged submissions follow their case: its lead unit (their ratings count for the unit that handled it) and
    # its last change (what their submitters and Open311 clients see as updated).
    Case.objects.filter(master=case).update(lead_unit=case.lead_unit, updated_at=now)
    tracker.done()
    audit_record(actor=actor, action=action, obj=case, before=before, after=snapshot(case), request=request, note=note)
    return case


def _current(case, unit=None, role=None):
    qs = case.assignments.filter(status__in=[AssignmentStatus.DISPATCHED, AssignmentStatus.SIGNED])
    if unit is not None:
        qs = qs.filter(unit=unit)
    if role is not None:
        qs = qs.filter(role=role)
    return qs


def _withdraw(case, now):
    """The current units leave the case (改派, 退单, merge, rejection); a request of theirs to extend goes with them."""
    _current(case).update(status=AssignmentStatus.WITHDRAWN, returned_at=now)
    _void_extensions(case, now)


def _void_extensions(case, now):
    case.extensions.filter(status=ExtensionStatus.PENDING).update(status=ExtensionStatus.WITHDRAWN, decided_at=now)


# ---- acceptance and dispatch ----

@transaction.atomic
def case_accept(*, actor, case, service=None, urgency=None, is_public=None, request=None, now=None) -> Case:
    """受理. The clock of the deadline starts; the district centre first received a web case (首接)."""
    now = now or timezone.now()
    case = _lock(case)
    states.check(case, "accept")
    before = snapshot(case)
    if service is not None:
        case.service = service
    if urgency:
        case.urgency = urgency
    if is_public is not None:
        case.is_public = is_public
    _event(case, EventKind.ACCEPTED, now, actor=actor, **_accept_fields(case, now))
    return _save(case, now, before, actor=actor, action=Action.ACCEPT, request=request,
                 note="" if actor else _("系统按派单规则自动受理"))


def _accept_fields(case, now) -> dict:
    """受理 on the case in hand (refused unless its status allows it); the accepted event's unit and data."""
    _enter(case, "accept")
    case.accepted_at = now
    case.accept_on_time = case.accept_due is None or now <= case.accept_due
    case.deadline = now + deadlines.handling_limit(case.urgency)
    if case.owner_unit_id is None:
        case.owner_unit = district_unit()
    return {"unit": case.owner_unit, "limit_hours": int(deadlines.handling_limit(case.urgency).total_seconds() // 3600)}


@transaction.atomic
def case_accept_and_dispatch(*, actor, case, lead, assisting=(), note="", request=None) -> Case:
    """受理 and 派单 in one step (the dispatcher's form on a waiting case): both or neither, so a refused dispatch
    leaves the case waiting. A case already accepted is only dispatched."""
    if states.allows("accept", case):
        case = case_accept(actor=actor, case=case, request=request)
    return case_dispatch(actor=actor, case=case, lead=lead, assisting=assisting, note=note, request=request)


@transaction.atomic
def case_reclassify(*, actor, case, service, urgency, is_public, request=None, now=None) -> Case:
    """The dispatcher corrects a case accepted by the rules (its category, its time-limit class, whether it is
    published); a new class moves the deadline to acceptance + the class's limit, unless an extension set it."""
    now = now or timezone.now()
    case = _lock(case)
    _enter(case, "reclassify")
    if not service.is_active:
        raise ValidationError({"service": _("该诉求类别已停用")})
    before = snapshot(case)
    changed_class = case.urgency != urgency
    case.service, case.urgency, case.is_public = service, urgency, is_public
    if changed_class and not case.extended and case.accepted_at and case.reopen_count == 0:
        case.deadline = case.accepted_at + deadlines.handling_limit(urgency)
    return _save(case, now, before, actor=actor, action=Action.UPDATE, request=request, note=_("调整类别、时限或公开"))


@transaction.atomic
def case_reject(*, actor, case, reason, request=None, now=None) -> Case:
    """不予受理 (not a matter for the system, abuse, a duplicate of nothing): the resident sees the reason."""
    now = now or timezone.now()
    reason = clean_text(reason, 300, field_name="reason", label=_("理由"))
    case = _lock(case)
    states.check(case, "reject")
    if case.merged_cases.exists():
        raise ValidationError(_("已有其他诉求合并到本诉求，不能不予受理"))
    before = snapshot(case)
    _withdraw(case, now)
    _enter(case, "reject")
    _event(case, EventKind.REJECTED, now, actor=actor, text=reason)
    return _save(case, now, before, actor=actor, action=Action.REJECT, request=request, note=reason)


@transaction.atomic
def case_dispatch(*, actor, case, lead, assisting=(), note="", request=None, now=None) -> Case:
    """派单 to a lead unit (and assisting units), or 改派: the current units are replaced."""
    now = now or timezone.now()
    case = _lock(case)
    states.check(case, "dispatch")
    assisting = _dispatch_units(lead, assisting)
    before = snapshot(case)
    redispatch = states.is_redispatch(case)
    _withdraw(case, now)
    CaseAssignment.objects.bulk_create(_dispatch_fields(case, lead, assisting, now))
    _event(case, EventKind.DISPATCHED, now, actor=actor, unit=lead, note=note[:200], redispatch=redispatch,
           lead=lead.name, assisting=[u.name for u in assisting])
    return _save(case, now, before, actor=actor, action=Action.DISPATCH, request=request,
                 note=note or "、".join([lead.name, *(u.name for u in assisting)]))


def _dispatch_units(lead, assisting) -> list:
    """The assisting units without repeats or the lead; refused when any unit is retired."""
    assisting = [u for u in dict.fromkeys(assisting) if u.pk != lead.pk]
    if not lead.is_active or any(not u.is_active for u in assisting):
        raise ValidationError({"lead": _("承办单位已停用")})
    return assisting


def _dispatch_fields(case, lead, assisting, now) -> list:
    """派单 on the case in hand (refused unless its status allows it); the new assignments, unsaved."""
    assignments = [CaseAssignment(case=case, unit=lead, role=AssignmentRole.LEAD, dispatched_at=now),
                   *(CaseAssignment(case=case, unit=u, role=AssignmentRole.ASSIST, dispatched_at=now) for u in assisting)]
    case.lead_unit, case.triage = lead, triage_of(lead, assisting)
    _enter(case, "dispatch")
    case.dispatched_at, case.sign_due = now, now + deadlines.sign_limit()
    case.signed_at = case.sign_on_time = None
    return assignments


@transaction.atomic(savepoint=False)  # inside intake's transaction: one with it, and no savepoint of its own
def case_open(*, case, photos=(), written=None, lead=None, assisting=(), note="", submit_note="", actor=None,
              request=None, now) -> Case:
    """Intake's write of a new case, built by `cases.intake` (unsaved, as submitted): the case with its photos, its
    timeline and its audit trail — and, when the routing rules placed it (`lead`), accepted and dispatched by the
    system in the same step, with the same events, audit rows and figures as case_accept then case_dispatch. A new
    row needs no lock and no re-read, so each table gets one INSERT: the case, its events, its assignments, its
    audit rows. `written` collects the stored photo files, for the caller to remove if the transaction fails."""
    events = [_new_event(case, EventKind.SUBMITTED, now, actor=actor, channel=case.channel)]
    submitted = snapshot(case)
    trail = [build_event(actor=actor, action=Action.SUBMIT, obj=case, after=submitted, request=request,
                         note=submit_note)]
    assignments = []
    if lead is not None:
        before = submitted
        accepted = _accept_fields(case, now)
        events.append(_new_event(case, EventKind.ACCEPTED, now, **accepted))
        after = snapshot(case)
        trail.append(build_event(actor=None, action=Action.ACCEPT, obj=case, before=before, after=after,
                                 request=request, note=_("系统按派单规则自动受理")))
        assisting = _dispatch_units(lead, assisting)
        assignments = _dispatch_fields(case, lead, assisting, now)
        events.append(_new_event(case, EventKind.DISPATCHED, now, unit=lead, note=note[:200], redispatch=False,
                                 lead=lead.name, assisting=[u.name for u in assisting]))
        trail.append(build_event(actor=None, action=Action.DISPATCH, obj=case, before=after, after=snapshot(case),
                                 request=request, note=note or "、".join([lead.name, *(u.name for u in assisting)])))
    case.updated_at = now
    case.save(force_insert=True)
    rollups.add_new(case)
    CaseEvent.objects.bulk_create(events)
    if assignments:
        CaseAssignment.objects.bulk_create(assignments)
    store_photos(case, photos, PhotoStage.INTAKE, now, written if written is not None else [])
    for row in trail:  # built before the case had its id
        row.object_id = str(case.pk)
        for state in (row.before, row.after):
            if state is not None:
                state["id"] = case.pk
    audit_bulk(trail)
    return case


@transaction.atomic
def case_sign(*, actor, case, unit, request=None, now=None) -> Case:
    """签收 by a dispatched unit. The lead's signing starts its handling and makes it the owner (首接负责制)."""
    now = now or timezone.now()
    if unit is None:
        raise ValidationError(_("您所在的单位没有待签收的派单"))
    case = _lock(case)
    states.check(case, "sign")
    assignment = _current(case, unit).filter(status=AssignmentStatus.DISPATCHED).first()
    if assignment is None:
        raise ValidationError(_("{unit}没有待签收的派单").format(unit=unit.name))
    before = snapshot(case)
    assignment.status, assignment.signed_at = AssignmentStatus.SIGNED, now
    assignment.save(update_fields=["status", "signed_at"])
    if assignment.role == AssignmentRole.LEAD:
        _enter(case, "sign")  # the lead's signature; an assisting unit's leaves the status
        case.signed_at = now
        case.sign_on_time = case.sign_due is None or now <= case.sign_due
        case.owner_unit = unit
    _event(case, EventKind.SIGNED, now, actor=actor, unit=unit, role=assignment.role)
    return _save(case, now, before, actor=actor, action=Action.SIGN, request=request,
                 note=f"{unit.name} {AssignmentRole(assignment.role).label}")


@transaction.atomic
def case_return(*, actor, case, unit, reason, request=None, now=None) -> Case:
    """退单: the lead unit sends a wrongly routed case back to the dispatcher, with a reason, once per unit."""
    now = now or timezone.now()
    reason = clean_text(reason, 300, field_name="reason", label=_("退单理由"))
    case = _lock(case)
    states.check(case, "return")
    assignment = _current(case, unit, AssignmentRole.LEAD).first() if unit else None
    if assignment is None:
        raise ValidationError(_("只有牵头单位可以退单"))
    if case.assignments.filter(unit=unit, status=AssignmentStatus.RETURNED).exists():
        raise ValidationError(_("{unit}已退回过该诉求一次，不能再次退单；如有异议请与调度员联系").format(unit=unit.name))
    before = snapshot(case)
    assignment.status, assignment.returned_at, assignment.return_reason = AssignmentStatus.RETURNED, now, reason
    assignment.save(update_fields=["status", "returned_at", "return_reason"])
    _withdraw(case, now)  # the assisting units go with it: the dispatcher routes the case again
    _enter(case, "return")
    case.lead_unit, case.triage = None, ""
    case.dispatched_at = case.sign_due = case.signed_at = case.sign_on_time = None
    case.return_count += 1
    _event(case, EventKind.RETURNED, now, actor=actor, unit=unit, public=False, text=reason)
    return _save(case, now, before, actor=actor, action=Action.RETURN, request=request, note=reason)


# ---- handling ----

@transaction.atomic
def case_note(*, actor, case, unit, text, public, request=None, now=None) -> CaseEvent:
    now = now or timezone.now()
    text = clean_text(text, 2000, field_name="text", label=_("进展"))
    case = _lock(case)
    states.check(case, "note")
    if not _current(case, unit).exists():
        raise ValidationError(_("{unit}不是该诉求的承办单位").format(unit=unit.name))
    event = _event(case, EventKind.NOTE, now, actor=actor, unit=unit, public=public, text=text)
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=case, request=request,
                 note=(_("公开进展：") if public else _("内部记录：")) + text[:200])
    return event


@transaction.atomic
def case_request_extension(*, actor, case, unit, until, reason, request=None, now=None) -> CaseExtension:
    now = now or timezone.now()
    reason = clean_text(reason, 300, field_name="reason", label=_("延期理由"))
    case = _lock(case)
    states.check(case, "extension")
    if not _current(case, unit, AssignmentRole.LEAD).exists():
        raise ValidationError(_("只有牵头单位可以申请延期"))
    if case.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationError(_("已有一项延期申请待审批"))
    if until <= max(case.deadline, now):
        raise ValidationError({"until": _("延期后的时限应晚于当前时限 {deadline}").format(
            deadline=timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M"))})
    if until > case.deadline + timedelta(days=settings.CASE_EXTENSION_MAX_DAYS):
        raise ValidationError({"until": _("一次延期不能超过{n}天").format(n=settings.CASE_EXTENSION_MAX_DAYS)})
    extension = CaseExtension.objects.create(case=case, unit=unit, requested_by=actor, requested_at=now, until=until,
                                             reason=reason)
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    _event(case, EventKind.EXTENSION_REQUESTED, now, actor=actor, unit=unit, public=False, text=reason,
           until=until.isoformat())
    audit_record(actor=actor, action=Action.CREATE, obj=extension, after=snapshot(extension), request=request)
    return extension


@transaction.atomic
def case_decide_extension(*, actor, extension, approve, note="", request=None, now=None) -> CaseExtension:
    now = now or timezone.now()
    note = clean_text(note, 300, field_name="note", required=not approve, label=_("不批准的理由"))
    extension = CaseExtension.objects.select_for_update().select_related("unit").get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError(_("该延期申请已审批"))
    if actor is not None and extension.requested_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("不能审批本人提出的延期申请"))
    case = _lock(extension.case)
    before_ext = snapshot(extension)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, now, note
    extension.save()
    if approve:
        states.check(case, "approve_extension")
        if case.lead_unit_id != extension.unit_id:
            raise ValidationError(_("该诉求已不在申请单位办理中"))
        if extension.until <= case.deadline:
            raise ValidationError(_("申请延至的时间不晚于当前办理时限，无需延期"))
        before = snapshot(case)
        case.deadline, case.extended = extension.until, True
        _event(case, EventKind.EXTENSION_APPROVED, now, actor=actor, unit=extension.unit, until=extension.until.isoformat())
        _save(case, now, before, actor=actor, action=Action.DECIDE, request=request, note=extension.until.isoformat())
    else:
        _event(case, EventKind.EXTENSION_REFUSED, now, actor=actor, unit=extension.unit, public=False, text=note)
    audit_record(actor=actor, action=Action.DECIDE, obj=extension, before=before_ext, after=snapshot(extension),
                 request=request)
    return extension


def case_resolve(*, actor, case, unit, answer, photos=(), request=None, now=None) -> Case:
    """办结: the lead unit's answer to the resident (反馈), and perhaps photos of the result."""
    now = now or timezone.now()
    answer = clean_text(answer, 4000, field_name="answer", label=_("答复内容"))
    if len(photos) > settings.CASE_PHOTOS_MAX:
        raise ValidationError({"photos": _("最多上传{n}张照片").format(n=settings.CASE_PHOTOS_MAX)})
    cleaned = [clean_photo(p) for p in photos]
    written = []
    try:
        with transaction.atomic():
            case = _lock(case)
            states.check(case, "resolve")
            if not _current(case, unit, AssignmentRole.LEAD).exists():
                raise ValidationError(_("只有牵头单位可以办结"))
            before = snapshot(case)
            _enter(case, "resolve")
            case.resolved_at, case.answer = now, answer
            case.resolved_on_time = case.deadline is None or now <= case.deadline
            case.ever_late = case.ever_late or not case.resolved_on_time
            case.handling_minutes = max(0, int((now - case.submitted_at).total_seconds() // 60))
            case.search_tokens = search.index_text(case.description, case.address, answer)
            store_photos(case, cleaned, PhotoStage.RESOLUTION, now, written)
            _event(case, EventKind.RESOLVED, now, actor=actor, unit=unit, text=answer, on_time=case.resolved_on_time)
            _save(case, now, before, actor=actor, action=Action.RESOLVE, request=request, text_changed=True)
    except BaseException:
        discard_files(written)
        raise
    return case


# ---- callback, reopening, archiving ----

@transaction.atomic
def case_rate(*, case, rating, solved, comment="", via=RatedVia.RESIDENT, actor=None, request=None, now=None) -> Case:
    """回访: the resident's rating of the outcome (满意 / 基本满意 / 不满意, and whether it is solved), once per
    resolution; by the resident with the query code, or recorded by staff from a phone callback."""
    now = now or timezone.now()
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意、基本满意或不满意")})
    if solved not in (True, False):
        raise ValidationError({"solved": _("请选择问题是否已解决")})
    comment = clean_text(comment, 500, field_name="comment", required=False, label=_("评价意见"))
    case = _lock(case)
    outcome = states.outcome(case)
    if states.rated_this_round(case, outcome):
        raise ValidationError(_("该诉求已评价，不能重复评价"))
    if not states.can_rate(case):
        raise ValidationError(states.refusal("rate"))
    if via == RatedVia.PHONE and not states.is_merged(case):
        # A merged submission's caller rates the outcome of the case it joined (can_rate above), as a resident would.
        states.check(case, "callback")
    if via == RatedVia.PHONE and outcome.events.filter(kind=EventKind.RESOLVED, actor=actor).exists():
        raise ValidationError(_("办理人不能为本人办结的诉求记录回访"))
    before = snapshot(case)
    case.rating, case.rating_solved, case.rating_comment = rating, solved, comment
    case.rated_at, case.rated_via, case.rating_round = now, via, outcome.reopen_count
    if case.status == Status.RESOLVED:
        _enter(case, "rate")
    _event(case, EventKind.RATED, now, actor=actor, text=comment, rating=rating, solved=solved, via=via)
    return _save(case, now, before, actor=actor, action=Action.RATE, request=request, note=f"{via} {rating} {solved}")


@transaction.atomic
def case_reopen(*, actor, case, reason, request=None, now=None) -> Case:
    """重办: the lead unit handles the case again, with a new deadline; earlier ratings stay in the timeline."""
    now = now or timezone.now()
    reason = clean_text(reason, 300, field_name="reason", label=_("重办理由"))
    case = _lock(case)
    states.check(case, "reopen")
    dissatisfied = case.rating == Rating.UNSATISFIED or case.rating_solved is False or (
        case.merged_cases.filter(Q(rating=Rating.UNSATISFIED) | Q(rating_solved=False)).exists())
    if not dissatisfied:
        raise ValidationError(_("群众评价不满意或问题未解决时才能重办：请先记录回访结果"))
    before = snapshot(case)
    _enter(case, "reopen")
    case.resolved_at = case.resolved_on_time = case.handling_minutes = None
    case.deadline, case.extended = now + deadlines.handling_limit(case.urgency), False
    # The last rating stays (and counts) until the resident rates the new outcome.
    case.reopen_count += 1
    _void_extensions(case, now)
    _event(case, EventKind.REOPENED, now, actor=actor, unit=case.lead_unit, text=reason, round=case.reopen_count)
    return _save(case, now, before, actor=actor, action=Action.REOPEN, request=request, note=reason)


@transaction.atomic
def case_archive(*, actor, case, request=None, now=None) -> Case:
    now = now or timezone.now()
    case = _lock(case)
    states.check(case, "archive")
    if not states.may_archive(case, now):  # the callback is still awaited
        raise ValidationError(states.refusal("archive"))
    before = snapshot(case)
    unrated = case.status == Status.RESOLVED
    _enter(case, "archive")
    case.archived_at = now
    _event(case, EventKind.ARCHIVED, now, actor=actor, unrated=unrated)
    return _save(case, now, before, actor=actor, action=Action.ARCHIVE, request=request)


@transaction.atomic
def case_merge(*, actor, case, master, request=None, now=None) -> Case:
    """Merge a duplicate submission into the case about the same problem; its submitter follows and rates that."""
    now = now or timezone.now()
    case, master = _lock(case), _lock(master)
    if case.pk == master.pk:
        raise ValidationError(_("不能与自身合并"))
    states.check(case, "merge")
    if master.status not in states.MERGE_TARGETS:
        raise ValidationError(_("诉求 {number} 已合并、不予受理或归档，不能作为合并目标").format(number=master.number))
    before = snapshot(case)
    tracker = rollups.track(case)  # before its merged submissions move on to the master
    _withdraw(case, now)
    _enter(case, "merge")
    case.master, case.lead_unit = master, master.lead_unit
    Case.objects.filter(master=case).update(master=master, lead_unit=master.lead_unit, updated_at=now)
    _event(case, EventKind.MERGED, now, actor=actor, master=master.number)
    _event(master, EventKind.MERGED, now, actor=actor, public=False, merged=case.number)
    Case.objects.filter(pk=master.pk).update(updated_at=now)
    return _save(case, now, before, actor=actor, action=Action.MERGE, request=request,
                 note=_("合并至 {number}").format(number=master.number), tracker=tracker)


def case_reveal_phone(*, actor, case, request=None) -> str:
    """The full phone number for a callback; every look is audited."""
    audit_read(actor=actor, action=Action.REVEAL, obj=case, request=request, note=_("查看联系电话"))
    return case.contact_phone

