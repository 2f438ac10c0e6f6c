"""The scoping registry: how apps plug their models into the access layer."""

import pytest
from django.db.models import Q

from apps.access import policy, scoping
from apps.access.models import Role


def test_a_new_capability_never_goes_to_the_auditor_or_the_system_administrator():
    before = {role: set(caps) for role, caps in policy.ROLE_CAPABILITIES.items()}
    try:
        for role in (Role.AUDITOR, Role.SYSTEM_ADMIN):
            with pytest.raises(ValueError):
                policy.register_capability("probe.do", roles=[role])
        assert policy.ROLE_CAPABILITIES == before
        policy.register_capability("probe.do", roles=[Role.SECRETARY])
        assert "probe.do" in policy.ROLE_CAPABILITIES[Role.SECRETARY]
    finally:
        policy.ROLE_CAPABILITIES.clear()
        policy.ROLE_CAPABILITIES.update(before)


def test_a_model_is_scoped_once_and_an_unscoped_model_is_refused():
    from apps.members.models import Member
    from apps.orgs.models import Cluster

    with pytest.raises(RuntimeError):
        scoping.register(Member, org_path="organization__path", view=policy.MEMBER_VIEW, label="x")
    with pytest.raises(LookupError):
        scoping.scope_of(Cluster)


@pytest.mark.django_db
def test_a_scope_over_the_whole_forest_filters_nothing_even_with_self_service(tree):
    """`Q() | Q(x)` is `Q(x)` in Django: a whole-forest scope must not be narrowed by an added rule."""
    from apps.members.models import Member

    admin = tree.users["district_admin"]
    assert policy.visible_q(Member, admin) == Q()
    assert policy.restrict(Member, admin).count() == Member.objects.count()


@pytest.mark.django_db
def test_children_follow_their_parent(tree):
    from apps.orgs.models import CommitteePost, Organization

    secretary_b = tree.users["secretary_b"]
    visible_orgs = set(policy.restrict(Organization, secretary_b).values_list("pk", flat=True))
    posts = policy.restrict(CommitteePost, secretary_b)
    assert all(post.organization_id in visible_orgs for post in posts)
    assert str(posts.query).count("IN (SELECT") == 1
