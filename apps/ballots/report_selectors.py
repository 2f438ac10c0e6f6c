"""Reads of 三述一评's reports for the pages: the subjects a user reports for, one subject as its reporter or a
reader of its poll sees it, and subjects with their reports, attachments and the leader's comment loaded (for
`ballots/reports/summary.html`, which the poll page and the ballot page include)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from apps.access import policy

from .models import PollKind, Subject
from .report_models import Report, ReportKind
from .scopes import BALLOT_MANAGE, BALLOT_VIEW


def with_reports(subjects):
    """A queryset of subjects with their reports (and attachments) and the leader's comment loaded: `subject.reports`
    in the order 述职, 述学, 述廉 through `report_rows`."""
    return subjects.select_related("poll__organization", "organization", "leader_comment__by").prefetch_related(
        Prefetch("reports", queryset=Report.objects.prefetch_related("files")))


def report_rows(subject) -> list[tuple]:
    """(kind, label, report or None) for 述职, 述学, 述廉 of a subject loaded by `with_reports`."""
    by_kind = {r.kind: r for r in subject.reports.all()}
    return [(k.value, k.label, by_kind.get(k.value)) for k in ReportKind]


def leader_comment(subject):
    try:
        return subject.leader_comment
    except Subject.leader_comment.RelatedObjectDoesNotExist:
        return None


def my_subjects(user):
    """The 三述一评 subjects whose reporter is `user` (any role), newest poll first, loaded for their reports."""
    if not getattr(user, "is_authenticated", False):
        return Subject.objects.none()
    return with_reports(Subject.objects.filter(reporter=user, poll__kind=PollKind.SANSHU)).order_by(
        "-poll__year", "-poll_id", "sort_order", "id")


def subject_for(user, pk, *, reporter_only=False, manage=False):
    """One 三述一评 subject, loaded for its reports, as `user` may reach it: its reporter, or (unless `reporter_only`)
    a reader of its poll (BALLOT_VIEW; BALLOT_MANAGE when `manage`). Out of reach is 404; seen but not allowed 403."""
    try:
        subject = with_reports(Subject.objects.filter(poll__kind=PollKind.SANSHU)).get(pk=int(pk))
    except (Subject.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("未找到该测评对象")) from None
    is_reporter = subject.reporter_id is not None and subject.reporter_id == getattr(user, "pk", None)
    sees = is_reporter or policy.can(user, BALLOT_VIEW, subject.poll)
    if not sees:
        raise Http404(_("未找到该测评对象"))
    if reporter_only and not is_reporter:
        raise PermissionDenied(_("只有测评对象本人可以撰写述职述学述廉报告"))
    if manage and not policy.can(user, BALLOT_MANAGE, subject.poll):
        raise PermissionDenied(_("只有测评的组织单位可以进行领导点评"))
    return subject
