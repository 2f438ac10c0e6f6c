"""The Fulfilment roll-ups (apps/records/fulfilment_rollups.py) and the compliance table read from them: every write that changes a
Fulfilment row or what an organization counts as (its domain, its class: dissolved, 党小组, 党支部 with or without a
支部委员会) keeps the rows equal to the Fulfilment rows summed up the tree, and the table by child organization or by
domain equals the one computed from the organization and Fulfilment rows, with a flat number of queries."""

import importlib
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.idcard import make_id_number
from apps.core.periods import parse_period
from apps.members import services as member_services
from apps.members.models import Member
from apps.orgs import services as org_services
from apps.orgs.models import Organization, OrgMemberCount
from apps.records import compliance, fulfilment_rollups, services
from apps.records.models import Fulfilment, FulfilmentRollup
from tests.factories import make_member, make_org, refresh
from tests.migration_editor import MigrationEditor


def _table(root, period, group_by, domain=None, rows=False):
    """(label → per-type cells, total) of the table, from the roll-ups or (rows=True) from the rows."""
    if rows:
        real = compliance._from_rollups
        compliance._from_rollups = compliance._from_rows
    try:
        table = compliance.compliance_table(root, period, group_by=group_by, domain=domain)
    finally:
        if rows:
            compliance._from_rollups = real

    def cells(row):
        return [(c.required, c.held, c.overdue, c.warning) for c in row.cell_list]

    return sorted((row.label, cells(row)) for row in table["rows"]), cells(table["total"])


def assert_exact(*roots):
    assert fulfilment_rollups.mismatches() == {}
    call_command("rebuild_fulfilment", "--check")
    today = timezone.localdate()
    periods = [parse_period(f"{today:%Y-%m}"), parse_period(str(today.year)),
               parse_period(f"{today.year}Q{(today.month - 1) // 3 + 1}"), parse_period(str(today.year - 1))]
    for root in roots:
        root = refresh(root)
        for period in periods:
            for group_by in ("children", "domain"):
                for domain in (None, "village", "community"):
                    assert _table(root, period, group_by, domain) == _table(root, period, group_by, domain, rows=True), \
                        (root.name, period.key, group_by, domain)


def _full_member(admin, org, seq):
    return member_services.member_create(actor=admin, data={
        "organization": org, "name": f"全{seq}", "id_number": make_id_number("500102", date(1990, 1, 1), seq),
        "category": "full", "joined_on": date(2015, 7, 1), "full_member_on": date(2016, 7, 1), "status": "normal"})


@pytest.mark.django_db
def test_every_write_keeps_the_rollups_and_the_table(tree, types, make_record, settings):
    t, admin = tree, tree.users["district_admin"]
    settings.BRANCH_COMMITTEE_THRESHOLD = 2
    OrgMemberCount.objects.rebuild_rollups()  # what a change of the threshold asks for, with the rebuild below
    services.rebuild_fulfilment()
    community = make_org("甲社区党支部", "branch", refresh(t.town_a), domain="community")
    make_member(community, "社区党员", seq=951)
    this_year = timezone.localdate().timetuple().tm_yday - 1
    make_record("theme_day", days_ago=0)
    make_record("theme_day", days_ago=min(40, this_year))
    make_record("party_congress", days_ago=1)
    make_record("group_meeting", org=t.group_a, days_ago=2)
    make_record("committee_meeting", days_ago=0)  # branch A has no committee yet: counted under its class anyway
    make_record("theme_day", org=community, actor=admin, days_ago=3)
    b_record = make_record("theme_day", org=t.branch_b, actor=t.users["secretary_b"], days_ago=400)
    assert_exact(t.district, t.town_a)

    # A second record in the same period adds nothing; returning one of two leaves the period held; the other too
    # takes the Fulfilment row (and its roll-ups) away.
    second = make_record("theme_day", days_ago=0)
    assert_exact(t.district)
    services.record_return(actor=admin, record=second, reason="重填")
    assert_exact(t.district)
    # An edit moving a submitted record to another period.
    services.record_update(actor=t.users["secretary_b"], record=b_record,
                           data={"held_on": timezone.localdate() - timedelta(days=1)}, note="日期更正")
    assert_exact(t.district, t.town_b)

    # Branch A crosses the committee threshold with a new full member, and back below it.
    full = Member.objects.filter(organization=t.branch_a, category="full", status="normal").count()
    added = [_full_member(admin, t.branch_a, 960 + i) for i in range(max(0, 2 - full))]
    assert_exact(t.district)
    assert FulfilmentRollup.objects.filter(organization=t.district, org_class="committee_branch").exists()
    leaving = added[-1] if added else Member.objects.filter(organization=t.branch_a, category="full").first()
    member_services.member_update(actor=admin, member=leaving, data={"organization": t.branch_b})
    assert_exact(t.district, t.town_a, t.town_b)

    # A domain edit, a kind edit, a move and a dissolution.
    org_services.org_update(actor=admin, org=refresh(t.branch_a), data={"domain": "community"})
    assert_exact(t.district, t.town_a)
    org_services.org_update(actor=admin, org=refresh(community), data={"kind": "general_branch"})
    assert_exact(t.district, t.town_a)
    org_services.org_move(actor=admin, org=refresh(t.branch_a), new_parent=refresh(t.town_b))
    assert_exact(t.district, t.town_a, t.town_b)
    for member in Member.objects.filter(organization=community):
        member_services.member_update(actor=admin, member=member, data={"organization": t.branch_b})
    org_services.org_dissolve(actor=admin, org=refresh(community), dissolved_on=timezone.localdate(), reason="合并")
    assert_exact(t.district, t.town_a)


@pytest.mark.django_db
def test_the_check_finds_a_wrong_row_and_the_rebuild_mends_it(tree, types, make_record):
    make_record("theme_day", days_ago=0)
    row = FulfilmentRollup.objects.exclude(domain=fulfilment_rollups.ALL_DOMAINS).get(organization=tree.district)
    FulfilmentRollup.objects.filter(pk=row.pk).update(held=5)
    assert fulfilment_rollups.mismatches() == {(tree.district.pk, row.activity_type_id, row.period_start, row.domain,
                                  row.org_class): (5, 1)}
    with pytest.raises(CommandError):
        call_command("rebuild_fulfilment", "--check")
    call_command("rebuild_fulfilment")
    assert fulfilment_rollups.mismatches() == {}


@pytest.mark.django_db
def test_the_table_takes_the_same_queries_for_small_and_larger_trees(tree, types, make_record):
    today = timezone.localdate()
    period = parse_period(str(today.year))

    def queries(group_by):
        with CaptureQueriesContext(connection) as ctx:
            compliance.compliance_table(refresh(tree.district), period, group_by=group_by)
        return len(ctx.captured_queries)

    make_record("theme_day", days_ago=0)
    small = {g: queries(g) for g in ("children", "domain")}
    for i in range(6):
        branch = make_org(f"新支部{i}", "branch", refresh(tree.town_a if i % 2 else tree.town_b),
                          domain="community" if i % 3 else "school")
        make_member(branch, f"新人{i}", seq=970 + i)
        make_record("theme_day", org=refresh(branch), actor=tree.users["district_admin"], days_ago=i)
    assert {g: queries(g) for g in ("children", "domain")} == small
    assert small["children"] <= 6 and small["domain"] <= 4
    assert_exact(tree.district)


@pytest.mark.django_db
def test_the_migration_fill_and_refill_equal_a_rebuild(tree, types, make_record):
    make_record("theme_day", days_ago=0)
    make_record("group_meeting", org=tree.group_a, days_ago=10)
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], days_ago=100)

    def rows():
        return sorted(FulfilmentRollup.objects.exclude(held=0).values_list(*fulfilment_rollups.KEY, "held"))

    fulfilment_rollups.rebuild()
    rebuilt = rows()
    assert rebuilt and fulfilment_rollups.mismatches() == {}
    FulfilmentRollup.objects.all().delete()

    class Editor(MigrationEditor):
        pass

    Editor.connection = connection
    from django.apps import apps

    importlib.import_module("apps.records.migrations.0008_fulfilment_rollup").fill(apps, Editor())
    assert rows() == rebuilt
    FulfilmentRollup.objects.filter(organization=tree.district).delete()
    fulfilment_rollups.refill(refresh(tree.district))
    assert rows() == rebuilt


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_submits_member_writes_and_a_move_keep_the_rollups(tree, types, make_record, settings):
    """Submits under the same ancestors at once, while branch A's full members cross the committee threshold (its
    Fulfilment rows change class) and branch B moves to the other township: no deadlock, nothing lost or counted
    under a class the branch no longer has."""
    from tests.parallel import run_parallel

    settings.BRANCH_COMMITTEE_THRESHOLD = Member.objects.filter(
        organization=tree.branch_a, category="full", status="normal").count() + 2
    OrgMemberCount.objects.rebuild_rollups()
    services.rebuild_fulfilment()
    admin = tree.users["district_admin"]
    drafts = []
    for i in range(10):
        org, actor = ((tree.branch_a, tree.users["secretary_a"]) if i % 2 == 0 else
                      (tree.branch_b, tree.users["secretary_b"]))
        drafts.append((make_record("theme_day" if i % 4 < 2 else "party_congress", org=org, actor=actor,
                                   submit=False, days_ago=0 if i % 3 else 40), actor))

    def work(i):
        if i == len(drafts):
            org_services.org_move(actor=admin, org=refresh(tree.branch_b), new_parent=refresh(tree.town_a))
            return "moved"
        if i > len(drafts):
            return _full_member(admin, tree.branch_a, 980 + i).pk
        record, actor = drafts[i]
        return services.record_submit(actor=actor, record=record).status

    results = run_parallel(len(drafts) + 3, work)
    assert results.count("submitted") == len(drafts)
    assert fulfilment_rollups.mismatches() == {}
    assert Fulfilment.objects.filter(organization=tree.branch_a).exists()
    assert not FulfilmentRollup.objects.filter(organization=tree.town_b).exclude(held=0).exists()
    assert FulfilmentRollup.objects.filter(organization=tree.district, org_class="committee_branch",
                                           held__gt=0).exists()
    assert Organization.objects.get(pk=tree.branch_b.pk).path.startswith(refresh(tree.town_a).path)


@pytest.mark.django_db
def test_the_missing_list_pages_by_keys_with_a_capped_count(tree, types, make_record, client, settings):
    """未完成的组织: pages by the organizations' paths (下一页 to the end, 上一页 back), the total counted up to
    COMPLIANCE_MISSING_COUNT_CAP, a mangled cursor answered 400 with the first page."""
    import re

    from tests.keyset_pages import pager_link

    settings.LIST_PAGE_SIZE, settings.LIST_NUMBERED_PAGES, settings.COMPLIANCE_MISSING_COUNT_CAP = 3, 1, 4
    for i in range(7):
        make_org(f"新支部{i:02d}", "branch", refresh(tree.town_a if i % 2 else tree.town_b))
    make_record("theme_day", days_ago=0)  # branch A holds this month's 主题党日: not listed
    client.force_login(tree.users["district_admin"])
    today = timezone.localdate()
    base = f"/records/compliance/missing/?org={tree.district.pk}&period={today:%Y-%m}&type={types['theme_day'].pk}"
    rule, qs = compliance.missing_orgs(refresh(tree.district), parse_period(f"{today:%Y-%m}"), types["theme_day"])
    want = list(qs.values_list("name", flat=True))
    assert len(want) == 8 and "甲村党支部" not in want  # 7 new branches and 乙村

    def names(html):
        return re.findall(r'activity_type=\d+">([^<]+)</a>', html)

    seen, query, pages = [], "", []
    while True:
        response = client.get(base + ("&" + query if query else ""))
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(html)
        seen += names(html)
        query = pager_link(html, "下一页")
        if query is None:
            break
    assert seen == want and len(pages) == 3
    assert "共 4+ 条" in pages[0]
    back = pager_link(pages[-1], "上一页")
    assert names(client.get(base + "&" + back).content.decode()) == want[3:6]
    bad = client.get(base + "&after=abc")
    assert bad.status_code == 400 and names(bad.content.decode()) == want[:3]


def _paused(target, name, reached, go):
    """Replace target.name by a version that signals `reached`, then waits for `go` before going on."""
    real = getattr(target, name)

    def wrapper(*args, **kwargs):
        reached.set()
        assert go.wait(20)
        return real(*args, **kwargs)

    return real, wrapper


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_submit_during_a_domain_edit_lands_under_the_new_domain(tree, types, make_record, monkeypatch):
    """The edit has written the organization and holds its count row, not yet committed, when the submit comes: the
    submit waits at the count row and then reads the new domain (it read the old one before the count row was
    locked first — review finding, reproduced)."""
    import threading

    from apps.orgs import services as org_module

    draft = make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], submit=False)
    reached, go = threading.Event(), threading.Event()
    real, wrapper = _paused(org_module, "audit_record", reached, go)
    monkeypatch.setattr(org_module, "audit_record", wrapper)
    results = {}

    def edit():
        org_services.org_update(actor=tree.users["district_admin"], org=refresh(tree.branch_b),
                                data={"domain": "community"})
        results["edit"] = "done"
        connection.close()

    editor = threading.Thread(target=edit)
    editor.start()
    assert reached.wait(20)
    monkeypatch.setattr(org_module, "audit_record", real)
    threading.Timer(0.5, go.set).start()  # the submit below is waiting at the count row by then
    try:
        services.record_submit(actor=tree.users["secretary_b"], record=draft)
    finally:
        go.set()
        editor.join(30)
    assert results == {"edit": "done"}
    assert fulfilment_rollups.mismatches() == {}
    assert FulfilmentRollup.objects.filter(organization=tree.district, domain="community", held=1).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_move_beside_a_submit_waits_for_it_without_deadlock(tree, types, make_record, monkeypatch):
    """A submit in 甲村 has written its Fulfilment roll-ups (甲镇's and the district's rows among them) and not yet its
    month roll-ups when a sibling branch holding the same type and month moves from 甲镇 to 乙镇: the move's steps write
    the two tables in the services' order, so it waits for the submit at 甲镇's Fulfilment row instead of holding
    甲镇's month row the submit needs next (a deadlock, reproduced in review before the order was set)."""
    import threading

    from apps.records import marks

    sibling = make_org("甲镇新支部", "branch", refresh(tree.town_a), domain="village")
    make_record("theme_day", org=sibling, actor=tree.users["district_admin"], days_ago=0)  # the rows the move carries
    draft = make_record("theme_day", org=tree.branch_a, submit=False)
    reached, go = threading.Event(), threading.Event()
    real, wrapper = _paused(marks, "refresh", reached, go)
    monkeypatch.setattr(marks, "refresh", wrapper)
    results = {}

    def submit():
        try:
            results["submit"] = services.record_submit(actor=tree.users["secretary_a"], record=draft).status
        finally:
            connection.close()

    submitter = threading.Thread(target=submit)
    submitter.start()
    assert reached.wait(20)
    monkeypatch.setattr(marks, "refresh", real)
    threading.Timer(0.5, go.set).start()  # the move below is waiting at a roll-up row by then
    try:
        org_services.org_move(actor=tree.users["district_admin"], org=refresh(sibling), new_parent=refresh(tree.town_b))
    finally:
        go.set()
        submitter.join(30)
    assert results == {"submit": "submitted"}
    assert fulfilment_rollups.mismatches() == {}


@pytest.mark.django_db
def test_a_recount_that_moves_a_branch_across_the_threshold_moves_its_fulfilments(tree, types, make_record, settings):
    """Members written past the services (a repair by hand), then `recount_members`: the corrected full count puts
    branch A among the branches with a 支部委员会, and its Fulfilment roll-ups follow it there."""
    from apps.members import counters

    settings.BRANCH_COMMITTEE_THRESHOLD = 2
    OrgMemberCount.objects.rebuild_rollups()
    services.rebuild_fulfilment()
    make_record("theme_day", days_ago=0)
    assert not FulfilmentRollup.objects.filter(organization=tree.district, org_class="committee_branch").exists()
    Member.objects.filter(organization=tree.branch_b).update(organization=tree.branch_a, category="full")
    make_member(tree.branch_a, "补录", seq=990)  # so branch A has at least two full members
    Member.objects.filter(organization=tree.branch_a).update(category="full")
    counters.recount()
    assert counters.mismatches() == {} and fulfilment_rollups.mismatches() == {}
    assert FulfilmentRollup.objects.filter(organization=tree.district, org_class="committee_branch", held=1).exists()
