"""An evaluation's roster and ratings go through the access layer: the roster by the evaluation's own rule (its
keepers and the members taking part), a peer rating for the keepers and for the member who gave it only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.access import policy
from apps.access.models import Role
from apps.evaluations import services
from apps.evaluations.models import Participant, PeerRating
from apps.evaluations.scopes import EVALUATION_SEE, EVALUATION_TAKE_PART
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(tree, branch_a):
    """member_a rated two fellow members, and one of them rated member_a."""
    users = {}
    other = branch_a.full[1]
    users["other"] = make_user("other_member", Role.MEMBER, tree.branch_a, member=other)
    for ratee in branch_a.full[1:3]:
        services.peer_rating_save(actor=tree.users["member_a"], evaluation=branch_a.evaluation, rater=tree.member_a,
                                  ratee_id=ratee.pk, grade="qualified")
    services.peer_rating_save(actor=users["other"], evaluation=branch_a.evaluation, rater=other,
                              ratee_id=tree.member_a.pk, grade="excellent")
    return users


def test_the_roster_follows_the_evaluation(tree, branch_a, branch_b_evaluation):
    roster_a = set(branch_a.evaluation.participants.values_list("pk", flat=True))
    roster_b = set(branch_b_evaluation.participants.values_list("pk", flat=True))
    seen = {role: set(policy.restrict(Participant, tree.users[role]).values_list("pk", flat=True)) for role in tree.users}
    assert seen["district_admin"] == roster_a | roster_b
    assert seen["secretary_a"] == seen["town_a_admin"] == seen["member_a"] == roster_a
    assert seen["secretary_b"] == roster_b and not seen["auditor"] and not seen["sysadmin"]
    member = tree.users["member_a"]
    assert not policy.restrict(Participant, member, policy.RECORD_VIEW).exists()
    mine = branch_a.parts[tree.member_a.pk]
    assert policy.get(Participant, member, mine.pk, EVALUATION_TAKE_PART) == mine
    with pytest.raises(PermissionDenied):  # on the roster, but a member does not read the others' files
        policy.get(Participant, member, mine.pk, policy.RECORD_VIEW)
    with pytest.raises(Http404, match="未找到该参评党员"):
        policy.get(Participant, tree.users["secretary_b"], mine.pk)


def test_a_member_sees_only_the_ratings_they_gave(tree, branch_a, rated):
    everything = set(PeerRating.objects.values_list("pk", flat=True))
    given = set(PeerRating.objects.filter(rater=tree.member_a).values_list("pk", flat=True))
    member = tree.users["member_a"]
    for capability in (EVALUATION_SEE, EVALUATION_TAKE_PART):
        assert set(policy.restrict(PeerRating, member, capability).values_list("pk", flat=True)) == given
    assert not policy.restrict(PeerRating, member, policy.RECORD_VIEW).exists()
    received = PeerRating.objects.get(ratee=tree.member_a)
    assert not policy.can(member, EVALUATION_SEE, received)
    with pytest.raises(Http404):
        policy.get(PeerRating, member, received.pk)
    for role in ("secretary_a", "town_a_admin", "district_admin"):
        assert set(policy.restrict(PeerRating, tree.users[role]).values_list("pk", flat=True)) == everything
        assert policy.can(tree.users[role], policy.RECORD_VIEW, received)
    for role in ("secretary_b", "auditor", "sysadmin"):
        assert not policy.restrict(PeerRating, tree.users[role]).exists()
