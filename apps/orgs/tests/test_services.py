from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEvent
from apps.orgs import selectors, services
from apps.orgs.models import CommitteePost, Organization
from tests.factories import make_member, refresh


def _data(**kw):
    base = {"name": "新支部", "kind": "branch", "domain": "organ", "code": ""}
    base.update(kw)
    return base


@pytest.mark.django_db
class TestPlacement:
    def test_group_only_under_a_branch(self, tree):
        user = tree.users["district_admin"]
        with pytest.raises(ValidationError) as exc:
            services.org_create(actor=user, parent=tree.town_a, data=_data(name="错误小组", kind="group"))
        assert "党小组只能设在党支部" in str(exc.value)
        group = services.org_create(actor=user, parent=tree.branch_a, data=_data(name="第二党小组", kind="group"))
        assert group.depth == tree.branch_a.depth + 1

    def test_nothing_under_a_group_and_only_groups_under_a_branch(self, tree):
        user = tree.users["district_admin"]
        with pytest.raises(ValidationError):
            services.org_create(actor=user, parent=tree.group_a, data=_data(kind="group"))
        with pytest.raises(ValidationError) as exc:
            services.org_create(actor=user, parent=tree.branch_a, data=_data(kind="branch"))
        assert "党支部之下只能设党小组" in str(exc.value)

    def test_root_must_be_a_committee(self, db):
        with pytest.raises(ValidationError):
            services.org_create(actor=None, parent=None, data=_data(kind="branch"))

    def test_create_assigns_code_and_term_end_and_audits(self, tree):
        user = tree.users["district_admin"]
        org = services.org_create(actor=user, parent=tree.town_a,
                                  data=_data(name="丙村党支部", term_started_on=date(2024, 3, 1)))
        assert org.code.startswith("O")
        assert org.term_ends_on == date(2027, 3, 1)  # 党支部: 3 years
        event = AuditEvent.objects.get(action="create", object_type="orgs.organization", object_id=str(org.pk))
        assert event.after["name"] == "丙村党支部"
        assert event.org_path == org.path

    def test_village_and_community_terms_are_five_years(self, tree):
        org = services.org_create(actor=None, parent=tree.town_a,
                                  data=_data(name="丁村党支部", domain="village", term_started_on=date(2024, 3, 1)))
        assert org.term_ends_on == date(2029, 3, 1)

    def test_duplicate_code_is_refused(self, tree):
        with pytest.raises(ValidationError) as exc:
            services.org_create(actor=None, parent=tree.town_a, data=_data(code=tree.branch_b.code))
        assert "组织编码已存在" in str(exc.value)

    def test_covered_units_only_for_joint_branches(self, tree):
        with pytest.raises(ValidationError):
            services.org_create(actor=None, parent=tree.town_a, data=_data(covered_units="甲公司"))
        joint = services.org_create(actor=None, parent=tree.town_a,
                                    data=_data(kind="joint_branch", covered_units="甲公司\n乙公司\n"))
        assert joint.covered_unit_list == ["甲公司", "乙公司"]


@pytest.mark.django_db
class TestMove:
    def test_move_subtree_keeps_descendants_and_members(self, tree):
        user = tree.users["district_admin"]
        moved = services.org_move(actor=user, org=tree.branch_a, new_parent=tree.town_b)
        assert moved.path.startswith(refresh(tree.town_b).path)
        group = refresh(tree.group_a)
        assert group.path.startswith(moved.path)
        assert selectors.subtree_counts(refresh(tree.town_b))["members"] == 2
        assert selectors.subtree_counts(refresh(tree.town_a))["members"] == 0
        event = AuditEvent.objects.get(action="move", object_id=str(tree.branch_a.pk))
        assert event.before["parent"] == tree.town_a.pk and event.after["parent"] == tree.town_b.pk

    def test_no_cycles(self, tree):
        with pytest.raises(ValidationError) as exc:
            services.org_move(actor=None, org=tree.town_a, new_parent=refresh(tree.branch_a))
        assert "下级组织" in str(exc.value)
        with pytest.raises(ValidationError):
            services.org_move(actor=None, org=tree.town_a, new_parent=tree.town_a)

    def test_branch_cannot_move_under_a_branch(self, tree):
        with pytest.raises(ValidationError):
            services.org_move(actor=None, org=tree.branch_a, new_parent=tree.branch_b)


@pytest.mark.django_db
class TestDissolve:
    def test_dissolve_needs_empty_org_then_keeps_it_dated(self, tree):
        user = tree.users["district_admin"]
        with pytest.raises(ValidationError) as exc:
            services.org_dissolve(actor=user, org=tree.town_b, dissolved_on=date.today(), reason="合并")
        assert "下级组织" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            services.org_dissolve(actor=user, org=tree.branch_b, dissolved_on=date.today(), reason="合并")
        assert "党员" in str(exc.value)
        empty = services.org_create(actor=user, parent=tree.town_b, data=_data(name="待撤销支部"))
        services.org_dissolve(actor=user, org=empty, dissolved_on=date.today(), reason="单位注销")
        empty = refresh(empty)
        assert not empty.is_active and empty.dissolved_on == date.today() and empty.dissolve_reason == "单位注销"
        assert Organization.objects.filter(pk=empty.pk).exists()
        children = [c.pk for c in selectors.children_with_counts(refresh(tree.town_b))]
        assert empty.pk not in children
        assert AuditEvent.objects.filter(action="dissolve", object_id=str(empty.pk)).exists()

    def test_dissolve_requires_reason(self, tree):
        empty = services.org_create(actor=None, parent=tree.town_b, data=_data(name="待撤销支部"))
        with pytest.raises(ValidationError):
            services.org_dissolve(actor=None, org=empty, dissolved_on=date.today(), reason="  ")


@pytest.mark.django_db
class TestCommittee:
    def test_one_current_secretary(self, tree):
        post = services.committee_post_create(actor=None, org=tree.branch_a, member=tree.member_a, post="secretary",
                                              term_start=date(2023, 1, 1))
        other = make_member(tree.branch_a, "王五", seq=21)
        with pytest.raises(ValidationError):
            services.committee_post_create(actor=None, org=tree.branch_a, member=other, post="secretary", term_start=date(2023, 1, 1))
        services.committee_post_end(actor=None, post=post, term_end=date.today())
        services.committee_post_create(actor=None, org=tree.branch_a, member=other, post="secretary", term_start=date.today())
        assert CommitteePost.objects.filter(organization=tree.branch_a, is_current=True).count() == 1

    def test_member_of_another_subtree_cannot_hold_a_post(self, tree):
        with pytest.raises(ValidationError):
            services.committee_post_create(actor=None, org=tree.branch_a, member=tree.member_b, post="secretary",
                                           term_start=date(2023, 1, 1))


@pytest.mark.django_db
class TestWarnings:
    def test_small_branch_and_missing_secretary(self, tree):
        warnings = selectors.org_stats(tree.branch_a).warnings
        assert any("不足3名" in w for w in warnings)
        assert "未配备书记" in warnings

    def test_large_branch_without_committee(self, tree):
        for i in range(8):
            make_member(tree.branch_b, f"成员{i}", seq=100 + i)
        warnings = selectors.org_stats(tree.branch_b).warnings
        assert any("应设立支部委员会" in w for w in warnings)
        assert not any("不足3名" in w for w in warnings)

    def test_more_than_fifty_members(self, tree, settings):
        settings.BRANCH_MAX_MEMBERS = 3
        for i in range(3):
            make_member(tree.branch_b, f"成员{i}", seq=200 + i)
        assert any("超过3名" in w for w in selectors.org_stats(tree.branch_b).warnings)

    def test_term_reminders_within_six_months_or_overdue(self, tree):
        today = date.today()
        services.org_update(actor=None, org=tree.branch_a, data={"term_started_on": today - timedelta(days=5 * 365 - 30)})
        services.org_update(actor=None, org=tree.branch_b, data={"term_started_on": today - timedelta(days=5 * 365 + 30)})
        services.org_update(actor=None, org=tree.town_a, data={"term_started_on": today - timedelta(days=100)})
        due = list(selectors.term_reminders(Organization.objects.all(), today=today))
        assert [o.pk for o in due] == [tree.branch_b.pk, tree.branch_a.pk]
        assert any("已于" in w for w in selectors.org_stats(refresh(tree.branch_b)).warnings)

    def test_subtree_stats_match_single_stats(self, tree):
        stats = selectors.stats_for_subtree(tree.district)
        for org in Organization.objects.all():
            assert stats[org.pk].warnings == selectors.org_stats(org).warnings
        assert stats[tree.district.pk].subtree_total == 2


@pytest.mark.django_db
class TestTermAdjustment:
    def test_approved_postponement_moves_the_end_within_a_year(self, tree):
        org = services.org_update(actor=None, org=tree.branch_a, data={"term_started_on": date(2021, 6, 1)})
        assert org.term_ends_on == date(2026, 6, 1)  # village branch: 5 years
        with pytest.raises(ValidationError) as exc:
            services.org_update(actor=None, org=org, data={"term_adjusted_to": date(2026, 12, 1)})
        assert "term_adjust_reason" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.org_update(actor=None, org=org, data={"term_adjusted_to": date(2027, 7, 1), "term_adjust_reason": "灾后重建"})
        assert "不超过12个月" in exc.value.message_dict["term_adjusted_to"][0]
        org = services.org_update(actor=None, org=org, data={"term_adjusted_to": date(2027, 5, 1),
                                                             "term_adjust_reason": "经乡镇党委批准延期"})
        assert org.term_ends_on == date(2027, 5, 1)
        assert org.pk not in [o.pk for o in selectors.term_reminders(Organization.objects.all(), today=date(2026, 6, 2))]

    def test_adjustment_needs_an_election_date(self, tree):
        with pytest.raises(ValidationError):
            services.org_update(actor=None, org=tree.branch_b, data={"term_adjusted_to": date(2027, 1, 1), "term_adjust_reason": "x"})
