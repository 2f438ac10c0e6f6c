"""Every write to organizational-life records: atomic, validated, audited.

A record's life: draft (attendance by hand or by phone check-in) → submitted (counts as held; late if
entered more than RECORD_ENTRY_DAYS after the activity) → changed after submission (the submitted state
is kept as a version) or returned by a superior organization with a reason → corrected and submitted
again. Only submitted records count towards compliance (the Fulfilment rows), attendance rates and the monthly
subtree roll-ups (rollups.py), each kept in the transaction of the write that changes it.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core import evidence, jobs
from apps.core.dbrouter import reading_from_replica
from apps.core.models import Job
from apps.members.models import CURRENT_STATUSES, Member, MemberCategory
from apps.orgs.models import CommitteePost, OrgKind
from apps.records.periods import period_start

from . import excel, files, fulfilment_rollups, marks, plan_counts, rollups, states
from .models import (
    ActivityPlan,
    ActivityRecord,
    ActivityType,
    AppliesTo,
    Attendance,
    AttendanceStatus,
    Fulfilment,
    RecordFile,
    RecordVersion,
    Roster,
)
from .versions import version_data

RECORD_FIELDS = ("held_on", "starts_at", "ends_at", "place", "topic", "host", "recorder", "lecturer", "content_items",
                 "minutes", "decisions", "summary", "is_vote")
PLAN_FIELDS = ("activity_type", "planned_on", "starts_at", "place", "topic")
# What a write to a record locks: the record and its type (a change of the type's frequency rebuilds its fulfilment
# under that lock), not its organization — the monthly roll-ups hold the organization's chain top-down (rollups.Change).
LOCKED = ("self", "activity_type")
TYPE_FIELDS = ("name", "frequency", "applies_to", "roster", "due_day", "warn_days", "needs_lecturer",
               "has_content_items", "may_vote", "is_active", "sort_order")


# ---- activity types (the district's rules) ----

@transaction.atomic
def activity_type_save(*, actor, activity_type=None, data, request=None) -> ActivityType:
    creating = activity_type is None
    # Re-read: a bound ModelForm has already written the new values onto the instance it was given.
    activity_type = (ActivityType(code=data.get("code") or "") if creating
                     else ActivityType.objects.select_for_update().get(pk=activity_type.pk))
    before = None if creating else snapshot(activity_type)
    for field in TYPE_FIELDS:
        if field in data:
            setattr(activity_type, field, data[field])
    if creating and not activity_type.code:
        activity_type.code = f"custom-{ActivityType.objects.count() + 1}"
    if activity_type.due_day and activity_type.frequency != "monthly":
        raise ValidationError({"due_day": _("只有每月开展的活动可以设固定日")})
    activity_type.save()
    if not creating and (before["frequency"] != activity_type.frequency):
        # The periods change, so the fulfilment rows of this type are rebuilt from its records.
        rebuild_fulfilment(activity_type)
    audit_record(actor=actor, action=Action.CREATE if creating else Action.UPDATE, obj=activity_type,
                 before=before, after=snapshot(activity_type), request=request)
    return activity_type


def rebuild_fulfilment(activity_type=None) -> int:
    """Recount Fulfilment rows from submitted records (all types, or one). Returns the rows written."""
    types = [activity_type] if activity_type else list(ActivityType.objects.all())
    written = 0
    with transaction.atomic():
        for t in types:
            Fulfilment.objects.filter(activity_type=t).delete()
            start = period_start(t.frequency, timezone.localdate())
            if start is None:
                continue
            counts = {}
            dates = (ActivityRecord.objects.filter(activity_type=t, status__in=states.COUNTED)
                     .values_list("organization_id", "held_on").iterator(chunk_size=5000))
            for org_id, held_on in dates:
                key = (org_id, period_start(t.frequency, held_on))
                counts[key] = counts.get(key, 0) + 1
            Fulfilment.objects.bulk_create(
                [Fulfilment(organization_id=o, activity_type=t, period_start=p, records=n) for (o, p), n in counts.items()],
                batch_size=5000)
            written += len(counts)
        fulfilment_rollups.rebuild(activity_type)  # their subtree roll-ups, from the rows just written
    return written


def rebuild_last_attended() -> int:
    """Every member's stored attendance dates anew from the attendance rows (the seed, `last_attended --rebuild`)."""
    return marks.rebuild()


def _fulfil(record, delta):
    start = period_start(record.activity_type.frequency, record.held_on)
    if start is None:
        return
    key = {"organization_id": record.organization_id, "activity_type_id": record.activity_type_id, "period_start": start}
    if delta > 0:
        row, created = Fulfilment.objects.get_or_create(**key, defaults={"records": 1})
        if created:
            fulfilment_rollups.fulfilment_changed(record.organization_id, record.activity_type_id, start, +1)
        else:
            Fulfilment.objects.filter(pk=row.pk).update(records=F("records") + 1)
    else:
        Fulfilment.objects.filter(**key).update(records=F("records") - 1)
        deleted, _rows = Fulfilment.objects.filter(**key, records__lte=0).delete()
        if deleted:
            fulfilment_rollups.fulfilment_changed(record.organization_id, record.activity_type_id, start, -1)


# ---- plans ----

def _check_type_fits(activity_type, organization):
    if not organization.is_active:
        raise ValidationError(_("该组织已撤销，不能再记录组织生活"))
    if not activity_type.is_active:
        raise ValidationError({"activity_type": _("该活动类型已停用")})
    if activity_type.applies_to == AppliesTo.GROUPS and organization.kind != OrgKind.GROUP:
        raise ValidationError({"activity_type": _("{type}由党小组开展，请在党小组名下记录").format(type=activity_type.name)})
    if organization.kind == OrgKind.GROUP and activity_type.is_required and activity_type.applies_to != AppliesTo.GROUPS:
        raise ValidationError({"activity_type": _("{type}由党支部开展，不能记在党小组名下").format(type=activity_type.name)})


@transaction.atomic
def plan_create(*, actor, organization, data, request=None) -> ActivityPlan:
    plan = ActivityPlan(organization=organization, created_by=actor, **{k: data[k] for k in PLAN_FIELDS if k in data})
    _check_type_fits(plan.activity_type, organization)
    counts = plan_counts.track_new(organization)  # before the insert (see plan_counts)
    plan.save()
    counts.done(plan)
    audit_record(actor=actor, action=Action.CREATE, obj=plan, after=snapshot(plan), request=request)
    return plan


@transaction.atomic
def plan_cancel(*, actor, plan, request=None) -> ActivityPlan:
    counts = plan_counts.track(plan)  # locks the plan and reads its status again
    states.plan_check(plan, "cancel")
    before = snapshot(plan)
    states.plan_enter(plan, "cancel")
    plan.save(update_fields=["status"])
    counts.done(plan)
    audit_record(actor=actor, action=Action.UPDATE, obj=plan, before=before, after=snapshot(plan), request=request)
    return plan


# ---- records ----

def roster(organization, activity_type):
    """Who is expected (应到): the organization's current members, its party group's members, or
    the holders of its committee posts."""
    members = Member.objects.filter(status__in=CURRENT_STATUSES)
    if activity_type.roster == Roster.COMMITTEE:
        holders = (CommitteePost.objects.filter(organization=organization, is_current=True)
                   .exclude(post=CommitteePost.Post.GROUP_LEADER).values("member_id"))
        return members.filter(pk__in=holders)
    if organization.kind == OrgKind.GROUP:
        return members.filter(party_group=organization)
    return members.filter(organization=organization)


def _clean_record(record):
    if record.ends_at and record.starts_at and record.ends_at <= record.starts_at:
        raise ValidationError({"ends_at": _("结束时间应晚于开始时间")})
    if record.held_on > timezone.localdate() + timedelta(days=366):
        raise ValidationError({"held_on": _("活动日期太远")})
    if record.is_vote and not record.activity_type.may_vote:
        raise ValidationError({"is_vote": _("{type}不进行表决").format(type=record.activity_type.name)})


@transaction.atomic
def record_create(*, actor, organization, activity_type, data, plan=None, request=None) -> ActivityRecord:
    _check_type_fits(activity_type, organization)
    if plan is not None:
        if plan.organization_id != organization.pk:
            raise ValidationError(_("活动计划不属于该组织"))
        counts = plan_counts.track(plan)  # before the inserts below; locks the plan and reads its status again
        states.plan_check(plan, "record")
    else:
        counts = plan_counts.track_new(organization)  # the record's day (before the inserts below)
    record = ActivityRecord(organization=organization, activity_type=activity_type, plan=plan, created_by=actor,
                            **{k: data[k] for k in RECORD_FIELDS if k in data})
    _clean_record(record)
    record.save()
    attendees = roster(organization, activity_type).values_list("pk", "category")
    Attendance.objects.bulk_create([
        Attendance(record=record, member_id=pk, held_on=record.held_on, is_voting=(category == MemberCategory.FULL))
        for pk, category in attendees])
    _recount(record)
    if plan is not None:
        states.plan_enter(plan, "record")
        plan.save(update_fields=["status"])
    counts.done(plan, record)  # the record's day counted, its plan's no longer: one upsert
    audit_record(actor=actor, action=Action.CREATE, obj=record, after=snapshot(record), request=request)
    return record


def _recount(record):
    """Refresh the attendance figures and the quorum kept on the record."""
    figures = record.attendance.aggregate(
        expected=Count("pk"),
        present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
        leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
        absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
        voting=Count("pk", filter=Q(is_voting=True)),
        voting_present=Count("pk", filter=Q(is_voting=True, status=AttendanceStatus.PRESENT)),
    )
    record.expected_count, record.present_count = figures["expected"], figures["present"]
    record.leave_count, record.absent_count = figures["leave"], figures["absent"]
    record.voting_entitled, record.voting_present = figures["voting"], figures["voting_present"]
    # A vote needs more than half of the full members entitled to vote present (rules.md §3).
    record.quorum_met = (record.voting_present * 2 > record.voting_entitled) if record.is_vote else None
    ActivityRecord.objects.filter(pk=record.pk).update(
        expected_count=record.expected_count, present_count=record.present_count, leave_count=record.leave_count,
        absent_count=record.absent_count, voting_entitled=record.voting_entitled,
        voting_present=record.voting_present, quorum_met=record.quorum_met)


def _keep_version(record, actor, note):
    """Changing a submitted (or returned) record keeps its current state as a version first."""
    if record.first_submitted_at is None:
        return
    RecordVersion.objects.create(record=record, version=record.version, data=version_data(record), note=note[:300],
                                 created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record.version += 1


def _parse_attendance(record, attendance):
    """[(member_id, status, reason)] → validated dict; every member must be on the record's roster."""
    known = dict(record.attendance.values_list("member_id", "pk"))
    entries = {}
    for member_id, status, reason in attendance:
        if member_id not in known:
            raise ValidationError(_("出勤名单中有不属于本次活动应到人员的党员"))
        if status not in AttendanceStatus.values:
            raise ValidationError(_("出勤状态不正确"))
        reason = (reason or "").strip()[:120]
        if status == AttendanceStatus.LEAVE and not reason:
            raise ValidationError(_("请假须填写原因"))
        entries[member_id] = (status, reason)
    return entries


@transaction.atomic
def record_update(*, actor, record, data, attendance=None, note="", request=None) -> ActivityRecord:
    record = ActivityRecord.objects.select_for_update(of=LOCKED).select_related("activity_type", "organization").get(pk=record.pk)
    states.check(record, "edit")  # every status: a record ever submitted is versioned below
    rollup = rollups.track(record)  # before any insert below (see rollups.Change)
    before = snapshot(record)
    entries = _parse_attendance(record, attendance) if attendance is not None else {}
    current = {pk: (s, r) for pk, s, r in record.attendance.values_list("member_id", "status", "reason")}
    changed_attendance = {pk: v for pk, v in entries.items() if current.get(pk) != v}
    changed_fields = [k for k in RECORD_FIELDS if k in data and getattr(record, k) != data[k]]
    if not changed_fields and not changed_attendance:
        return record
    # A record moved to another day: the per-day counts follow (its chain held before the inserts below).
    days = plan_counts.track_record(record) if "held_on" in changed_fields else None
    old_held_on = record.held_on
    _keep_version(record, actor, note or RecordVersion.DEFAULT_NOTE)  # translated when shown (note_display)
    for k in changed_fields:
        setattr(record, k, data[k])
    _clean_record(record)
    counted = states.state(record).counts
    if counted and "held_on" in changed_fields:
        # The record moves to another period, perhaps: its fulfilment goes with it.
        _fulfil(ActivityRecord(organization_id=record.organization_id, activity_type=record.activity_type,
                               held_on=old_held_on), -1)
        _fulfil(record, +1)
    record.save()
    for member_id, (status, reason) in changed_attendance.items():
        Attendance.objects.filter(record=record, member_id=member_id).update(status=status, reason=reason)
    if "held_on" in changed_fields:
        record.attendance.update(held_on=record.held_on)
    if counted:  # a submitted record's date or attendance moved: the members' stored dates follow
        marks.refresh(marks.record_members(record) if "held_on" in changed_fields else changed_attendance)
    _recount(record)
    rollup.done(record)  # its month or attendance sums, if it counts
    if days is not None:
        days.done(record=record)  # after the month roll-ups: the tables in the order a move writes them
    audit_record(actor=actor, action=Action.UPDATE, obj=record, before=before, after=snapshot(record), request=request,
                 note=_("第{version}版").format(version=record.version) if record.first_submitted_at else "")
    return record


def _check_complete(record):
    errors = {}
    t = record.activity_type
    if record.held_on > timezone.localdate():
        errors["held_on"] = _("活动尚未举行，不能提交纪实")
    if t.needs_lecturer and not record.lecturer.strip():
        errors["lecturer"] = _("{type}须填写授课人").format(type=t.name)
    if t.has_content_items and not record.content_item_list:
        errors["content_items"] = _("{type}须填写活动内容").format(type=t.name)
    if not record.minutes.strip():
        errors["minutes"] = _("请填写会议记录")
    if record.expected_count and not record.present_count:
        errors["__all__"] = _("尚未登记任何出席人员")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_submit(*, actor, record, request=None) -> ActivityRecord:
    record = ActivityRecord.objects.select_for_update(of=LOCKED).select_related("activity_type", "organization").get(pk=record.pk)
    states.check(record, "submit")
    _check_complete(record)
    rollup = rollups.track(record, counting=True)  # before _fulfil's insert (see rollups.Change)
    before = snapshot(record)
    now = timezone.now()
    if record.first_submitted_at is None:
        record.first_submitted_at = now
        # Entered more than RECORD_ENTRY_DAYS after the activity: marked late, for good.
        overdue = (timezone.localdate(now) - record.held_on).days - settings.RECORD_ENTRY_DAYS
        record.is_late, record.late_days = overdue > 0, max(0, overdue)
    states.enter(record, "submit")
    record.submitted_at = now
    record.returned_reason = ""
    record.save()
    record.attendance.update(counts=True)
    _fulfil(record, +1)
    marks.refresh(marks.record_members(record))
    rollup.done(record)
    audit_record(actor=actor, action=Action.SUBMIT, obj=record, before=before, after=snapshot(record), request=request)
    return record


@transaction.atomic
def record_return(*, actor, record, reason, request=None) -> ActivityRecord:
    record = ActivityRecord.objects.select_for_update(of=LOCKED).select_related("activity_type", "organization").get(pk=record.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因")})
    states.check(record, "return")
    rollup = rollups.track(record)
    before = snapshot(record)
    states.enter(record, "return")
    record.returned_reason = reason[:300]
    record.returned_at = timezone.now()
    record.save()
    record.attendance.update(counts=False)
    _fulfil(record, -1)
    marks.refresh(marks.record_members(record))
    rollup.done(record)
    audit_record(actor=actor, action=Action.RETURN, obj=record, before=before, after=snapshot(record), request=request,
                 note=reason)
    return record


@transaction.atomic
def record_delete_draft(*, actor, record, request=None):
    # Judged on the row as it is now, locked: a submit committed since the page loaded must not be deleted (its
    # counters and roll-ups would keep a record that no longer exists).
    record = ActivityRecord.objects.select_for_update(of=LOCKED).select_related("activity_type", "organization").get(pk=record.pk)
    states.check(record, "delete")
    before = snapshot(record)
    plan = ActivityPlan.objects.get(pk=record.plan_id) if record.plan_id else None
    # The record's day, and its plan's (locked, its status read again): one upsert below.
    counts = plan_counts.track(plan, record) if plan is not None else plan_counts.track_record(record)
    if plan is not None and states.plan_allows("reopen", plan):
        states.plan_enter(plan, "reopen")
        plan.save(update_fields=["status"])
    stored = [f.file for f in record.files.all()]
    audit_record(actor=actor, action=Action.DELETE, obj=record, before=before, request=request)
    record.delete()
    counts.done(plan)  # the record gone, the plan counted again if reopened
    # Files go only once the deletion is committed.
    transaction.on_commit(lambda: [f.delete(save=False) for f in stored])


# ---- phone check-in ----

def checkin_window(record):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(record.held_on, record.starts_at), tz)
    end = timezone.make_aware(datetime.combine(record.held_on, record.ends_at), tz)
    return (start - timedelta(minutes=settings.CHECKIN_OPENS_MINUTES_BEFORE),
            end + timedelta(minutes=settings.CHECKIN_CLOSES_MINUTES_AFTER))


@transaction.atomic
def record_check_in(*, user, token, now=None, request=None) -> tuple[ActivityRecord, Attendance]:
    """A member present at the meeting signs in by scanning its QR code, only while the meeting is on."""
    now = now or timezone.now()
    record = (ActivityRecord.objects.select_for_update(of=LOCKED).select_related("activity_type", "organization")
              .filter(checkin_token=token).first())
    if record is None:
        raise ValidationError(_("签到码无效"))
    opens, closes = checkin_window(record)
    if not opens <= now <= closes:
        raise ValidationError(_("不在签到时间内：签到时间为 {opens} 至 {closes}").format(
            opens=timezone.localtime(opens).strftime("%m-%d %H:%M"), closes=timezone.localtime(closes).strftime("%H:%M")))
    states.check(record, "check_in")
    member_id = getattr(user, "member_id", None)
    row = record.attendance.filter(member_id=member_id).first() if member_id else None
    if row is None:
        raise ValidationError(_("您不在本次活动的应到人员名单中"))
    if row.status != AttendanceStatus.PRESENT:
        row.status, row.reason, row.checked_in_at = AttendanceStatus.PRESENT, "", now
        row.save(update_fields=["status", "reason", "checked_in_at"])
        _recount(record)
        audit_record(actor=user, action=Action.CHECK_IN, obj=record, after={"member": row.member_id, "at": now.isoformat()},
                     request=request)
    return record, row


# ---- photos and attachments ----

def record_file_add(*, actor, record, kind, upload, request=None) -> RecordFile:
    """A photo or attachment; its file is deleted again if the write fails (nothing half-saved on disk)."""
    with evidence.atomic_with_files() as store:
        if record.files.count() >= settings.RECORD_FILES_MAX:
            raise ValidationError({"file": _("每条纪实最多上传{n}个文件").format(n=settings.RECORD_FILES_MAX)})
        content_type = files.check_upload(kind, upload)
        item = store(RecordFile.of(upload, content_type, uploaded_by=actor, record=record, kind=kind), upload)
        item.save()
        audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
        return item


@transaction.atomic
def record_file_delete(*, actor, item, request=None):
    before = snapshot(item)
    audit_record(actor=actor, action=Action.DELETE, obj=item, before=before, request=request)
    stored = item.file
    item.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


# ---- monthly stars (特色活动之星) ----

@transaction.atomic
def star_pick(*, actor, record, chosen_by_org, citation="", request=None):
    """The district or a committee picks a submitted record of its subtree as one of the month's stars."""
    from .models import MonthlyStar

    states.check(record, "star")
    if not (record.organization.path.startswith(chosen_by_org.path) and record.organization_id != chosen_by_org.pk):
        raise ValidationError(_("只能评选下级组织的活动"))
    month = record.held_on.replace(day=1)
    # Count and insert under the chooser's row lock (and the record's): locking only the stars that already exist
    # let two parallel picks both see MONTHLY_STARS_MAX - 1 and both insert.
    from apps.orgs.models import Organization

    # FOR NO KEY UPDATE: it serializes the picks of one chooser without blocking the key-share locks a record write
    # takes on its organization's ancestors (rollups) — FOR UPDATE here deadlocked with an edit of the same record.
    list(Organization.objects.select_for_update(no_key=True).filter(pk=chosen_by_org.pk).values_list("pk", flat=True))
    list(ActivityRecord.objects.select_for_update().filter(pk=record.pk).values_list("pk", flat=True))
    taken = MonthlyStar.objects.select_for_update().filter(month=month, chosen_by_org=chosen_by_org)
    if taken.filter(record=record).exists() or MonthlyStar.objects.filter(month=month, record=record).exists():
        raise ValidationError(_("该活动已评为本月特色活动之星"))
    if taken.count() >= settings.MONTHLY_STARS_MAX:
        raise ValidationError(_("每月最多评选{n}个特色活动之星").format(n=settings.MONTHLY_STARS_MAX))
    star = MonthlyStar.objects.create(month=month, record=record, chosen_by_org=chosen_by_org,
                                      citation=(citation or "").strip()[:300], chosen_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=star, after=snapshot(star), request=request)
    return star


@transaction.atomic
def star_remove(*, actor, star, request=None):
    audit_record(actor=actor, action=Action.DELETE, obj=star, before=snapshot(star), request=request)
    star.delete()



# ---- the compliance workbook ----

def compliance_export_start(*, actor, root, period, request=None) -> Job:
    """The export as a background job with progress (a province's lists run to tens of thousands of rows). The job
    row and its audit row are written together; the job starts once they are committed."""
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.JOBS_DIR / f"compliance-{uuid.uuid4().hex}.xlsx"
    with transaction.atomic():
        job = Job.objects.create(kind="compliance_export", title=_("导出组织生活完成情况：{org} {period}").format(
            org=root.name, period=period.label)[:200], created_by=actor, output_file=str(path),
            output_name=f"组织生活完成情况-{root.code}-{period.key}.xlsx", params={"org": root.pk, "period": period.key})
        audit_record(actor=actor, action=Action.EXPORT, obj=root, request=request,
                     note=_("组织生活完成情况导出：{period}").format(period=period.label))
    return jobs.start(job)  # queued once the job and its audit row are committed


def compliance_export_job(job, progress):
    """The export job's work, in a worker, from the job's stored organization and period."""
    from apps.core.periods import parse_period
    from apps.orgs.models import Organization

    root = Organization.objects.get(pk=job.params["org"])
    period = parse_period(job.params["period"])
    # The job opts in (a context variable does not cross threads or processes); its progress writes stay on the
    # primary, and so do its reads of the job row.
    with reading_from_replica():
        excel.compliance_workbook(root, period, target=job.output_file, progress=progress)
    return {"message": _("已导出{org}{period}的组织生活完成情况").format(org=root.name, period=period.label)}


def compliance_export_retry(*, actor, job, request=None) -> Job:
    """重试 a failed compliance export: the same organization and period, on the same job page; audited."""
    from apps.access import policy
    from apps.orgs.models import Organization

    root = policy.get(Organization, actor, job.params.get("org"), policy.RECORD_VIEW)  # still in the actor's scope
    with transaction.atomic():
        if not jobs.reset_failed(job):
            raise ValidationError(_("只有失败的任务可以重试"))
        audit_record(actor=actor, action=Action.EXPORT, obj=root, request=request, note=_("重试后台任务：{title}").format(
            title=job.title)[:250])
    return jobs.start(job)
