"""Honours (示范创建): the campaign with the 1213 quotas as data, who nominates what, the district's decisions through
the state table, the quota, bad input (Chinese messages, nothing half-saved), the audit trail, and the feed of awards
to the bonus indicators (honour_selectors.award_items)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assessment import honour_selectors, honour_services, honour_states
from apps.assessment.honour_models import Nomination, NominationFile, NominationStatus
from apps.audit.models import AuditEvent
from tests.factories import make_member

from .honour_helpers import TODAY, approve, campaign, kind, nominate

pytestmark = pytest.mark.django_db

BRANCH, GROUP, POST, HOUSEHOLD = "五好示范党支部", "攻坚示范党小组", "优秀党员示范岗", "党员示范户"


def _messages(exc):
    return " ".join(exc.value.messages)


def test_campaign_has_the_1213_kinds_and_quotas(tree):
    c = campaign(tree)
    assert c.name == "2026年1213党建引领示范行动"
    assert [(k.name, k.nominee_type, k.quota) for k in c.kinds.all()] == [
        (BRANCH, "organization", 10), (GROUP, "organization", 20), (POST, "member", 100), (HOUSEHOLD, "member", 300)]
    assert AuditEvent.objects.filter(object_type="assessment.honourcampaign", action="create").count() == 1
    with pytest.raises(ValidationError, match="同名"):
        campaign(tree)


def test_only_the_district_sets_a_campaign_up(tree):
    with pytest.raises(PermissionDenied):
        honour_services.campaign_create(actor=tree.users["town_a_admin"], organization=tree.town_a, data={"year": 2026})
    with pytest.raises(ValidationError, match="年度"):
        honour_services.campaign_create(actor=tree.users["district_admin"], organization=tree.district, data={"year": 1900})


def test_secretaries_nominate_within_their_subtree(tree):
    c = campaign(tree)
    n = nominate(tree, c, BRANCH, org=tree.branch_a, by=tree.branch_a, actor="secretary_a")
    assert (n.status, n.organization, n.nominated_by_org) == (NominationStatus.NOMINATED, tree.branch_a, tree.branch_a)
    # the township nominates its branch's member; the credit goes to the member's organization
    m = nominate(tree, c, POST, member=tree.member_a, by=tree.town_a, actor="town_a_admin")
    assert m.organization == tree.branch_a
    # a 党小组 is credited to its branch
    g = nominate(tree, c, GROUP, org=tree.group_a, by=tree.branch_a, actor="secretary_a")
    assert (g.nominee_org, g.organization) == (tree.group_a, tree.branch_a)
    with pytest.raises(PermissionDenied):  # not their organization
        nominate(tree, c, BRANCH, org=tree.branch_b, by=tree.branch_b, actor="secretary_a")
    with pytest.raises(ValidationError, match="推荐单位的范围内"):
        nominate(tree, c, BRANCH, org=tree.branch_b, by=tree.branch_a, actor="secretary_a")
    with pytest.raises(ValidationError, match="推荐单位的范围内"):
        nominate(tree, c, HOUSEHOLD, member=tree.member_b, by=tree.branch_a, actor="secretary_a")
    with pytest.raises(PermissionDenied):  # a member keeps no organization's work
        nominate(tree, c, BRANCH, org=tree.branch_a, by=tree.branch_a, actor="member_a")


def test_nominee_must_fit_the_kind_once(tree):
    c = campaign(tree)
    with pytest.raises(ValidationError, match="只能推荐：党小组"):
        nominate(tree, c, GROUP, org=tree.branch_a)
    with pytest.raises(ValidationError, match="只能推荐"):
        nominate(tree, c, BRANCH, org=tree.group_a)
    with pytest.raises(ValidationError, match="请填写被推荐的党员"):
        nominate(tree, c, POST, org=tree.branch_a)
    with pytest.raises(ValidationError, match="请选择被推荐的组织"):
        nominate(tree, c, BRANCH, member=tree.member_a)
    gone = make_member(tree.branch_a, "王五", status="transferred_out")
    with pytest.raises(ValidationError, match="不在册"):
        nominate(tree, c, POST, member=gone)
    nominate(tree, c, BRANCH, org=tree.branch_a)
    with pytest.raises(ValidationError, match="不能重复推荐"):
        nominate(tree, c, BRANCH, org=tree.branch_a)
    nominate(tree, c, POST, member=tree.member_a)
    with pytest.raises(ValidationError, match="不能重复推荐"):
        nominate(tree, c, POST, member=tree.member_a)
    nominate(tree, c, HOUSEHOLD, member=tree.member_a)  # another kind: allowed


@pytest.mark.parametrize("reasons, message", [("", "请填写推荐理由"), ("好\x00", "不允许的字符"), ("好" * 2001, "不能超过2000")])
def test_bad_reasons_are_refused_and_nothing_saved(tree, reasons, message):
    c = campaign(tree)
    with pytest.raises(ValidationError, match=message):
        nominate(tree, c, BRANCH, org=tree.branch_a, reasons=reasons)
    assert not Nomination.objects.exists()


def test_evidence_files_checked_and_kept(tree):
    c = campaign(tree)
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="不符"):
        honour_services.nomination_create(actor=tree.users["district_admin"], kind=kind(c, BRANCH),
                                          nominated_by_org=tree.district, nominee_org=tree.branch_a, reasons="好",
                                          files=[bad])
    assert not Nomination.objects.exists() and not NominationFile.objects.exists()
    good = SimpleUploadedFile("事迹.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    n = honour_services.nomination_create(actor=tree.users["district_admin"], kind=kind(c, BRANCH),
                                          nominated_by_org=tree.district, nominee_org=tree.branch_a, reasons="好",
                                          files=[good])
    f = n.files.get()
    assert (f.name, f.content_type, f.file.read()) == ("事迹.pdf", "application/pdf", b"%PDF-1.4 ...")


def test_decisions_follow_the_state_table(tree):
    c = campaign(tree)
    n = nominate(tree, c, BRANCH, org=tree.branch_a)
    with pytest.raises(ValidationError, match="只有已审核通过的示范可以撤销"):
        honour_services.nomination_revoke(actor=tree.users["district_admin"], nomination=n, note="x")
    with pytest.raises(PermissionDenied):  # the township does not approve
        approve(tree, n, actor="town_a_admin")
    n = approve(tree, n, number="1213-001")
    assert (n.status, n.awarded_on, n.certificate_no) == (NominationStatus.APPROVED, date(2026, 6, 1), "1213-001")
    assert n.may == {"approve": False, "reject": False, "revoke": True}
    with pytest.raises(ValidationError, match="只有待审核的推荐可以审核通过"):
        approve(tree, n)
    with pytest.raises(ValidationError, match="请填写审核意见"):
        honour_services.nomination_revoke(actor=tree.users["district_admin"], nomination=n, note=" ")
    n = honour_services.nomination_revoke(actor=tree.users["district_admin"], nomination=n, note="查实存在问题")
    assert (n.status, n.decision_note) == (NominationStatus.REVOKED, "查实存在问题")
    r = nominate(tree, c, BRANCH, org=tree.branch_b)
    r = honour_services.nomination_reject(actor=tree.users["district_admin"], nomination=r, note="材料不全")
    assert r.status == NominationStatus.REJECTED and r.state.label == "未通过"
    # a rejected or revoked nominee may be nominated again
    nominate(tree, c, BRANCH, org=tree.branch_b)
    notes = list(AuditEvent.objects.filter(object_type="assessment.nomination", action="update").order_by("id").values_list("note", flat=True))
    assert notes == ["审核通过", "撤销", "不予通过"]


def test_award_date_and_certificate_number(tree):
    c = campaign(tree)
    a = nominate(tree, c, BRANCH, org=tree.branch_a)
    b = nominate(tree, c, BRANCH, org=tree.branch_b)
    for bad in (date(2025, 12, 31), date(2028, 1, 1), date(2026, 7, 1)):  # before the year, after the next, future
        with pytest.raises(ValidationError, match="授予日期"):
            approve(tree, a, on=bad)
    approve(tree, a, number="NO-1")
    with pytest.raises(ValidationError, match="该编号已用于"):
        approve(tree, b, number="NO-1")
    assert Nomination.objects.get(pk=b.pk).status == NominationStatus.NOMINATED  # nothing half-saved


def test_the_quota_is_kept_and_a_revocation_frees_a_place(tree):
    c = campaign(tree)
    branch = kind(c, BRANCH)
    honour_services.kind_set_quota(actor=tree.users["district_admin"], kind=branch, quota=1)
    a = approve(tree, nominate(tree, c, BRANCH, org=tree.branch_a))
    b = nominate(tree, c, BRANCH, org=tree.branch_b)
    with pytest.raises(ValidationError, match="名额已满（1个）"):
        approve(tree, b)
    with pytest.raises(ValidationError, match="名额不能少于1"):
        honour_services.kind_set_quota(actor=tree.users["district_admin"], kind=branch, quota=0)
    with pytest.raises(PermissionDenied):
        honour_services.kind_set_quota(actor=tree.users["town_a_admin"], kind=branch, quota=5)
    honour_services.nomination_revoke(actor=tree.users["district_admin"], nomination=a, note="撤销")
    assert approve(tree, b).status == NominationStatus.APPROVED
    counts = {k.name: (k.quota, k.awarded, k.pending, k.left) for k in honour_selectors.kinds_with_counts(c)}
    assert counts[BRANCH] == (1, 1, 0, 0) and counts[POST] == (100, 0, 0, 100)


def test_award_items_feed(tree):
    c = campaign(tree)
    a = approve(tree, nominate(tree, c, BRANCH, org=tree.branch_a), on=date(2026, 3, 5), number="P-7")
    g = approve(tree, nominate(tree, c, GROUP, org=tree.group_a), on=date(2026, 4, 1))
    m = approve(tree, nominate(tree, c, POST, member=tree.member_a), on=date(2026, 6, 1))
    late = approve(tree, nominate(tree, c, HOUSEHOLD, member=tree.member_a), on=date(2026, 6, 30))  # outside the range
    revoked = approve(tree, nominate(tree, c, BRANCH, org=tree.branch_b), on=date(2026, 3, 1))
    honour_services.nomination_revoke(actor=tree.users["district_admin"], nomination=revoked, note="撤销")
    nominate(tree, c, HOUSEHOLD, member=tree.member_b)  # pending: never credited
    items = honour_selectors.award_items([tree.branch_a.pk, tree.branch_b.pk, tree.town_a.pk], date(2026, 1, 1), date(2026, 6, 29))
    assert set(items) == {tree.branch_a.pk}
    rows = items[tree.branch_a.pk]
    assert [r["ref"] for r in rows] == [f"honour:{a.pk}", f"honour:{g.pk}", f"honour:{m.pk}"]
    assert rows[0] == {"ref": f"honour:{a.pk}", "what": "甲村党支部获评五好示范党支部（2026年1213党建引领示范行动）",
                       "happened_on": date(2026, 3, 5), "note": "证书（牌匾）编号：P-7",
                       "url": f"/assessment/honours/nominations/{a.pk}/"}
    assert rows[1]["what"].startswith("甲村第一党小组获评攻坚示范党小组") and rows[2]["what"].startswith("张三获评优秀党员示范岗")
    assert all(set(r) == {"ref", "what", "happened_on", "note", "url"} for r in rows)
    assert f"honour:{late.pk}" in [r["ref"] for r in honour_selectors.award_items([tree.branch_a.pk], TODAY, TODAY)[tree.branch_a.pk]]
    assert honour_selectors.award_items([], date(2026, 1, 1), date(2026, 12, 31)) == {}


def test_award_items_is_one_query(tree, django_assert_num_queries):
    c = campaign(tree)
    approve(tree, nominate(tree, c, BRANCH, org=tree.branch_a))
    approve(tree, nominate(tree, c, POST, member=tree.member_b))
    with django_assert_num_queries(1):
        items = honour_selectors.award_items([tree.branch_a.pk, tree.branch_b.pk], date(2026, 1, 1), date(2026, 12, 31))
    assert set(items) == {tree.branch_a.pk, tree.branch_b.pk}


def test_state_table_is_complete():
    assert set(honour_states.STATES) == set(NominationStatus)
    for step in honour_states.STEPS.values():
        assert step.leads_to in NominationStatus.values and set(step.allowed_from) <= set(NominationStatus.values)
