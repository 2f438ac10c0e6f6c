"""Standards and hardship decisions through their services: the amount computed and stored, the refusals (a second
standard on one day, a non-current member, a base for a flat category, nothing saved), who may write, the audit with
the base as a personal field, the standing refreshed; a hardship decision's steps, who may take each (approval only
strictly above the branch), and what is owed changing only once approved."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.access.models import Role
from apps.audit.models import AuditEvent
from apps.dues import standard_services as services
from apps.dues import standing
from apps.dues.models import DuesStandard, DuesStanding, HardshipDecision, HardshipStatus
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db

IN = "in_service"


def _set(tree, actor=None, member=None, **kw):
    values = {"category": IN, "base": D("4200"), "effective_from": date(2026, 1, 1), "note": ""}
    values.update(kw)
    return services.standard_set(actor=actor or tree.users["secretary_a"], member=member or tree.member_a, **values)


def test_standard_set_computes_audits_and_refreshes(tree):
    s = _set(tree)
    assert s.monthly_amount == D("42.00") and s.base == D("4200.00")
    event = AuditEvent.objects.get(object_type="dues.duesstandard", object_id=str(s.pk))
    assert event.action == "create"
    assert "base" in DuesStandard.AUDIT_PERSONAL  # shown to the trail's readers as changed only
    assert DuesStanding.objects.get(member=tree.member_a).due_from == date(2026, 1, 1)
    assert standing.amount_due(tree.member_a, date(2026, 2, 1)) == D("42.00")


def test_flat_category_takes_no_base(tree, settings):
    settings.DUES_FARMER_MONTHLY = "0.50"
    s = _set(tree, category="farmer", base=None)
    assert s.monthly_amount == D("0.50") and s.base is None
    with pytest.raises(ValidationError):
        _set(tree, category="farmer", base=D("100"), effective_from=date(2026, 2, 1))
    assert DuesStandard.objects.count() == 1


@pytest.mark.parametrize("bad", [
    {"base": None}, {"base": D("-1")}, {"base": 4200.0}, {"base": D("1.234")}, {"base": D("NaN")},
    {"base": D("99999999")}, {"category": "rich"}, {"effective_from": date(1999, 12, 31)},
    {"effective_from": date(2999, 1, 1)}, {"effective_from": "2026-01-01"}, {"note": "a\x00b"},
    {"effective_from": date(2008, 6, 30)},  # before the member joined
])
def test_bad_input_refused_nothing_saved(tree, bad):
    with pytest.raises(ValidationError):
        _set(tree, **bad)
    assert not DuesStandard.objects.exists()


def test_second_standard_same_day_refused_in_chinese(tree):
    _set(tree)
    with pytest.raises(ValidationError) as exc:
        _set(tree, base=D("6000"))
    assert "同一天只能有一个标准" in str(exc.value)
    assert DuesStandard.objects.count() == 1


def test_non_current_member_refused(tree):
    gone = make_member(tree.branch_a, "王五", status="dead")
    with pytest.raises(ValidationError):
        _set(tree, member=gone)


@pytest.mark.parametrize("who", ["secretary_b", "member_a", "auditor", "sysadmin"])
def test_who_may_not_set_a_standard(tree, who):
    with pytest.raises(PermissionDenied):
        _set(tree, actor=tree.users[who])
    assert not DuesStandard.objects.exists()


@pytest.mark.parametrize("who", ["secretary_a", "town_a_admin", "district_admin"])
def test_who_may_set_a_standard(tree, who):
    assert _set(tree, actor=tree.users[who]).pk


def test_probationary_member_owes_from_admission_month(tree):
    member = make_member(tree.branch_a, "赵六", category="probationary", joined_on=date(2026, 5, 10))
    services.standard_set(actor=tree.users["secretary_a"], member=member, category=IN, base=D("2000"),
                          effective_from=date(2026, 5, 10), note="")
    assert standing.due_from(member) == date(2026, 5, 1)
    assert standing.amount_due(member, date(2026, 5, 1)) == D("10.00")
    assert standing.amount_due(member, date(2026, 4, 1)) is None


def _apply(tree, actor=None, **kw):
    values = {"first_month": date(2026, 3, 1), "last_month": date(2026, 8, 1), "monthly_amount": D("0"),
              "reason": "因病致贫"}
    values.update(kw)
    return services.hardship_apply(actor=actor or tree.users["secretary_a"], member=tree.member_a, **values)


def test_hardship_steps_and_amount_changes_only_when_approved(tree):
    _set(tree)
    d = _apply(tree, monthly_amount=D("5.00"))
    month = date(2026, 4, 1)
    assert d.status == HardshipStatus.APPLIED
    assert standing.amounts_due([tree.member_a.pk], month) == {tree.member_a.pk: D("42.00")}
    with pytest.raises(ValidationError):  # not before the branch has agreed
        services.hardship_approve(actor=tree.users["town_a_admin"], decision=d)
    services.hardship_agree(actor=tree.users["secretary_a"], decision=d)
    d.refresh_from_db()
    assert d.status == HardshipStatus.AGREED and d.agreed_by == tree.users["secretary_a"]
    assert standing.amounts_due([tree.member_a.pk], month) == {tree.member_a.pk: D("42.00")}
    for who in ("secretary_a", "secretary_b", "member_a", "auditor"):
        with pytest.raises(PermissionDenied):
            services.hardship_approve(actor=tree.users[who], decision=d)
    services.hardship_approve(actor=tree.users["town_a_admin"], decision=d, note="同意")
    d.refresh_from_db()
    assert d.status == HardshipStatus.APPROVED and d.decision_note == "同意"
    assert standing.amounts_due([tree.member_a.pk], month) == {tree.member_a.pk: D("5.00")}
    assert standing.amount_due(tree.member_a, date(2026, 9, 1)) == D("42.00")  # after the decision's last month
    with pytest.raises(ValidationError):
        services.hardship_reject(actor=tree.users["town_a_admin"], decision=d)


def test_waiver_refreshes_standing(tree):
    _set(tree)
    d = _apply(tree, first_month=date(2026, 1, 1), last_month=None)  # from the first month owed
    services.hardship_agree(actor=tree.users["secretary_a"], decision=d)
    services.hardship_approve(actor=tree.users["district_admin"], decision=d)  # the root is above
    assert DuesStanding.objects.get(member=tree.member_a).last_covered == standing.FOREVER


def test_approval_held_on_the_branch_itself_is_not_above(tree):
    branch_admin = make_user("branch_a_admin", Role.ORG_ADMIN, tree.branch_a)
    _set(tree)
    d = _apply(tree)
    services.hardship_agree(actor=branch_admin, decision=d)  # collects on the branch: may agree
    assert not services.approves_above(branch_admin, tree.member_a)
    with pytest.raises(PermissionDenied):
        services.hardship_approve(actor=branch_admin, decision=d)
    assert services.approves_above(tree.users["town_a_admin"], tree.member_a)
    assert services.approves_above(tree.users["district_admin"], tree.member_a)
    assert not services.approves_above(make_user("tb", Role.ORG_ADMIN, tree.town_b), tree.member_a)


def test_member_applies_for_themself_only(tree):
    _set(tree)
    d = _apply(tree, actor=tree.users["member_a"])
    assert d.applied_by == tree.users["member_a"]
    with pytest.raises(PermissionDenied):
        services.hardship_agree(actor=tree.users["member_a"], decision=d)
    with pytest.raises(PermissionDenied):
        services.hardship_apply(actor=tree.users["member_a"], member=tree.member_b, first_month=date(2026, 3, 1),
                                last_month=None, monthly_amount=D(0), reason="x")


def test_branch_rejects_new_application_then_no_step(tree):
    _set(tree)
    d = _apply(tree)
    services.hardship_reject(actor=tree.users["secretary_a"], decision=d, note="不符合条件")
    d.refresh_from_db()
    assert d.status == HardshipStatus.REJECTED
    with pytest.raises(ValidationError):
        services.hardship_agree(actor=tree.users["secretary_a"], decision=d)


@pytest.mark.parametrize("bad", [
    {"monthly_amount": D("42.00")}, {"monthly_amount": D("50")}, {"monthly_amount": D("-1")},
    {"last_month": date(2026, 2, 1)}, {"reason": ""}, {"reason": "x\x00"}, {"first_month": date(1900, 1, 1)},
    {"monthly_amount": 1.5},
])
def test_hardship_bad_input(tree, bad):
    _set(tree)
    with pytest.raises(ValidationError):
        _apply(tree, **bad)
    assert not HardshipDecision.objects.exists()


def test_hardship_needs_a_standard(tree):
    with pytest.raises(ValidationError) as exc:
        _apply(tree)
    assert "尚未核定党费标准" in str(exc.value)
