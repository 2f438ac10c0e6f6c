"""Every write of 三述一评's reports: a leader's 述职, 述学 and 述廉 with their attachments (from their own account,
`Subject.reporter`), an attachment removed, and the superior's comment (领导点评, BALLOT_MANAGE on the poll) once the
three reports are in — all while the poll is in 述职述学述廉 (states.py, step "report"). The check registered in
services.OPEN_CHECKS keeps the vote from opening until every subject has its three reports and the comment.

Each write locks the poll (so nothing is written while it opens), is atomic and audited in its transaction; files
stored in a transaction that fails, a refusal included, are deleted (evidence.atomic_with_files), and a removed
attachment's file is deleted from storage only once the removal is committed. `actor=None` is the system (the demo
seed)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.core import evidence

from . import services, states
from .models import PollKind, Subject
from .report_models import COMMENT_MAX, REPORT_MAX, LeaderComment, Report, ReportFile, ReportKind
from .scopes import BALLOT_MANAGE

FILES_MAX = 5  # attachments per report
FILE_MAX_MB = 20
FILE_TYPES = evidence.EVIDENCE_TYPES


def _stamp(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(subject):
    """The poll locked (the open waits for this write, and this write for the open), the subject fresh."""
    poll = services.lock_poll(subject.poll)
    subject = Subject.objects.select_related("organization").get(pk=subject.pk)
    subject.poll = poll
    return poll, subject


def _require_reporter(actor, subject):
    if actor is not None and (subject.reporter_id is None or subject.reporter_id != actor.pk):
        raise PermissionDenied(_("只有测评对象本人可以撰写述职述学述廉报告"))


def check_file(upload) -> str:
    return evidence.check_upload(upload, FILE_TYPES, FILE_MAX_MB)


def report_save(*, actor, subject, kind, text, files=(), request=None) -> Report:
    """The leader's report of `kind` (written or rewritten), with new attachments. Only the subject's reporter, only
    in 述职述学述廉; nothing half-saved, files included."""
    with evidence.atomic_with_files() as store:
        return _report_save(actor=actor, subject=subject, kind=kind, text=text, files=files, request=request,
                            store=store)


def _report_save(*, actor, subject, kind, text, files, request, store):
    poll, subject = _locked(subject)
    _require_reporter(actor, subject)
    if poll.kind != PollKind.SANSHU:
        raise ValidationError(_("只有三述一评需要提交述职述学述廉报告"))
    states.check(poll, "report")
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("报告类别不正确")})
    label = ReportKind(kind).label
    text = services.clean_text(text, REPORT_MAX, "text", _("{kind}报告").format(kind=label), required=True,
                               multiline=True)
    files = list(files or [])
    report = Report.objects.select_for_update().filter(subject=subject, kind=kind).first()
    have = report.files.count() if report else 0
    if have + len(files) > FILES_MAX:
        raise ValidationError({"files": _("每份报告最多{n}个附件").format(n=FILES_MAX)})
    types = [check_file(f) for f in files]
    now = timezone.now()
    if report is None:
        report = Report.objects.create(subject=subject, kind=kind, text=text, submitted_at=now, updated_at=now)
        audit_record(actor=actor, action=Action.CREATE, obj=report, after=snapshot(report), request=request)
    else:
        before = snapshot(report)
        report.text, report.updated_at = text, now
        report.save(update_fields=["text", "updated_at"])
        after = snapshot(report)
        if after != before or files:
            audit_record(actor=actor, action=Action.UPDATE, obj=report, before=before, after=after, request=request)
    for upload, content_type in zip(files, types, strict=True):
        item = store(ReportFile.of(upload, content_type, uploaded_by=_stamp(actor), report=report), upload)
        item.save()
        audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
    return report


@transaction.atomic
def report_file_delete(*, actor, item, request=None) -> None:
    """An attachment removed by the reporter while the reports may still change; its file is deleted from storage
    once the removal is committed."""
    item = ReportFile.objects.select_related("report__subject").get(pk=item.pk)
    poll, subject = _locked(item.report.subject)
    _require_reporter(actor, subject)
    states.check(poll, "report")
    audit_record(actor=actor, action=Action.DELETE, obj=item, before=snapshot(item), request=request)
    stored, name = item.file.storage, item.file.name
    item.delete()
    transaction.on_commit(lambda: stored.delete(name))


def missing(subject, kinds=None, commented=None) -> list[str]:
    """What a subject still lacks: the labels of the reports not written, then 领导点评."""
    kinds = set(subject.reports.values_list("kind", flat=True)) if kinds is None else kinds
    commented = LeaderComment.objects.filter(subject=subject).exists() if commented is None else commented
    lacking = [str(k.label) for k in ReportKind if k.value not in kinds]
    if not commented:
        lacking.append(_("领导点评"))
    return lacking


@transaction.atomic
def leader_comment_save(*, actor, subject, text, request=None) -> LeaderComment:
    """The superior's comment on a leader (written or rewritten): BALLOT_MANAGE on the poll, after the three reports,
    while in 述职述学述廉."""
    poll, subject = _locked(subject)
    if actor is not None and not policy.can(actor, BALLOT_MANAGE, poll):
        raise PermissionDenied(_("只有测评的组织单位可以进行领导点评"))
    if actor is not None and services.is_rated(actor, poll):
        raise PermissionDenied(_("您是本次测评的对象，不能管理这次测评"))
    states.check(poll, "report")
    lacking = missing(subject, commented=True)
    if lacking:
        raise ValidationError(_("{name}的{what}报告尚未提交，暂不能点评").format(name=subject.name, what="、".join(lacking)))
    text = services.clean_text(text, COMMENT_MAX, "text", _("点评内容"), required=True, multiline=True)
    comment = LeaderComment.objects.select_for_update().filter(subject=subject).first()
    now = timezone.now()
    if comment is None:
        comment = LeaderComment.objects.create(subject=subject, text=text, by=_stamp(actor), at=now)
        audit_record(actor=actor, action=Action.CREATE, obj=comment, after=snapshot(comment), request=request)
    else:
        before = snapshot(comment)
        comment.text, comment.by, comment.at = text, _stamp(actor), now
        comment.save(update_fields=["text", "by", "at"])
        audit_record(actor=actor, action=Action.UPDATE, obj=comment, before=before, after=snapshot(comment),
                     request=request)
    return comment


def reports_missing(poll) -> str | None:
    """Why a 三述一评 may not open yet (services.OPEN_CHECKS): who lacks which report or the leader's comment."""
    if poll.kind != PollKind.SANSHU:
        return None
    subjects = list(poll.subjects.select_related("leader_comment").prefetch_related("reports"))
    gaps = []
    for s in subjects:
        commented = hasattr(s, "leader_comment")
        lacking = missing(s, kinds={r.kind for r in s.reports.all()}, commented=commented)
        if lacking:
            gaps.append(_("{name}（缺{what}）").format(name=s.name, what="、".join(lacking)))
    if not gaps:
        return None
    return _("述职述学述廉和领导点评尚未完成，不能开始测评：{gaps}").format(gaps="；".join(gaps))


if reports_missing not in services.OPEN_CHECKS:
    services.OPEN_CHECKS.append(reports_missing)
