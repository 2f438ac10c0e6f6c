"""The stored subtree roll-ups (OrgMemberCount.subtree_current / subtree_orgs): every tree change and member write keeps
them equal to the sums below, and the tree's pages read them instead of the organizations under a node."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.idcard import make_id_number
from apps.members import counters
from apps.members import services as member_services
from apps.orgs import selectors, services
from apps.orgs.models import OrgMemberCount
from tests.factories import make_member, make_org, refresh


def _rollup(org):
    return tuple(OrgMemberCount.objects.filter(organization=org).values_list("subtree_orgs", "subtree_current").get())


@pytest.mark.django_db
def test_member_writes_roll_up_to_every_ancestor(tree):
    admin = tree.users["district_admin"]
    assert _rollup(tree.district) == (6, 2) and _rollup(tree.town_a) == (3, 1) and _rollup(tree.branch_a) == (2, 1)
    m = member_services.member_create(actor=admin, data={
        "organization": tree.branch_a, "name": "新人", "id_number": make_id_number("500102", date(1999, 9, 9), 81),
        "category": "probationary", "joined_on": date(2025, 10, 1), "status": "normal"})
    assert _rollup(tree.district) == (6, 3) and _rollup(tree.town_a) == (3, 2) and _rollup(tree.town_b) == (2, 1)
    member_services.member_update(actor=admin, member=m, data={"organization": tree.branch_b})  # across townships
    assert _rollup(tree.town_a) == (3, 1) and _rollup(tree.town_b) == (2, 2) and _rollup(tree.district) == (6, 3)
    member_services.member_update(actor=admin, member=m, data={"status": "deceased"})
    assert _rollup(tree.town_b) == (2, 1) and _rollup(tree.district) == (6, 2)
    assert counters.mismatches() == {}


@pytest.mark.django_db
def test_tree_changes_roll_up(tree):
    admin = tree.users["district_admin"]
    new = services.org_create(actor=admin, parent=tree.town_a, data={"name": "甲镇二村党支部", "kind": "branch"})
    make_member(new, "赵六", seq=33)
    assert _rollup(tree.town_a) == (4, 2) and _rollup(tree.district) == (7, 3)
    # A subtree with its members moves: its totals leave the old ancestors and join the new ones.
    services.org_move(actor=admin, org=refresh(tree.branch_a), new_parent=refresh(tree.town_b))
    assert _rollup(tree.town_a) == (2, 1) and _rollup(tree.town_b) == (4, 2) and _rollup(tree.district) == (7, 3)
    assert _rollup(tree.branch_a) == (2, 1)  # its own roll-up travels with it
    assert counters.mismatches() == {}
    # Dissolving an (empty) organization takes it out of every count above it.
    services.org_dissolve(actor=admin, org=refresh(tree.group_a), dissolved_on=date.today(), reason="合并")
    assert _rollup(tree.branch_a) == (1, 1) and _rollup(tree.town_b) == (3, 2) and _rollup(tree.district) == (6, 3)
    assert counters.mismatches() == {}
    assert selectors.subtree_counts(refresh(tree.district)) == {"orgs": 6, "members": 3}


@pytest.mark.django_db
def test_recount_rebuilds_a_wrong_rollup(tree):
    OrgMemberCount.objects.filter(organization=tree.district).update(subtree_current=99, subtree_orgs=1)
    assert counters.mismatches()[tree.district.pk] == ((99, 1), (2, 6))
    with pytest.raises(SystemExit):
        call_command("recount_members", "--check")
    call_command("recount_members")
    assert counters.mismatches() == {} and _rollup(tree.district) == (6, 2)


@pytest.mark.django_db
def test_tree_pages_read_no_organization_below_the_nodes_shown(tree, login):
    """Tree, root detail and children fragment: the same number of queries, and no query that reads the subtree's
    organizations (a path prefix), with many more organizations and members."""
    client = login(tree.users["district_admin"])
    urls = ["/orgs/", f"/orgs/{tree.district.pk}/", f"/orgs/{tree.district.pk}/children/"]
    client.get("/orgs/")  # the session's first request loads what later ones find cached

    def run():
        counts = {}
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            counts[url] = len(ctx.captured_queries)
            prefix_reads = [q["sql"] for q in ctx.captured_queries
                            if "orgs_organization" in q["sql"] and "LIKE" in q["sql"] and "SUM(" in q["sql"]]
            assert not prefix_reads, (url, prefix_reads)
        return counts

    small = run()
    for i in range(30):
        org = make_org(f"新支部{i}", "branch", refresh(tree.town_b if i % 2 else tree.town_a))
        make_member(org, f"新人{i}", seq=700 + i)
    large = run()
    assert large == small
    page = client.get(f"/orgs/{tree.district.pk}/children/").content.decode()
    # 甲镇: itself, 甲村, its group and 15 new branches; 乙镇: itself, 乙村 and 15; 16 members each.
    assert "18 个组织" in page and "17 个组织" in page and page.count("16 名党员") == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_writes_in_opposite_directions_keep_the_rollups_without_deadlock():
    """Moves A→B and B→A at once (each locks both townships' roll-ups and the district's): the locks are taken in key
    order, so the writers queue instead of deadlocking, and every increment lands."""
    from tests.factories import Tree
    from tests.parallel import run_parallel

    tree = Tree()
    admin = tree.users["district_admin"]
    movers = [make_member(tree.branch_a if i % 2 else tree.branch_b, f"动{i}", seq=500 + i) for i in range(12)]

    def move(i):
        member = movers[i]
        target = tree.branch_b if i % 2 else tree.branch_a
        member_services.member_update(actor=admin, member=member, data={"organization": target})
        new = member_services.member_create(actor=admin, data={
            "organization": target, "name": f"新{i}", "id_number": make_id_number("500102", date(1990, 1, 1), 600 + i),
            "category": "full", "joined_on": date(2015, 7, 1), "full_member_on": date(2016, 7, 1), "status": "normal"})
        return new.pk

    assert len(set(run_parallel(12, move))) == 12
    assert counters.mismatches() == {}
    assert _rollup(tree.district) == (6, 26) and _rollup(tree.town_a) == (3, 13) and _rollup(tree.town_b) == (2, 13)
