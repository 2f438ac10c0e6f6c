from datetime import date

import pytest
from django.core.management import call_command

from apps.core.idcard import make_id_number
from apps.members import counters, services
from apps.orgs import selectors
from apps.orgs.models import OrgMemberCount


def _count(org):
    row = OrgMemberCount.objects.filter(organization=org).first()
    return (row.current, row.current_full) if row else (0, 0)


@pytest.mark.django_db
def test_every_write_path_keeps_the_counts(tree):
    admin = tree.users["district_admin"]
    assert _count(tree.branch_a) == (1, 1)
    m = services.member_create(actor=admin, data={
        "organization": tree.branch_a, "name": "新人", "id_number": make_id_number("500102", date(1999, 9, 9), 81),
        "category": "probationary", "joined_on": date(2025, 10, 1), "status": "normal"})
    assert _count(tree.branch_a) == (2, 1)
    services.member_update(actor=admin, member=m, data={"organization": tree.branch_b})
    assert _count(tree.branch_a) == (1, 1) and _count(tree.branch_b) == (2, 1)
    services.member_update(actor=admin, member=m, data={"category": "full", "full_member_on": date(2026, 10, 1)})
    assert _count(tree.branch_b) == (2, 2)
    services.member_update(actor=admin, member=m, data={"status": "deceased"})
    assert _count(tree.branch_b) == (1, 1)
    assert selectors.subtree_counts(tree.district)["members"] == 2
    assert counters.mismatches() == {}


@pytest.mark.django_db
def test_recount_command_repairs_and_checks(tree):
    OrgMemberCount.objects.filter(organization=tree.branch_a).update(current=99)
    assert tree.branch_a.pk in counters.mismatches()
    with pytest.raises(SystemExit):
        call_command("recount_members", "--check")
    call_command("recount_members")
    assert counters.mismatches() == {} and _count(tree.branch_a) == (1, 1)


@pytest.mark.django_db
def test_seeded_demo_counts_match_the_member_table():
    from apps.demo.seed import seed_demo

    seed_demo(scale="small", log=lambda *_: None)
    assert counters.mismatches() == {}
