"""Every write of 党纪处分 from its pages: `discipline_record_<verb>(*, actor, …)`, atomic, validated with Chinese
messages, audited in the same transaction.

The table and its first service (`discipline_record_create`, used by the seed and the admission tests) live with
admission, whose step 9 refuses an introducer under 留党察看 (admission_services.under_probation); it is re-exported
here unchanged. The pages record through `discipline_record_register`, which also takes the approving body, the 文号
and the reason and checks the dates: not in the future, not before the member joined, the end not before the start,
and no two 留党察看 of one member in force on the same day (a 处分 is in force on its start and end days)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.text import normalize_text
from apps.members.models import Member

from .admission_models import DisciplineKind, DisciplineRecord
from .admission_services import discipline_record_create

__all__ = ["check_dates", "discipline_record_create", "discipline_record_end", "discipline_record_register"]


def _today():
    return timezone.localdate()


def _text(value, limit):
    return normalize_text(value)[:limit]


def _fmt(day):
    return f"{day:%Y-%m-%d}"


def check_dates(member, starts_on, ends_on, *, today=None):
    """The 处分's dates: both not after today, the start not before the member joined, the end not before the start."""
    today = today or _today()
    errors = {}
    if starts_on is None:
        errors["starts_on"] = _("请填写处分起始日期")
    elif starts_on > today:
        errors["starts_on"] = _("起始日期不能晚于今天")
    elif member.joined_on and starts_on < member.joined_on:
        errors["starts_on"] = _("起始日期不能早于入党日期（{date}）").format(date=_fmt(member.joined_on))
    if ends_on is not None:
        if ends_on > today:
            errors["ends_on"] = _("截止日期不能晚于今天：处分期满或撤销后再登记结束")
        elif starts_on is not None and ends_on < starts_on:
            errors["ends_on"] = _("截止日期不能早于起始日期（{date}）").format(date=_fmt(starts_on))
    if errors:
        raise ValidationError(errors)


def _check_no_overlap(member_id, starts_on, ends_on, *, exclude=None):
    """No two 留党察看 of one member in force on a common day (an open one runs until it is ended)."""
    q = Q(member_id=member_id, kind=DisciplineKind.PROBATION) & (Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        q &= Q(starts_on__lte=ends_on)
    other = DisciplineRecord.objects.filter(q).exclude(pk=exclude).order_by("starts_on").first()
    if other is not None:
        until = _fmt(other.ends_on) if other.ends_on else _("至今")
        raise ValidationError({"starts_on": _("该党员已有{start}至{end}的留党察看处分，期间不能重叠").format(
            start=_fmt(other.starts_on), end=until)})


@transaction.atomic
def discipline_record_register(*, actor, member, kind, starts_on, reason, approved_by_name, document_number,
                               ends_on=None, request=None) -> DisciplineRecord:
    """Record a 党纪处分 of a member (in force from `starts_on`; `ends_on` when it is already over)."""
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    errors = {}
    if kind not in DisciplineKind.values:
        errors["kind"] = _("请选择处分类别")
    reason, body, number = _text(reason, 500), _text(approved_by_name, 120), _text(document_number, 60)
    if not reason:
        errors["reason"] = _("请填写处分事由")
    if not body:
        errors["approved_by_name"] = _("请填写批准机关")
    if not number:
        errors["document_number"] = _("请填写处分文号")
    if errors:
        raise ValidationError(errors)
    check_dates(member, starts_on, ends_on)
    if kind == DisciplineKind.PROBATION:
        _check_no_overlap(member.pk, starts_on, ends_on)
    row = DisciplineRecord.objects.create(member=member, kind=kind, starts_on=starts_on, ends_on=ends_on,
                                          reason=reason, approved_by_name=body, document_number=number)
    audit_record(actor=actor, action=Action.CREATE, obj=row, after=snapshot(row), request=request,
                 note=_("党纪处分：{kind}").format(kind=row.get_kind_display()))
    return row


@transaction.atomic
def discipline_record_end(*, actor, record, ends_on, request=None) -> DisciplineRecord:
    """A 处分 in force ends (期满 or 撤销): its last day in force is `ends_on`."""
    record = DisciplineRecord.objects.select_for_update(of=("self",)).select_related("member").get(pk=record.pk)
    if record.ends_on is not None:
        raise ValidationError(_("该处分已于{date}结束").format(date=_fmt(record.ends_on)))
    if ends_on is None:
        raise ValidationError({"ends_on": _("请填写截止日期")})
    check_dates(record.member, record.starts_on, ends_on)
    before = snapshot(record)
    record.ends_on = ends_on
    record.save(update_fields=["ends_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=record, before=before, after=snapshot(record),
                 request=request, note=_("党纪处分结束：{kind}").format(kind=record.get_kind_display()))
    return record
