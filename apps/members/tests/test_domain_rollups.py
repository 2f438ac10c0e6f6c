"""The stored roll-ups by domain (OrgDomainCount): every member write and tree change keeps each organization's rows
equal to the grouped query they replace, and the breakdown of a subtree reads its root's rows only."""

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from apps.core.idcard import make_id_number
from apps.core.query import prefix_q
from apps.members import counters
from apps.members import services as member_services
from apps.members.models import Member
from apps.orgs import selectors, services
from apps.orgs.models import Organization, OrgDomainCount
from tests.factories import make_member, make_org, refresh


def _grouped(root):
    """The query domain_breakdown used to run: every existing organization of the subtree joined to its count."""
    rows = (Organization.objects.filter(prefix_q("path", root.path), is_active=True).order_by().values("domain")
            .annotate(orgs=Count("id"), members=Coalesce(Sum("member_count__current"), 0)))
    return sorted((r["domain"], r["orgs"], r["members"]) for r in rows)


def _breakdown(root):
    return sorted((r["domain"], r["orgs"], r["members"]) for r in selectors.domain_breakdown(root))


def _assert_exact():
    """Every existing organization's breakdown is the grouped query's, and no count or roll-up is off."""
    for org in Organization.objects.filter(is_active=True):
        assert _breakdown(org) == _grouped(org), org.name
    assert counters.mismatches() == {}


def _new_member(admin, org, seq, **data):
    return member_services.member_create(actor=admin, data={
        "organization": org, "name": f"新{seq}", "id_number": make_id_number("500102", date(1990, 1, 1), seq),
        "category": "full", "joined_on": date(2015, 7, 1), "full_member_on": date(2016, 7, 1), "status": "normal",
        **data})


@pytest.fixture
def varied(tree):
    """The tree, with branches of several domains under both townships and members in them."""
    tree.community = make_org("甲社区党支部", "branch", refresh(tree.town_a), domain="community")
    tree.school = make_org("乙校党支部", "branch", refresh(tree.town_b), domain="school")
    tree.organ = make_org("乙镇机关党支部", "branch", refresh(tree.town_b), domain="organ")
    for i, org in enumerate([tree.community, tree.community, tree.school, tree.organ, tree.branch_a]):
        make_member(org, f"成员{i}", seq=400 + i, category="probationary" if i % 2 else "full")
    return tree


@pytest.mark.django_db
def test_the_breakdown_follows_every_write(varied):
    t, admin = varied, varied.users["district_admin"]
    _assert_exact()
    district = {r["domain"]: r for r in selectors.domain_breakdown(t.district)}
    assert district["village"] == {"domain": "village", "label": "村", "orgs": 2, "members": 3}
    assert [r["members"] for r in selectors.domain_breakdown(t.district)] == sorted(
        [r["members"] for r in district.values()], reverse=True)  # most members first

    # Member writes: a new member, a transfer across townships and domains, a status change out of the count.
    m = _new_member(admin, t.community, 801)
    _assert_exact()
    member_services.member_update(actor=admin, member=m, data={"organization": t.school})
    _assert_exact()
    member_services.member_update(actor=admin, member=m, data={"status": "deceased"})
    _assert_exact()

    # A new organization of a domain the district had not counted yet.
    health = services.org_create(actor=admin, parent=refresh(t.town_a), data={
        "name": "甲镇卫生院党支部", "kind": "branch", "domain": "health"})
    assert {"domain": "health", "label": "医疗卫生", "orgs": 1, "members": 0} in selectors.domain_breakdown(t.district)
    _new_member(admin, health, 802)
    _assert_exact()

    # A domain edit: the organization and its own members leave 村 for 社区, in it and every ancestor.
    services.org_update(actor=admin, org=refresh(t.branch_b), data={"domain": "community"})
    _assert_exact()
    assert "village" in {r["domain"] for r in selectors.domain_breakdown(t.district)}  # 甲村 is still a village
    services.org_update(actor=admin, org=refresh(t.branch_a), data={"domain": "community"})
    _assert_exact()
    assert "village" not in {r["domain"] for r in selectors.domain_breakdown(t.district)}  # zero rows dropped

    # A move: the subtree's rows (甲村 with its group, two domains) leave 甲镇 and join 乙镇.
    services.org_move(actor=admin, org=refresh(t.branch_a), new_parent=refresh(t.town_b))
    _assert_exact()

    # Deactivation (撤销) of an emptied organization takes it out of its domain above it.
    for member in Member.objects.filter(organization__in=[t.branch_b, health]):
        member_services.member_update(actor=admin, member=member, data={"organization": t.organ})
    services.org_dissolve(actor=admin, org=refresh(t.branch_b), dissolved_on=date.today(), reason="合并")
    _assert_exact()
    services.org_dissolve(actor=admin, org=refresh(health), dissolved_on=date.today(), reason="合并")
    _assert_exact()
    assert "health" not in {r["domain"] for r in selectors.domain_breakdown(t.district)}


@pytest.mark.django_db
def test_the_breakdown_is_one_query_whatever_the_subtree(tree, django_assert_num_queries):
    district = refresh(tree.district)
    with django_assert_num_queries(1):
        small = selectors.domain_breakdown(district)
    domains = ["village", "community", "school", "organ", "state_enterprise"]
    for i in range(25):
        org = make_org(f"新支部{i}", "branch", refresh(tree.town_b if i % 2 else tree.town_a), domain=domains[i % 5])
        make_member(org, f"新人{i}", seq=700 + i)
    with django_assert_num_queries(1):
        large = selectors.domain_breakdown(district)
    assert len(small) == 2 and len(large) == 6
    assert sum(r["orgs"] for r in large) == 31 and sum(r["members"] for r in large) == 27
    _assert_exact()


@pytest.mark.django_db
def test_recount_rebuilds_and_the_check_reports_a_wrong_domain_row(varied):
    OrgDomainCount.objects.filter(organization=varied.district, domain="village").update(members=99)
    wrong = counters.mismatches()
    assert set(wrong) == {varied.district.pk}
    assert wrong[varied.district.pk][0]["village"][:2] == (99, 2) and wrong[varied.district.pk][1]["village"][:2] == (3, 2)
    with pytest.raises(SystemExit):
        call_command("recount_members", "--check")
    call_command("recount_members")
    _assert_exact()


@pytest.mark.django_db
def test_the_migration_fills_the_rows_from_the_tree(varied):
    expected = sorted(OrgDomainCount.objects.exclude(orgs=0, members=0).values_list("organization_id", "domain", "members", "orgs"))
    OrgDomainCount.objects.all().delete()
    importlib.import_module("apps.orgs.migrations.0007_domain_rollups").fill(django_apps, None)
    assert sorted(OrgDomainCount.objects.values_list("organization_id", "domain", "members", "orgs")) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_member_writes_and_domain_edits_keep_the_domain_rollups_exact():
    """Member writes in two domains under the same township and district, while the township and a branch change
    domain: the domain rows are written after the count rows' locks, in key order, so the writers queue and every
    increment lands under the domain its organization has when it commits."""
    from tests.factories import Tree
    from tests.parallel import run_parallel

    tree = Tree()
    admin = tree.users["district_admin"]
    community = make_org("甲社区党支部", "branch", refresh(tree.town_a), domain="community")
    movers = [make_member(tree.branch_a if i % 2 else community, f"动{i}", seq=500 + i) for i in range(10)]

    def work(i):
        if i == 10:
            services.org_update(actor=admin, org=refresh(tree.branch_a), data={"domain": "school"})
            return None
        if i == 11:
            services.org_update(actor=admin, org=refresh(tree.town_a), data={"domain": "organ"})
            return None
        target = community if i % 2 else tree.branch_a
        member_services.member_update(actor=admin, member=movers[i], data={"organization": target})
        return _new_member(admin, target, 600 + i).pk

    assert len({pk for pk in run_parallel(12, work) if pk}) == 10
    _assert_exact()
    town_a = {r["domain"]: (r["orgs"], r["members"]) for r in selectors.domain_breakdown(refresh(tree.town_a))}
    assert town_a == {"organ": (1, 0), "school": (1, 11), "other": (1, 0), "community": (1, 10)}


@pytest.mark.django_db
def test_an_organization_saved_from_a_partial_load_keeps_the_roll_ups_exact(tree):
    """Loaded with only() (domain and is_active deferred), then changed: the roll-ups move by what the row held."""
    from apps.members import counters
    from apps.orgs.models import Organization

    branch = Organization.objects.only("pk", "path", "name").get(pk=tree.branch_a.pk)
    branch.domain = "school" if tree.branch_a.domain != "school" else "health"
    branch.save()
    assert counters.mismatches() == {}
    # A field left out of update_fields is not written, so nothing moves.
    again = Organization.objects.get(pk=tree.branch_a.pk)
    again.domain = "village" if again.domain != "village" else "community"
    again.save(update_fields=["name"])
    assert Organization.objects.get(pk=tree.branch_a.pk).domain != again.domain
    assert counters.mismatches() == {}


def _classes(org):
    """(orgs, groups, branches, committee_branches) of `org`'s subtree, from its stored domain rows."""
    rows = OrgDomainCount.objects.filter(organization=org).values_list("orgs", "groups", "branches", "committee_branches")
    return tuple(sum(col) for col in zip(*rows)) if rows else (0, 0, 0, 0)


@pytest.mark.django_db
def test_the_class_figures_follow_the_committee_threshold_and_the_kind(varied, settings):
    """A branch whose full members reach BRANCH_COMMITTEE_THRESHOLD counts as one with a 支部委员会 in every ancestor's
    rows, and stops when they fall below it (a full member made probationary, transferred out, deceased); a kind
    edit and a dissolution move the organization between classes."""
    from apps.orgs.models import OrgMemberCount

    t, admin = varied, varied.users["district_admin"]
    settings.BRANCH_COMMITTEE_THRESHOLD = 3
    OrgMemberCount.objects.rebuild_rollups()  # what a change of the threshold asks for
    _assert_exact()
    start = _classes(t.district)
    full = Member.objects.filter(organization=t.community, category="full", status="normal").count()
    added = [_new_member(admin, t.community, 900 + i) for i in range(3 - full)]
    _assert_exact()
    assert _classes(t.district)[3] == start[3] + 1 and _classes(refresh(t.town_a))[3] >= 1
    member_services.member_update(actor=admin, member=added[-1], data={"category": "probationary",
                                                                        "full_member_on": None})
    _assert_exact()
    assert _classes(t.district)[3] == start[3]
    member_services.member_update(actor=admin, member=added[-1], data={"category": "full",
                                                                        "full_member_on": date(2016, 7, 1)})
    assert _classes(t.district)[3] == start[3] + 1
    member_services.member_update(actor=admin, member=added[-1], data={"organization": t.school})
    _assert_exact()
    assert _classes(t.district)[3] == start[3]

    # A kind edit: 党支部 → 党总支 leaves the branches; back again, it counts once more.
    services.org_update(actor=admin, org=refresh(t.organ), data={"kind": "general_branch"})
    _assert_exact()
    assert _classes(t.district)[2] == start[2] - 1 and _classes(t.district)[0] == start[0]
    services.org_update(actor=admin, org=refresh(t.organ), data={"kind": "branch"})
    _assert_exact()
    assert _classes(t.district) == start


@pytest.mark.django_db
def test_the_class_migration_fills_every_figure(varied):
    columns = ("organization_id", "domain", "members", "orgs", "groups", "branches", "committee_branches")
    expected = sorted(OrgDomainCount.objects.values_list(*columns))
    assert any(row[4] for row in expected) and any(row[5] for row in expected)  # groups and branches were counted
    OrgDomainCount.objects.update(groups=0, branches=0, committee_branches=0, members=0)
    importlib.import_module("apps.orgs.migrations.0008_domain_class_counts").fill(django_apps, None)
    assert sorted(OrgDomainCount.objects.values_list(*columns)) == expected
