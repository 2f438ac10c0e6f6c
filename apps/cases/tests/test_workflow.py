"""The chain 受理 → 派单 → 签收 → 办理 → 办结 → 回访 → 归档 through the services: routing, 首接负责制, 退单 once,
deadlines and extensions, ratings once, 重办, merging, and every refused step."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.cases import services, states
from apps.cases.intake import Intake, case_staff_intake
from apps.cases.models import AssignmentStatus, Case, CaseEvent, EventKind, Status, Triage

pytestmark = pytest.mark.django_db


def kinds(case):
    return list(case.events.order_by("at", "id").values_list("kind", flat=True))


def test_a_web_case_is_routed_to_the_township_of_its_area(cases, submit):
    case, code = submit()
    case.refresh_from_db()
    assert case.number.startswith("QG" + timezone.localdate().strftime("%Y%m%d")) and len(code) == 8
    assert case.status == Status.DISPATCHED and case.lead_unit == cases.town_a and case.triage == Triage.SINGLE
    assert case.owner_unit == cases.district  # the centre received it first (首接) until the township signs
    assert case.accept_on_time is True and case.deadline - case.accepted_at == timedelta(days=7)
    assert case.sign_due - case.dispatched_at == timedelta(hours=2)
    assert kinds(case) == ["submitted", "accepted", "dispatched"]
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), action="submit").exists()
    # Numbers of one day run on.
    second, _ = submit()
    assert int(second.number[-5:]) == int(case.number[-5:]) + 1


def test_category_rules_win_over_area_rules_and_no_rule_goes_to_the_district(cases, submit):
    housing, _ = submit("housing")
    housing.refresh_from_db()
    assert housing.lead_unit == cases.dept
    water, _ = submit("water", area=cases.tree.branch_b)
    water.refresh_from_db()
    assert water.lead_unit == cases.town_b and water.deadline - water.accepted_at == timedelta(hours=24)
    # No rule for the category (the 属地 rule switched off): the district coordinates (兜底).
    from apps.cases.models import RoutingRule

    RoutingRule.objects.filter(service__isnull=True).update(is_active=False)
    orphan, _ = submit("env", area=cases.tree.branch_b)
    orphan.refresh_from_db()
    assert orphan.lead_unit == cases.district and orphan.triage == Triage.DISTRICT


def test_joint_handling_lead_and_assisting_units(cases, submit):
    from apps.cases.models import RoutingRule

    rule = RoutingRule.objects.get(service=cases.services["housing"])
    rule.assisting.add(cases.town_a)
    case, _ = submit("housing")
    case.refresh_from_db()
    assert case.triage == Triage.JOINT
    roles = dict(case.assignments.values_list("unit__name", "role"))
    assert roles == {"区住建委": "lead", "甲镇": "assist"}
    # The assisting unit signs its part and notes progress; only the lead resolves.
    town = cases.users["town_a_admin"]
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED  # the lead has not signed yet
    services.case_note(actor=town, case=case, unit=cases.town_a, text="已派人现场查看", public=True)
    services.case_sign(actor=cases.users["dept_handler"], case=case, unit=cases.dept)
    with pytest.raises(ValidationError, match="只有牵头单位可以办结"):
        services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已处理")
    services.case_resolve(actor=cases.users["dept_handler"], case=case, unit=cases.dept, answer="已鉴定为C级危房并维修")


def test_signing_passes_ownership_and_measures_the_response(cases, submit):
    case, _ = submit()
    later = timezone.now() + timedelta(hours=3)
    services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a, now=later)
    case.refresh_from_db()
    assert case.status == Status.SIGNED and case.owner_unit == cases.town_a
    assert case.sign_on_time is False  # 3 hours > CASE_SIGN_HOURS
    with pytest.raises(ValidationError, match="没有待签收的派单"):
        services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)


def test_a_wrongly_routed_case_is_returned_once_and_redispatched(cases, submit):
    town, dispatcher = cases.users["town_a_admin"], cases.users["dispatcher"]
    case, _ = submit("env", description="区住建委负责的危房鉴定")
    with pytest.raises(ValidationError):
        services.case_return(actor=town, case=case, unit=cases.town_a, reason="  ")
    services.case_return(actor=town, case=case, unit=cases.town_a, reason="属于危房鉴定，应由住建部门办理")
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.lead_unit is None and case.return_count == 1
    assert case.owner_unit == cases.district  # back with the dispatcher, never in limbo
    returned = case.events.get(kind=EventKind.RETURNED)
    assert not returned.is_public and "住建部门" in returned.text
    # Redispatched to the department, which signs.
    services.case_dispatch(actor=dispatcher, case=case, lead=cases.dept)
    services.case_sign(actor=cases.users["dept_handler"], case=case, unit=cases.dept)
    # Dispatched to the township again, it cannot return the case a second time.
    services.case_dispatch(actor=dispatcher, case=case, lead=cases.town_a, note="经核实属地办理")
    with pytest.raises(ValidationError, match="已退回过该诉求一次"):
        services.case_return(actor=town, case=case, unit=cases.town_a, reason="再次退回")
    assert list(case.assignments.values_list("unit__name", "status")) == [
        ("甲镇", "returned"), ("区住建委", "withdrawn"), ("甲镇", "dispatched")]


def test_resolve_rate_archive(cases, submit):
    town = cases.users["town_a_admin"]
    case, _ = submit()
    with pytest.raises(ValidationError, match="签收后才能办结"):
        services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已清运")
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    with pytest.raises(ValidationError, match="请填写答复内容"):
        services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="<b></b>")
    services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="<script>x</script>已协调环卫所清运")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.answer == "x已协调环卫所清运"  # no HTML kept
    assert case.resolved_on_time is True and case.handling_minutes == 0
    with pytest.raises(ValidationError, match="回访后才能归档"):
        services.case_archive(actor=cases.users["dispatcher"], case=case)
    services.case_rate(case=case, rating="basic", solved=True, comment="基本满意")
    case.refresh_from_db()
    assert case.status == Status.VISITED and case.rated_via == "resident"
    with pytest.raises(ValidationError, match="不能重复评价"):
        services.case_rate(case=case, rating="satisfied", solved=True)
    services.case_archive(actor=cases.users["dispatcher"], case=case)
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED
    assert kinds(case) == ["submitted", "accepted", "dispatched", "signed", "resolved", "rated", "archived"]


def test_unrated_cases_are_archived_only_after_the_callback_window(cases, submit):
    town = cases.users["town_a_admin"]
    case, _ = submit()
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已处理")
    with pytest.raises(ValidationError):
        services.case_archive(actor=cases.users["dispatcher"], case=case)
    services.case_archive(actor=cases.users["dispatcher"], case=case, now=timezone.now() + timedelta(days=8))
    assert Case.objects.get(pk=case.pk).status == Status.ARCHIVED


def test_unsatisfied_reopened_with_a_new_deadline(cases, submit):
    town, dispatcher = cases.users["town_a_admin"], cases.users["dispatcher"]
    case, _ = submit()
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已处理")
    with pytest.raises(ValidationError, match="不满意或问题未解决时才能重办"):
        services.case_reopen(actor=dispatcher, case=case, reason="还没评价就重办")
    services.case_rate(case=case, rating="unsatisfied", solved=False, comment="垃圾还在")
    later = timezone.now() + timedelta(days=1)
    services.case_reopen(actor=dispatcher, case=case, reason="群众反映问题未解决", now=later)
    case.refresh_from_db()
    assert case.status == Status.SIGNED and case.reopen_count == 1
    assert case.deadline == later + timedelta(days=7) and case.resolved_at is None
    # The last rating stays, and counts, until the resident rates the new outcome.
    assert case.rating == "unsatisfied" and not states.can_rate(case)
    services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已彻底清理并设置垃圾桶")
    case.refresh_from_db()
    assert states.can_rate(case)
    services.case_rate(case=case, rating="satisfied", solved=True)  # the new outcome is rated again
    case.refresh_from_db()
    assert case.rating == "satisfied" and case.rating_round == 1
    with pytest.raises(ValidationError, match="不能重复评价"):
        services.case_rate(case=case, rating="basic", solved=True)


def test_late_resolution_and_extension_with_approval(cases, submit):
    town, dispatcher = cases.users["town_a_admin"], cases.users["dispatcher"]
    case, _ = submit()
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    case.refresh_from_db()
    too_far = case.deadline + timedelta(days=31)
    with pytest.raises(ValidationError, match="不能超过30天"):
        services.case_request_extension(actor=town, case=case, unit=cases.town_a, until=too_far, reason="需要协调")
    until = case.deadline + timedelta(days=5)
    extension = services.case_request_extension(actor=town, case=case, unit=cases.town_a, until=until, reason="需协调资金")
    with pytest.raises(ValidationError, match="已有一项延期申请待审批"):
        services.case_request_extension(actor=town, case=case, unit=cases.town_a, until=until, reason="再申请")
    assert Case.objects.get(pk=case.pk).deadline < until  # not before approval
    with pytest.raises(ValidationError, match="不批准的理由"):
        services.case_decide_extension(actor=dispatcher, extension=extension, approve=False)
    services.case_decide_extension(actor=dispatcher, extension=extension, approve=True)
    case.refresh_from_db()
    assert case.deadline == until and case.extended
    assert case.events.get(kind=EventKind.EXTENSION_APPROVED).is_public
    services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已处理", now=until + timedelta(hours=1))
    case.refresh_from_db()
    assert case.resolved_on_time is False and case.is_overdue()


def test_merged_duplicates_follow_the_master_and_each_submitter_rates(cases, submit):
    town, dispatcher = cases.users["town_a_admin"], cases.users["dispatcher"]
    first, _ = submit(description="村口路灯坏了")
    second, _ = submit(description="村口路灯不亮")
    services.case_merge(actor=dispatcher, case=second, master=first)
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.master == first and second.lead_unit == cases.town_a
    assert not second.assignments.filter(status=AssignmentStatus.DISPATCHED).exists()
    with pytest.raises(ValidationError):
        services.case_merge(actor=dispatcher, case=first, master=second)
    with pytest.raises(ValidationError, match="诉求办结后才能评价"):
        services.case_rate(case=second, rating="satisfied", solved=True)
    services.case_sign(actor=town, case=first, unit=cases.town_a)
    services.case_resolve(actor=town, case=first, unit=cases.town_a, answer="已更换路灯")
    services.case_rate(case=second, rating="satisfied", solved=True)
    services.case_rate(case=first, rating="basic", solved=True)
    second.refresh_from_db()
    assert second.rating == "satisfied" and second.status == Status.MERGED
    with pytest.raises(ValidationError, match="不能重复评价"):
        services.case_rate(case=second, rating="satisfied", solved=True)


def test_rejection_and_illegal_transitions(cases, submit):
    dispatcher = cases.users["dispatcher"]
    with override_settings(CASE_AUTO_DISPATCH=False):
        case, _ = submit()
    assert case.status == Status.SUBMITTED
    with pytest.raises(ValidationError):
        services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)
    with pytest.raises(ValidationError, match="只有已办结"):
        services.case_reopen(actor=dispatcher, case=case, reason="x")
    services.case_reject(actor=dispatcher, case=case, reason="重复提交的测试信息")
    case.refresh_from_db()
    assert case.status == Status.REJECTED
    with pytest.raises(ValidationError, match="只有待受理"):
        services.case_accept(actor=dispatcher, case=case)
    with pytest.raises(ValidationError):
        services.case_dispatch(actor=dispatcher, case=case, lead=cases.town_a)
    assert CaseEvent.objects.get(case=case, kind="rejected").is_public


def test_manual_acceptance_late_and_dispatch_by_the_dispatcher(cases, submit):
    dispatcher = cases.users["dispatcher"]
    with override_settings(CASE_AUTO_DISPATCH=False):
        case, _ = submit()
    services.case_accept(actor=dispatcher, case=case, urgency="complex", now=timezone.now() + timedelta(hours=3))
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.accept_on_time is False and case.urgency == "complex"
    assert case.deadline - case.accepted_at == timedelta(days=15)
    services.case_dispatch(actor=dispatcher, case=case, lead=cases.town_b, assisting=[cases.dept, cases.town_b])
    case.refresh_from_db()
    assert case.triage == Triage.JOINT and case.assignments.count() == 2


def test_staff_intake_owns_the_case_until_another_unit_signs(cases):
    town = cases.users["town_a_admin"]
    entry = Intake(service=cases.services["housing"], description="村民电话反映房屋开裂", area=cases.tree.branch_a,
                   contact_name="杨学伦", phone="023-72345678")
    case, code = case_staff_intake(actor=town, unit=cases.town_a, channel="phone", intake=entry)
    assert case.channel == "phone" and case.owner_unit == cases.town_a and case.accept_on_time
    assert case.status == Status.DISPATCHED and case.lead_unit == cases.dept  # the housing rule
    services.case_sign(actor=cases.users["dept_handler"], case=case, unit=cases.dept)
    assert Case.objects.get(pk=case.pk).owner_unit == cases.dept
    here, _ = case_staff_intake(actor=town, unit=cases.town_a, channel="visit", handle_here=True,
                                intake=Intake(service=cases.services["env"], description="来访反映垃圾", area=cases.tree.branch_a))
    assert here.status == Status.SIGNED and here.lead_unit == cases.town_a and here.sign_on_time
    with pytest.raises(ValidationError, match="来源渠道"):
        case_staff_intake(actor=town, unit=cases.town_a, channel="web", intake=entry)


def test_every_step_is_audited_in_its_transaction(cases, submit):
    town = cases.users["town_a_admin"]
    case, _ = submit()
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    services.case_note(actor=town, case=case, unit=cases.town_a, text="内部：已联系环卫所", public=False)
    services.case_resolve(actor=town, case=case, unit=cases.town_a, answer="已清运")
    actions = list(AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["submit", "accept", "dispatch", "sign", "update", "resolve"]
    event = AuditEvent.objects.get(object_type="cases.case", object_id=str(case.pk), action="submit")
    assert "13900000" not in str(event.after) and event.after["contact_phone"].startswith("139****")
