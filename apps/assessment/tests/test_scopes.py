"""Who sees which group and system (scopes.py), and a group's organizations (selectors.member_q)."""

import pytest
from django.core.exceptions import ValidationError

from apps.access import policy
from apps.access.models import Role
from apps.assessment import selectors, services
from apps.assessment.models import AssessmentGroup, Indicator, IndicatorSystem
from apps.assessment.scopes import applying_group_ids
from apps.orgs.models import Organization
from tests.factories import make_org, make_user, refresh

pytestmark = pytest.mark.django_db


def test_a_group_applies_where_one_of_its_organizations_is(tree, groups):
    assert applying_group_ids([tree.branch_a.path]) == {groups["village"].pk, groups["a"].pk}
    assert applying_group_ids([tree.town_b.path]) == {groups["village"].pk}
    assert applying_group_ids([tree.district.path]) == set()  # the owner itself: the default rule covers it
    assert applying_group_ids([]) == set()


def test_domain_and_kind_rules_combine(tree, admin):
    kinds_only = services.group_create(actor=admin, organization=tree.district, data={"name": "党小组", "kinds": ["group"]})
    both = services.group_create(actor=admin, organization=tree.district,
                                 data={"name": "村党委", "domains": ["village"], "kinds": ["committee"]})
    assert set(selectors.members(kinds_only)) == {tree.group_a}
    assert set(selectors.members(both)) == set()
    village = services.group_create(actor=admin, organization=tree.district, data={"name": "村", "domains": ["village"],
                                                                                    "organizations": [tree.town_a]})
    assert set(selectors.members(village)) == {tree.branch_a, tree.branch_b, tree.town_a}
    assert applying_group_ids([tree.group_a.path]) == {kinds_only.pk}


def test_dissolved_organizations_are_not_assessed(tree, groups):
    Organization.objects.filter(pk=tree.branch_b.pk).update(is_active=False)  # the flag is what counts here
    assert set(selectors.members(groups["village"])) == {tree.branch_a}
    assert applying_group_ids([tree.town_b.path]) == set()


def test_restrict_and_get_follow_the_groups(tree, make_system):
    systems = {g: make_system(group=g) for g in ("a", "village", "organ")}
    secretary_b = tree.users["secretary_b"]
    visible = set(policy.restrict(IndicatorSystem, secretary_b))
    assert visible == {systems["village"]}
    assert set(policy.restrict(AssessmentGroup, secretary_b)) == {systems["village"].group}
    assert set(policy.restrict(Indicator, secretary_b).values_list("system_id", flat=True)) == {systems["village"].pk}
    assert policy.can(secretary_b, policy.ASSESSMENT_VIEW, systems["village"])
    assert not policy.can(secretary_b, policy.ASSESSMENT_VIEW, systems["a"])
    assert not policy.can(secretary_b, policy.ASSESSMENT_MANAGE, systems["village"])
    admin = tree.users["district_admin"]
    assert set(policy.restrict(IndicatorSystem, admin)) == set(systems.values())
    assert all(policy.can(admin, policy.ASSESSMENT_MANAGE, s) for s in systems.values())
    for role in ("member_a", "auditor", "sysadmin"):
        assert not policy.restrict(IndicatorSystem, tree.users[role]).exists()


def test_only_district_administrators_manage(tree):
    assert policy.has_capability(tree.users["district_admin"], policy.ASSESSMENT_MANAGE)
    for role in ("town_a_admin", "secretary_a", "member_a", "auditor", "sysadmin"):
        assert not policy.has_capability(tree.users[role], policy.ASSESSMENT_MANAGE), role
    dispatcher = make_user("dispatcher", Role.CASE_DISPATCHER, tree.district)
    assert policy.has_capability(dispatcher, policy.ASSESSMENT_VIEW)
    assert not policy.has_capability(dispatcher, policy.ASSESSMENT_MANAGE)


def test_group_rules(tree, admin, groups):
    with pytest.raises(ValidationError) as refused:
        services.group_create(actor=admin, organization=tree.district, data={"name": "空"})
    assert "至少用一种方式" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        services.group_create(actor=admin, organization=tree.district, data={"name": "村", "domains": ["village"]})
    assert refused.value.message_dict == {"name": ["已有同名的考核类别"]}
    with pytest.raises(ValidationError):
        services.group_create(actor=admin, organization=tree.district, data={"name": "x", "domains": ["nope"]})
    other_root = refresh(make_org("另一区委", "committee"))
    with pytest.raises(ValidationError) as refused:
        services.group_create(actor=admin, organization=tree.town_a, data={"name": "x", "organizations": [other_root]})
    assert "不在甲镇党委范围内的组织：另一区委" in refused.value.messages[0]
    group = services.group_update(actor=admin, group=groups["a"], data={"name": "甲村", "organizations": [tree.branch_a, tree.group_a]})
    assert set(group.organizations.all()) == {tree.branch_a, tree.group_a}
    from apps.audit.models import AuditEvent

    event = AuditEvent.objects.filter(object_type="assessment.assessmentgroup", action="update").get()
    assert event.before["organizations"] == [tree.branch_a.pk]
    assert event.after["organizations"] == sorted([tree.branch_a.pk, tree.group_a.pk])
