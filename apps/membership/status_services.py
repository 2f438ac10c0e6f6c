"""Every write of 党籍变动: `status_change_<verb>(*, actor, …)`, atomic, validated with Chinese messages, audited in
the same transaction. The member's status changes only through apps.members.services (which keep the stored counts:
a member who leaves the current statuses leaves their organization's roster and figures)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.dates import add_months
from apps.members import services as member_services
from apps.members.models import Member, MemberCategory, MemberStatus

from . import status_selectors as selectors
from . import status_states as states
from .status_models import ChangeKind, LeaveType, StatusChange


def _today():
    return timezone.localdate()


def _locked_member(member):
    return Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)


def _text(value, limit):
    return " ".join((value or "").split())[:limit]


def check_date(member, effective_on, *, today=None):
    """The change's date: not in the future, not before the member joined, not before their latest change in force."""
    today = today or _today()
    if effective_on is None:
        raise ValidationError({"effective_on": _("请填写生效日期")})
    if effective_on > today:
        raise ValidationError({"effective_on": _("生效日期不能晚于今天")})
    if effective_on < member.joined_on:
        raise ValidationError({"effective_on": _("生效日期不能早于入党日期（{date}）").format(
            date=f"{member.joined_on:%Y-%m-%d}")})
    latest = selectors.latest_in_force(member.pk)
    if latest is not None and effective_on < latest.effective_on:
        raise ValidationError({"effective_on": _("生效日期不能早于上一次党籍变动（{kind}，{date}）").format(
            kind=latest.get_kind_display(), date=f"{latest.effective_on:%Y-%m-%d}")})


def check_lost_long_enough(member, effective_on):
    """停止党籍 of a member out of contact: only once contact has been lost SUSPEND_LOST_CONTACT_MONTHS or more (searched
    for meanwhile). A member in contact may be suspended on other grounds (e.g. years abroad), which the reason says."""
    if member.status != MemberStatus.LOST_CONTACT or effective_on is None:
        return
    lost_on = selectors.lost_since(member.pk)
    if lost_on is None:
        return
    earliest = add_months(lost_on, settings.SUSPEND_LOST_CONTACT_MONTHS)
    if effective_on < earliest:
        raise ValidationError({"effective_on": _(
            "该党员{lost}起失去联系，未满{n}个月：失去联系满{n}个月、经查找仍无联系的，方可停止党籍（最早{date}）").format(
            lost=f"{lost_on:%Y-%m-%d}", n=settings.SUSPEND_LOST_CONTACT_MONTHS, date=f"{earliest:%Y-%m-%d}")})


def check_no_transfer(member):
    """A member whose transfer is in flight belongs to no settled organization: the receiver could accept a member who
    has left or died, and the sender's change would land on a record about to move. Settle the transfer first."""
    transfer = selectors.open_transfer(member.pk)
    if transfer is not None:
        raise ValidationError(_(
            "该党员有正在办理的组织关系转接（{status}，转往{org}）：转接办结前党员所属党组织未定，请待接收方接收，"
            "或退回后由转出方撤回，再办理党籍变动").format(status=transfer.get_status_display(),
                                             org=transfer.to_organization.name))


@transaction.atomic
def status_change_record(*, actor, member, kind, effective_on, reason, approved_by_name, document_number,
                         leave_type="", request=None) -> StatusChange:
    """停止党籍, 恢复党籍, 出党 or 去世: the change recorded and the member's status set, in one transaction."""
    member = _locked_member(member)
    if kind not in ChangeKind.values:
        raise ValidationError({"kind": _("请选择党籍变动类别")})
    states.check(member, kind)
    check_no_transfer(member)
    errors = {}
    reason, body, number = _text(reason, 500), _text(approved_by_name, 120), _text(document_number, 60)
    if not reason:
        errors["reason"] = _("请填写原因")
    if not body:
        errors["approved_by_name"] = _("请填写批准机关")
    if not number:
        errors["document_number"] = _("请填写批准文号")
    if kind == ChangeKind.LEAVE:
        if member.category == MemberCategory.PROBATIONARY:
            raise ValidationError(_("预备党员不办理出党：不具备党员条件的，在发展党员程序第24步取消预备党员资格"))
        if leave_type not in LeaveType.values:
            errors["leave_type"] = _("请选择出党方式")
    else:
        leave_type = ""
    if errors:
        raise ValidationError(errors)
    check_date(member, effective_on)
    if kind == ChangeKind.SUSPEND:
        check_lost_long_enough(member, effective_on)
    change = StatusChange.objects.create(
        member=member, organization=member.organization, kind=kind, leave_type=leave_type,
        from_status=member.status, to_status=states.leads_to(kind), effective_on=effective_on, reason=reason,
        approved_by_name=body, document_number=number, recorded_by=actor)
    member_services.member_update(actor=actor, member=member, data={"status": change.to_status}, request=request)
    audit_record(actor=actor, action=Action.CREATE, obj=change, after=snapshot(change), request=request,
                 note=_("党籍变动：{kind}").format(kind=change.get_kind_display()))
    return change


@transaction.atomic
def status_change_correct(*, actor, change, reason, request=None) -> StatusChange:
    """The district marks a change recorded by mistake as corrected: the record stays (with who corrected it, when
    and why) and the member's status goes back to the one the change replaced. Only the member's latest change in
    force, and only while the member still has the status it led to."""
    change = StatusChange.objects.select_for_update(of=("self",)).get(pk=change.pk)
    member = _locked_member(change.member)
    reason = _text(reason, 200)
    if change.corrected_on is not None:
        raise ValidationError(_("该党籍变动已更正"))
    latest = selectors.latest_in_force(member.pk)
    if latest is None or latest.pk != change.pk:
        raise ValidationError(_("只能更正该党员最近一次党籍变动，请先更正其后的变动"))
    if member.status != change.to_status:
        raise ValidationError(_("党员状态已不是本次变动后的状态，不能更正"))
    check_no_transfer(member)
    if not reason:
        raise ValidationError({"reason": _("请填写更正原因")})
    before = snapshot(change)
    change.corrected_on, change.corrected_by, change.correction_reason = _today(), actor, reason
    change.save(update_fields=["corrected_on", "corrected_by", "correction_reason"])
    member_services.member_update(actor=actor, member=member, data={"status": change.from_status}, request=request)
    audit_record(actor=actor, action=Action.UPDATE, obj=change, before=before, after=snapshot(change),
                 request=request, note=_("更正党籍变动：{kind}").format(kind=change.get_kind_display()))
    return change
