"""Flowing members' services: 流出 opens and ends with the member's status (through the registry), report-backs and
the yearly flag (boundary days), 流入 with its personal fields encrypted and masked (also in the audit), 失联 with its
searches and the status given back, and the follow-up list of rules.md §4 (boundary days, reads only)."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.idcard import make_id_number
from apps.dues.models import DuesStanding
from apps.members.models import Member, MemberStatus
from apps.membership import flow_selectors as selectors
from apps.membership import flow_services as services
from apps.membership import transfer_services
from apps.membership.flow_models import FlowIn, FlowOut, FlowStatus, LostStatus
from apps.records.models import MemberAttendanceMark
from tests.factories import make_member, make_org, refresh

TODAY = date(2026, 3, 10)


@pytest.fixture
def world(tree):
    tree.flow_branch = make_org("甲镇流动党员党支部", "branch", refresh(tree.town_a), code="A0000029", is_flowing=True)
    tree.sec = tree.users["secretary_a"]
    return tree


def _open(world, since=date(2025, 3, 10), **kw):
    return services.flow_out_open(actor=world.sec, member=world.member_a, place="广东省深圳市", since=since,
                                  contact="微信同手机", host_name="深圳某园区党委", **kw)


def test_flow_out_sets_and_restores_the_member_status(world):
    flow = _open(world)
    member = Member.objects.get(pk=world.member_a.pk)
    assert (member.status, member.flow_place, member.flow_contact) == (MemberStatus.FLOWING, "广东省深圳市", "微信同手机")
    with pytest.raises(ValidationError, match="未结束的流出"):
        _open(world)
    services.flow_report_record(actor=world.sec, flow=flow, reported_on=date(2025, 9, 1), way="phone",
                                content="在深圳务工，参加园区党组织活动")
    flow = services.flow_out_end(actor=world.sec, flow=flow, ended_on=timezone.localdate(), note="返乡")
    member = Member.objects.get(pk=world.member_a.pk)
    assert (flow.status, member.status, member.flow_place) == (FlowStatus.ENDED, MemberStatus.NORMAL, "")
    with pytest.raises(ValidationError, match="已结束"):
        services.flow_report_record(actor=world.sec, flow=flow, reported_on=date(2025, 10, 1), way="phone",
                                    content="x")
    notes = set(AuditEvent.objects.values_list("note", flat=True))
    assert {"流出登记", "登记流动党员汇报", "流动党员返回"} <= notes
    assert AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk)).count() == 2


def test_bad_input_is_refused_and_nothing_half_saved(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        _open(world, since=today + timedelta(days=1))
    with pytest.raises(ValidationError):
        services.flow_out_open(actor=world.sec, member=world.member_a, place="   ", since=date(2025, 1, 1))
    assert not FlowOut.objects.exists()
    assert Member.objects.get(pk=world.member_a.pk).status == MemberStatus.NORMAL
    flow = _open(world)
    for bad in ({"reported_on": date(2025, 3, 9)}, {"way": "fax"}, {"content": "  "},
                {"reported_on": today + timedelta(days=1)}):
        kw = {"reported_on": date(2025, 4, 1), "way": "online", "content": "汇报", **bad}
        with pytest.raises(ValidationError):
            services.flow_report_record(actor=world.sec, flow=flow, **kw)
    assert not flow.reports.exists()


@pytest.mark.parametrize(("today", "overdue"), [
    (date(2026, 3, 9), False), (date(2026, 3, 10), False), (date(2026, 3, 11), True)])
def test_report_flag_boundary_without_report(world, today, overdue):
    flow = _open(world, since=date(2025, 3, 10))
    assert selectors.report_due(flow) == date(2026, 3, 10)
    assert selectors.is_report_overdue(flow, today) is overdue
    assert FlowOut.objects.filter(selectors.report_overdue_q(today), pk=flow.pk).exists() is overdue


@pytest.mark.parametrize(("today", "overdue"), [
    (date(2026, 9, 14), False), (date(2026, 9, 15), False), (date(2026, 9, 16), True)])
def test_report_flag_counts_from_the_latest_report(world, today, overdue, settings):
    flow = _open(world, since=date(2024, 1, 5))
    services.flow_report_record(actor=world.sec, flow=flow, reported_on=date(2025, 9, 15), way="written",
                                content="书面汇报")
    services.flow_report_record(actor=world.sec, flow=flow, reported_on=date(2025, 2, 1), way="phone",
                                content="较早的一次（补登）")
    flow.refresh_from_db()
    assert flow.last_report_on == date(2025, 9, 15)
    assert selectors.is_report_overdue(flow, today) is overdue
    assert FlowOut.objects.filter(selectors.report_overdue_q(today), pk=flow.pk).exists() is overdue
    settings.FLOW_REPORT_MONTHS = 6  # a setting: half a year
    assert selectors.is_report_overdue(flow, date(2026, 3, 16)) is True


def test_flow_in_personal_fields_encrypted_masked_and_not_in_the_audit(world):
    id_number = make_id_number("440305", date(1990, 5, 6), 321)
    data = {"name": "外来党员", "id_number": id_number, "phone": "13912345678", "home_organization": "湖南某村党支部",
            "since": date(2025, 6, 1), "until": None, "card_number": "流2025-0001"}
    with pytest.raises(ValidationError, match="流动党员党支部"):
        services.flow_in_register(actor=world.sec, organization=world.branch_a, data=data)
    flow_in = services.flow_in_register(actor=world.sec, organization=world.flow_branch, data=data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM membership_flowin WHERE id = %s", [flow_in.pk])
        stored = " ".join(cursor.fetchone())
    assert id_number not in stored and "13912345678" not in stored
    assert flow_in.id_masked != id_number and "*" in flow_in.id_masked and flow_in.phone_masked == "139****5678"
    event = AuditEvent.objects.get(object_type="membership.flowin")
    assert id_number not in str(event.after) and "13912345678" not in str(event.after)
    with pytest.raises(ValidationError, match="未结束的流入"):
        services.flow_in_register(actor=world.sec, organization=world.flow_branch, data=data)
    with pytest.raises(ValidationError, match="本平台党员"):
        services.flow_in_register(actor=world.sec, organization=world.flow_branch,
                                  data={**data, "id_number": world.member_a.id_number})
    with pytest.raises(ValidationError):
        services.flow_in_register(actor=world.sec, organization=world.flow_branch,
                                  data={**data, "id_number": id_number[:17] + "0", "until": date(2025, 1, 1)})
    flow_in = services.flow_in_end(actor=world.sec, flow_in=flow_in, ended_on=date(2025, 12, 1))
    assert flow_in.status == FlowStatus.ENDED
    assert FlowIn.objects.count() == 1


def test_lost_contact_keeps_and_gives_back_the_status(world):
    flow = _open(world)
    case = services.lost_contact_open(actor=world.sec, member=world.member_a, lost_on=date(2025, 10, 1), note="电话停机")
    member = Member.objects.get(pk=world.member_a.pk)
    assert (member.status, case.status_before) == (MemberStatus.LOST_CONTACT, MemberStatus.FLOWING)
    with pytest.raises(ValidationError, match="失联"):
        services.flow_out_end(actor=world.sec, flow=flow, ended_on=date(2025, 11, 1))
    with pytest.raises(ValidationError):
        services.lost_contact_search_record(actor=world.sec, case=case, searched_on=date(2025, 9, 30),
                                            method="电话", searcher="王委员", result="无人接听")
    services.lost_contact_search_record(actor=world.sec, case=case, searched_on=date(2025, 10, 8), method="走访家属",
                                        searcher="王委员", result="家属称在外地，未留新号码")
    with pytest.raises(ValidationError):
        services.lost_contact_close(actor=world.sec, case=case, found_on=date(2025, 9, 1))
    case = services.lost_contact_close(actor=world.sec, case=case, found_on=date(2025, 11, 2), note="本人来电")
    member = Member.objects.get(pk=world.member_a.pk)
    assert (case.status, member.status, member.flow_place) == (LostStatus.FOUND, MemberStatus.FLOWING, "广东省深圳市")
    assert case.searches.count() == 1
    with pytest.raises(ValidationError, match="已取得联系"):
        services.lost_contact_close(actor=world.sec, case=case, found_on=date(2025, 11, 3))
    other = services.lost_contact_open(actor=world.sec, member=world.member_b, lost_on=date(2025, 1, 1))
    services.lost_contact_close(actor=world.sec, case=other, found_on=date(2025, 2, 1))
    assert Member.objects.get(pk=world.member_b.pk).status == MemberStatus.NORMAL


# ---- the follow-up list ----

def _lapsing(world, name, *, attended, covered, status="normal", flow_place=""):
    m = make_member(world.branch_a, name, status=status, flow_place=flow_place)
    since = selectors.followup_cutoffs(timezone.localdate())[0]
    MemberAttendanceMark.objects.create(member=m, first_counted_on=since - timedelta(days=200),
                                        last_attended_on=attended)
    DuesStanding.objects.create(member=m, due_from=date(2020, 1, 1), last_covered=covered)
    return m


def _listed(world, user="district_admin"):
    qs, _since, _cutoff = selectors.lapse_followup(world.users[user], world.district, timezone.localdate())
    return set(qs.values_list("name", flat=True))


def test_followup_boundaries_of_attendance_and_dues(world):
    since, cutoff = selectors.followup_cutoffs(timezone.localdate())
    old = cutoff - timedelta(days=400)
    _lapsing(world, "出席前一天", attended=since - timedelta(days=1), covered=cutoff)
    _lapsing(world, "出席当天", attended=since, covered=cutoff)
    _lapsing(world, "从未出席", attended=None, covered=None)
    _lapsing(world, "党费交至临界", attended=None, covered=cutoff)
    _lapsing(world, "党费多交一月", attended=None, covered=cutoff.replace(day=28) + timedelta(days=4))
    _lapsing(world, "流动未转接", attended=old, covered=old, status="flowing", flow_place="浙江")
    in_transfer = _lapsing(world, "转接中", attended=old, covered=old)
    branch_c = make_org("丙村党支部", "branch", refresh(world.town_a), code="A0000039")
    transfer_services.transfer_issue(actor=world.sec, member=in_transfer, to_organization=branch_c, reason="调动")
    assert _listed(world) == {"出席前一天", "从未出席", "党费交至临界", "流动未转接"}
    assert _listed(world, "secretary_b") == set()  # out of scope


def test_followup_months_is_a_setting_and_the_list_writes_nothing(world, settings):
    since, cutoff = selectors.followup_cutoffs(timezone.localdate())
    _lapsing(world, "七个月", attended=since - timedelta(days=20), covered=cutoff)
    settings.LAPSE_FOLLOWUP_MONTHS = 12
    assert _listed(world) == set()
    settings.LAPSE_FOLLOWUP_MONTHS = 6
    with CaptureQueriesContext(connection) as ctx:
        assert _listed(world) == {"七个月"}
    writes = [q["sql"] for q in ctx.captured_queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
    assert writes == []
    assert Member.objects.get(name="七个月").status == MemberStatus.NORMAL
