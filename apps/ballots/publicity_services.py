"""公示 and after: publishing the counted results for PUBLICITY_WORKING_DAYS working days, objections raised meanwhile
(anyone, no account) and their answers, and the archive when the period has ended (the worker's periodic job)."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core import workdays

from . import states
from .models import (
    Objection,
    Poll,
    PollStatus,
)
from .services import NOTE_MAX, _stamp, clean_text, lock_poll
from .services import require_manage as _require_manage


@transaction.atomic
def poll_publish(*, actor, poll, note="", request=None) -> Poll:
    """公示 on the public page for PUBLICITY_WORKING_DAYS working days from tomorrow (a setting; the district's
    holidays are settings too)."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    before = snapshot(poll)
    states.enter(poll, "publish")
    poll.result_note = clean_text(note, NOTE_MAX, "note", _("公示说明"), multiline=True)
    poll.published_at = timezone.now()
    poll.publish_until = workdays.add_working_days(timezone.localdate(), settings.PUBLICITY_WORKING_DAYS)
    poll.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, before=before, after=snapshot(poll), request=request,
                 note="publish")
    return poll


@transaction.atomic
def objection_submit(*, poll, text, subject=None, contact="", request=None) -> Objection:
    """An objection during the 公示 (anyone, no account): recorded; the poll's managers answer it."""
    poll = Poll.objects.select_for_update(no_key=True).get(pk=poll.pk)
    states.check(poll, "object")
    if poll.publish_until and timezone.localdate() > poll.publish_until:
        raise ValidationError(_("公示期已结束，不能再提出异议"))
    text = clean_text(text, NOTE_MAX, "text", _("异议内容"), required=True, multiline=True)
    contact = clean_text(contact, 60, "contact", _("联系方式"))
    if subject is not None and subject.poll_id != poll.pk:
        raise ValidationError({"subject": _("测评对象不属于该测评")})
    objection = Objection.objects.create(poll=poll, subject=subject, text=text, contact=contact,
                                         submitted_at=timezone.now())
    audit_record(actor=None, action=Action.CREATE, obj=objection, after=snapshot(objection), request=request)
    return objection


@transaction.atomic
def objection_answer(*, actor, objection, answer, request=None) -> Objection:
    objection = Objection.objects.select_for_update().select_related("poll__organization").get(pk=objection.pk)
    _require_manage(actor, objection.poll)
    before = snapshot(objection)
    objection.answer = clean_text(answer, NOTE_MAX, "answer", _("处理意见"), required=True, multiline=True)
    objection.answered_at, objection.answered_by = timezone.now(), _stamp(actor)
    objection.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_record(actor=actor, action=Action.UPDATE, obj=objection, before=before, after=snapshot(objection),
                 request=request)
    return objection


@transaction.atomic
def poll_archive(*, actor, poll, request=None) -> Poll:
    poll = lock_poll(poll)
    if actor is not None:
        _require_manage(actor, poll)
    before = snapshot(poll)
    states.enter(poll, "archive")
    poll.archived_at = timezone.now()
    poll.save(update_fields=["status", "archived_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, before=before, after=snapshot(poll), request=request,
                 note="archive")
    return poll


def archive_due(today=None) -> int:
    """Archive every 公示 whose period has ended (the worker's periodic job): how many."""
    today = today or timezone.localdate()
    done = 0
    for poll in Poll.objects.filter(status=PollStatus.PUBLISHED, publish_until__lt=today):
        poll_archive(actor=None, poll=poll)
        done += 1
    return done
