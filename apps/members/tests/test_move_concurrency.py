"""A subtree move (org_move) while members are created in or transferred into an organization inside it: the two
take the same organization rows and count rows, and must queue, not deadlock (PostgreSQL only: parallel
connections, and row locks SQLite does not have)."""

from datetime import date

import pytest
from django.db import connection

from apps.core.idcard import make_id_number
from apps.members import counters
from apps.members import services as member_services
from apps.orgs import services
from apps.orgs.models import Organization
from tests.factories import make_member, make_org, refresh

ROUNDS = 10
WRITERS = 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_township_moves_while_members_are_written_below_it_without_deadlock():
    """Each round 甲镇 moves to the other committee while members are created in and transferred into 甲村 below it.
    A member insert checks its organization key at COMMIT (Django's foreign keys are deferred), after the count rows'
    locks; the move holds the subtree's organizations FOR UPDATE (their path changes) before it locks those count
    rows. Every write must finish (no deadlock) and every count and roll-up stay exact."""
    from tests.factories import Tree
    from tests.parallel import run_parallel

    tree = Tree()
    admin = tree.users["district_admin"]
    other = make_org("另区委", "committee", code="E0000001")
    parents = [refresh(other), refresh(tree.district)]
    seq = iter(range(100, 1000))

    for round_ in range(ROUNDS):
        # Members elsewhere (乙村) to transfer into 甲村 this round, and the new members' ID numbers.
        movers = [make_member(refresh(tree.branch_b), f"调{round_}-{i}", seq=next(seq)) for i in range(WRITERS)]
        new_seqs = [next(seq) for _ in range(WRITERS)]
        new_parent = parents[round_ % 2]

        def work(i, movers=movers, new_seqs=new_seqs, new_parent=new_parent, round_=round_):
            if i == 0:
                return services.org_move(actor=admin, org=refresh(tree.town_a), new_parent=refresh(new_parent)).pk
            i -= 1
            # One read (one snapshot): the group's path must lie under the branch's, whichever side of the move.
            found = Organization.objects.in_bulk([tree.branch_a.pk, tree.group_a.pk])
            branch, group = found[tree.branch_a.pk], found[tree.group_a.pk]
            if i % 2:
                return member_services.member_update(actor=admin, member=movers[i], data={"organization": branch}).pk
            return member_services.member_create(actor=admin, data={  # in 甲村's group: its key is checked too
                "organization": branch, "party_group": group, "name": f"新{round_}-{i}",
                "id_number": make_id_number("500102", date(1990, 1, 1), new_seqs[i]), "category": "full",
                "joined_on": date(2015, 7, 1), "full_member_on": date(2016, 7, 1), "status": "normal"}).pk

        run_parallel(WRITERS + 1, work)
        assert refresh(tree.town_a).path[:-Organization.steplen] == new_parent.path, round_
        assert counters.mismatches() == {}, round_
