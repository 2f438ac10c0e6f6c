"""Flowing members' pages: the access matrix (reads by MEMBER_VIEW over the member's organization or the inflow's branch,
writes by MEMBER_MANAGE, 404 elsewhere), the lists' filters and flags, forms refusing bad input with 400, and the
lists' query counts (flat in the number of rows)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.idcard import make_id_number
from apps.dues.models import DuesStanding
from apps.members.models import Member, MemberStatus
from apps.membership import flow_selectors as selectors
from apps.membership import flow_services as services
from apps.membership.flow_models import FlowOut
from apps.records.models import MemberAttendanceMark
from tests.factories import make_member, make_org, refresh


@pytest.fixture
def world(tree):
    tree.flow_branch = make_org("甲镇流动党员党支部", "branch", refresh(tree.town_a), code="A0000049", is_flowing=True)
    sec = tree.users["secretary_a"]
    tree.flow = services.flow_out_open(actor=sec, member=tree.member_a, place="上海市", since=date(2024, 1, 5))
    tree.flow_in = services.flow_in_register(actor=sec, organization=tree.flow_branch, data={
        "name": "外来甲", "id_number": make_id_number("430102", date(1991, 2, 3), 17), "phone": "13700001111",
        "home_organization": "湖南某党支部", "since": date(2025, 5, 1)})
    tree.case = services.lost_contact_open(actor=sec, member=make_member(tree.branch_a, "失联甲"),
                                           lost_on=date(2025, 8, 1))
    return tree


def _urls(world):
    return {"out": reverse("membership:flow_out", args=[world.flow.pk]),
            "in": reverse("membership:flow_in", args=[world.flow_in.pk]),
            "lost": reverse("membership:flow_lost", args=[world.case.pk])}


@pytest.mark.parametrize(("user", "read", "write"), [
    ("district_admin", 200, True), ("town_a_admin", 200, True), ("secretary_a", 200, True),
    ("secretary_b", 404, False), ("member_a", 403, False), ("auditor", 403, False)])
def test_access_matrix(world, login, user, read, write):
    client = login(world.users[user])
    for kind, url in _urls(world).items():
        # the inflow belongs to the township's flowing-member branch: branch A's secretary does not reach it
        expected = 404 if (user == "secretary_a" and kind == "in") else read
        assert client.get(url).status_code in ((expected,) if expected != 403 else (403, 404)), (user, url)
    response = client.post(reverse("membership:flow_out_report", args=[world.flow.pk]),
                           {"reported_on": "2025-01-02", "way": "phone", "content": "电话汇报"})
    assert (response.status_code == 302) is write
    assert world.flow.reports.exists() is write
    for name in ("flows", "flows_in", "flows_lost", "flows_followup"):
        listed = client.get(reverse(f"membership:{name}"))
        assert listed.status_code == (200 if read == 200 else listed.status_code)
        if user == "secretary_b":
            body = listed.content.decode()
            assert "外来甲" not in body and "失联甲" not in body and world.member_a.name not in body


def test_lists_filters_and_overdue_flag(world, login):
    client = login(world.users["secretary_a"])
    page = client.get(reverse("membership:flows")).content.decode()
    assert "上海市" in page and 'data-testid="overdue"' in page  # left in January 2024, never reported
    services.flow_report_record(actor=world.users["secretary_a"], flow=world.flow, reported_on=timezone.localdate(),
                                way="online", content="网上汇报")
    assert 'data-testid="overdue"' not in client.get(reverse("membership:flows")).content.decode()
    assert "上海市" not in client.get(reverse("membership:flows") + "?view=overdue").content.decode()
    assert "上海市" not in client.get(reverse("membership:flows") + "?view=ended").content.decode()
    assert "上海市" in client.get(reverse("membership:flows") + "?view=bogus&q=张").content.decode()
    assert "外来甲" not in client.get(reverse("membership:flows_in")).content.decode()  # the township's branch
    assert "外来甲" in login(world.users["town_a_admin"]).get(reverse("membership:flows_in")).content.decode()
    client = login(world.users["secretary_a"])
    assert "失联甲" in client.get(reverse("membership:flows_lost")).content.decode()
    detail = login(world.users["town_a_admin"]).get(reverse("membership:flow_in", args=[world.flow_in.pk]))
    detail = detail.content.decode()
    assert world.flow_in.id_number not in detail and "137****1111" in detail


def test_forms_refuse_bad_input_with_400(world, login):
    client = login(world.users["secretary_a"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(reverse("membership:flow_out_report", args=[world.flow.pk]),
                           {"reported_on": tomorrow, "way": "phone", "content": "x"})
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()
    response = client.post(reverse("membership:flow_out_end", args=[world.flow.pk]), {"ended_on": "3000-01-01"})
    assert response.status_code == 400
    response = client.post(reverse("membership:flow_in_create"), {
        "organization": world.flow_branch.pk, "name": "坏号", "id_number": "123", "home_organization": "某地",
        "since": "2025-01-01"})
    assert response.status_code == 400 and "身份证号" in response.content.decode()
    response = client.post(reverse("membership:flow_lost_search", args=[world.case.pk]),
                           {"searched_on": "2025-07-01", "method": "电话", "searcher": "王", "result": "无"})
    assert response.status_code == 400 and not world.case.searches.exists()
    response = client.post(reverse("membership:flow_lost_create") + f"?member={world.member_b.pk}",
                           {"lost_on": "2025-01-01"})
    assert response.status_code == 404  # branch B's member is out of the secretary's reach
    assert Member.objects.get(pk=world.member_b.pk).status == MemberStatus.NORMAL


def test_create_pages_open_and_end_through_the_forms(world, login):
    client = login(world.users["secretary_a"])
    member = make_member(world.branch_a, "新流出")
    url = reverse("membership:flow_out_create") + f"?member={member.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"place": "北京市", "since": "2025-02-01", "host_organization": world.branch_b.code})
    flow = FlowOut.objects.get(member=member)
    assert response.status_code == 302 and flow.host_organization == world.branch_b
    response = client.post(reverse("membership:flow_lost_close", args=[world.case.pk]), {"found_on": "2025-09-01"})
    assert response.status_code == 302
    assert Member.objects.get(name="失联甲").status == MemberStatus.NORMAL


def _lapsing(world, n, prefix):
    since, cutoff = selectors.followup_cutoffs(timezone.localdate())
    for i in range(n):
        m = make_member(world.branch_a, f"跟进{prefix}{i}")
        MemberAttendanceMark.objects.create(member=m, first_counted_on=since - timedelta(days=300))
        DuesStanding.objects.create(member=m, due_from=date(2020, 1, 1), last_covered=cutoff)


def test_list_query_counts_are_flat(world, login, django_assert_max_num_queries):
    client = login(world.users["town_a_admin"])
    _lapsing(world, 3, "甲")
    for name in ("flows", "flows_in", "flows_lost", "flows_followup"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(f"membership:{name}")).status_code == 200
    _lapsing(world, 12, "乙")
    for i in range(8):
        services.flow_out_open(actor=world.users["secretary_a"], member=Member.objects.get(name=f"跟进乙{i}"),
                               place="外地", since=date(2025, 1, 1))
    for name in ("flows", "flows_in", "flows_lost", "flows_followup"):
        with django_assert_max_num_queries(14):
            response = client.get(reverse(f"membership:{name}"))
        assert response.status_code == 200
    assert response.content.decode().count("跟进") >= 15


@pytest.mark.parametrize("raw", ["１２", "x", "-1", "99999999999999999999999"])
def test_followup_org_parameter_parsed(world, client, raw):
    """?org= is read as an ASCII id (full-width digits, text, out-of-range numbers): not found, never a 500."""
    client.force_login(world.users["district_admin"])
    assert client.get(reverse("membership:flows_followup") + f"?org={raw}").status_code == 404
