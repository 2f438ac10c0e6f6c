"""Shared set-up of the cross-assessment tests: a 村 system whose 民主测评 (manual, 2.5 points) is scored by
cross-assessment (weight 100, or 1+N with a lower weight), a third township with its village, a round of it and a
group of the three townships."""

from apps.access.models import Role
from apps.assessment import cross_services, services
from apps.assessment.models import Indicator
from tests.factories import make_org, make_user, refresh

from .round_helpers import make_round


def cross_system(make_system, admin, weight=100, group="village"):
    system = make_system(group=group)
    leaf = Indicator.objects.get(system=system, name="民主测评")
    services.indicator_update(actor=admin, indicator=leaf, data={"cross_weight": weight})
    return services.system_publish(actor=admin, system=system)


def town_c(tree):
    """丙镇 with 丙村 (a village: assessed by the 村 group) and its administrator."""
    town = make_org("丙镇党委", "committee", refresh(tree.district), code="C0000001")
    village = make_org("丙村党支部", "branch", refresh(town), code="C0000002", domain="village")
    user = make_user("town_c_admin", Role.ORG_ADMIN, town)
    return refresh(town), refresh(village), user


def cross_round(make_system, admin, tree, weight=100, members=None, **round_data):
    rnd = make_round(admin, cross_system(make_system, admin, weight), **round_data)
    group = cross_services.group_create(actor=admin, round=rnd, name="第一组")
    for org in members or (tree.town_a, tree.town_b):
        cross_services.member_add(actor=admin, group=group, organization=org)
    return rnd, group


def member_of(group, org):
    return group.members.select_related("organization", "group", "round__system").get(organization=org)
