"""党籍变动: the state table (which change from which status), the dates (boundary days), the transfer in flight,
出党's type and probationary members, the member's status and counts set through the registry's services, the audit,
the record kept for good and the district's correction."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.members.models import Member, MemberStatus
from apps.membership import status_services as services
from apps.membership import status_states as states
from apps.membership import transfer_services
from apps.membership.status_models import ChangeKind, LeaveType, StatusChange
from apps.orgs.models import OrgMemberCount
from tests.factories import make_member


def _record(world, member=None, kind=ChangeKind.SUSPEND, on=None, actor=None, **kw):
    data = {"reason": "失去联系满6个月", "approved_by_name": "中共甲镇委员会", "document_number": "甲组〔2025〕3号"}
    data.update(kw)
    return services.status_change_record(actor=actor or world.users["town_a_admin"], member=member or world.member_a,
                                         kind=kind, effective_on=on or timezone.localdate(), **data)


def _status(member):
    return Member.objects.get(pk=member.pk).status


def _count(org):
    row = OrgMemberCount.objects.filter(organization=org).first()
    return row.current if row else 0


def test_the_state_table():
    m = Member(status=MemberStatus.NORMAL)
    assert states.available(m) == {"suspend": True, "restore": False, "leave": True, "death": True}
    m.status = MemberStatus.SUSPENDED
    assert states.available(m) == {"suspend": False, "restore": True, "leave": True, "death": True}
    for final in (MemberStatus.LEFT, MemberStatus.DECEASED, MemberStatus.TRANSFERRED_OUT):
        m.status = final
        assert not any(states.available(m).values())
    m.status = MemberStatus.LOST_CONTACT
    assert states.allows("suspend", m) and not states.allows("restore", m)


def test_suspend_then_restore_sets_status_counts_and_audit(tree):
    before = _count(tree.branch_a)
    change = _record(tree, on=timezone.localdate() - timedelta(days=30))
    assert (change.from_status, change.to_status, _status(tree.member_a)) == ("normal", "suspended", "suspended")
    assert _count(tree.branch_a) == before - 1  # off the roster
    assert change.organization == tree.branch_a
    restored = _record(tree, kind=ChangeKind.RESTORE, reason="主动联系并说明情况")
    assert _status(tree.member_a) == "normal" and _count(tree.branch_a) == before
    assert restored.from_status == "suspended"
    notes = set(AuditEvent.objects.filter(object_type="membership.statuschange").values_list("note", flat=True))
    assert notes == {"党籍变动：停止党籍", "党籍变动：恢复党籍"}
    assert AuditEvent.objects.filter(object_type="members.member", object_id=str(tree.member_a.pk),
                                     action="update").count() == 2
    with pytest.raises(ProtectedError):  # the member row stays while a change names it
        Member.objects.filter(pk=tree.member_a.pk).delete()


def test_restore_only_from_suspended_and_final_statuses(tree):
    with pytest.raises(ValidationError, match="只有已停止党籍的党员可以恢复党籍"):
        _record(tree, kind=ChangeKind.RESTORE)
    _record(tree, kind=ChangeKind.DEATH, reason="病故")
    assert _status(tree.member_a) == "deceased"
    for kind in (ChangeKind.SUSPEND, ChangeKind.RESTORE, ChangeKind.LEAVE, ChangeKind.DEATH):
        with pytest.raises(ValidationError):
            _record(tree, kind=kind, leave_type=LeaveType.QUIT)
    assert StatusChange.objects.count() == 1


def test_leave_needs_its_type_and_not_for_probationary(tree):
    with pytest.raises(ValidationError) as exc:
        _record(tree, kind=ChangeKind.LEAVE, leave_type="")
    assert "leave_type" in exc.value.message_dict
    probationary = make_member(tree.branch_a, "预备", category="probationary", joined_on=date(2025, 1, 10))
    with pytest.raises(ValidationError, match="取消预备党员资格"):
        _record(tree, member=probationary, kind=ChangeKind.LEAVE, leave_type=LeaveType.EXPELLED)
    change = _record(tree, kind=ChangeKind.LEAVE, leave_type=LeaveType.REMOVED_LAPSED)
    assert (change.leave_type, _status(tree.member_a)) == ("removed_lapsed", "left")
    other = _record(tree, member=make_member(tree.branch_a, "王五"), kind=ChangeKind.DEATH,
                    leave_type=LeaveType.QUIT)
    assert other.leave_type == ""  # only 出党 has a type


def test_required_text(tree):
    with pytest.raises(ValidationError) as exc:
        _record(tree, reason=" ", approved_by_name="", document_number="\t")
    assert set(exc.value.message_dict) == {"reason", "approved_by_name", "document_number"}
    assert _status(tree.member_a) == "normal" and not StatusChange.objects.exists()


def test_date_boundaries(tree):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _record(tree, on=today + timedelta(days=1))
    joined = tree.member_a.joined_on
    with pytest.raises(ValidationError, match="不能早于入党日期"):
        _record(tree, on=joined - timedelta(days=1))
    _record(tree, on=joined)  # the day of joining: allowed
    _record(tree, kind=ChangeKind.RESTORE, on=joined)  # the same day as the previous change: allowed
    _record(tree, kind=ChangeKind.DEATH, on=today)  # today: allowed


def test_date_not_before_previous_change_day_before(tree):
    _record(tree, on=date(2024, 5, 10))
    with pytest.raises(ValidationError, match="不能早于上一次党籍变动"):
        _record(tree, kind=ChangeKind.RESTORE, on=date(2024, 5, 9))
    assert _record(tree, kind=ChangeKind.RESTORE, on=date(2024, 5, 11)).effective_on == date(2024, 5, 11)


def test_refused_while_a_transfer_is_in_flight(tree):
    from tests.factories import make_org, refresh

    branch_c = make_org("丙村党支部", "branch", refresh(tree.town_a), code="A0000029", domain="village")
    transfer = transfer_services.transfer_issue(actor=tree.users["secretary_a"], member=tree.member_a,
                                                to_organization=branch_c, reason="工作调动")
    with pytest.raises(ValidationError, match="正在办理的组织关系转接"):
        _record(tree, kind=ChangeKind.DEATH)
    transfer_services.transfer_reject(actor=tree.users["town_a_admin"], transfer=transfer, reason="材料不全")
    with pytest.raises(ValidationError, match="已退回"):  # still open: the sender withdraws first
        _record(tree, kind=ChangeKind.DEATH)
    transfer_services.transfer_withdraw(actor=tree.users["secretary_a"], transfer=transfer)
    assert _record(tree, kind=ChangeKind.DEATH).to_status == "deceased"


def test_correction_by_the_district(tree):
    first = _record(tree, on=date(2024, 3, 1))
    second = _record(tree, kind=ChangeKind.LEAVE, leave_type=LeaveType.EXPELLED, on=date(2024, 4, 1))
    admin = tree.users["district_admin"]
    with pytest.raises(ValidationError, match="最近一次"):
        services.status_change_correct(actor=admin, change=first, reason="录入错误")
    with pytest.raises(ValidationError):
        services.status_change_correct(actor=admin, change=second, reason=" ")
    corrected = services.status_change_correct(actor=admin, change=second, reason="文号对应他人，录入错误")
    assert corrected.is_corrected and _status(tree.member_a) == "suspended"
    assert StatusChange.objects.filter(pk=second.pk).exists()  # kept, marked
    with pytest.raises(ValidationError, match="已更正"):
        services.status_change_correct(actor=admin, change=second, reason="再次")
    # the corrected change no longer bounds the dates: the suspension of 2024-03-01 does
    assert _record(tree, kind=ChangeKind.RESTORE, on=date(2024, 3, 15)).from_status == "suspended"
    assert AuditEvent.objects.filter(object_type="membership.statuschange", note="更正党籍变动：出党").exists()


@pytest.mark.parametrize("on, allowed", [(date(2025, 7, 14), False), (date(2025, 7, 15), True),
                                         (date(2025, 7, 16), True)])
def test_suspending_a_lost_member_after_six_months_of_no_contact(tree, on, allowed):
    """停止党籍 of a 失联 member: not before SUSPEND_LOST_CONTACT_MONTHS (6) from the day contact was lost."""
    from apps.membership import flow_services

    flow_services.lost_contact_open(actor=tree.users["secretary_a"], member=tree.member_a, lost_on=date(2025, 1, 15))
    if allowed:
        change = _record(tree, on=on)
        assert change.from_status == MemberStatus.LOST_CONTACT and _status(tree.member_a) == MemberStatus.SUSPENDED
    else:
        with pytest.raises(ValidationError, match="未满6个月"):
            _record(tree, on=on)
        assert _status(tree.member_a) == MemberStatus.LOST_CONTACT
        assert not StatusChange.objects.filter(member=tree.member_a).exists()
