"""Flowing members in a member's history: 流出, its report-backs and the return; 失联, its searches and found again —
in time order, details and links only for a viewer who may read the record, and queries that do not grow with the
number of events."""

from datetime import date

import pytest

from apps.membership import flow_services as services
from apps.membership import history


@pytest.fixture
def travelled(tree):
    sec = tree.users["secretary_a"]
    flow = services.flow_out_open(actor=sec, member=tree.member_a, place="广东省深圳市", since=date(2025, 3, 1),
                                  contact="微信", host_name="深圳某园区党委")
    services.flow_report_record(actor=sec, flow=flow, reported_on=date(2025, 9, 1), way="phone", content="务工")
    services.flow_out_end(actor=sec, flow=flow, ended_on=date(2025, 12, 1), note="返乡")
    case = services.lost_contact_open(actor=sec, member=tree.member_a, lost_on=date(2026, 1, 5), note="电话停机")
    services.lost_contact_search_record(actor=sec, case=case, searched_on=date(2026, 1, 20), method="走访家属",
                                        searcher="支部委员", result="家属称在外地")
    services.lost_contact_close(actor=sec, case=case, found_on=date(2026, 2, 1), note="本人来电")
    return tree


def test_flow_and_lost_contact_events_in_order(travelled):
    events = [e for e in history.member_history(travelled.member_a, travelled.users["secretary_a"])
              if e.kind.startswith(("flow", "lost"))]
    assert [e.kind for e in events] == ["flow_out", "flow_report", "flow_end", "lost", "lost_search", "lost_found"]
    assert [e.on for e in events] == [date(2025, 3, 1), date(2025, 9, 1), date(2025, 12, 1), date(2026, 1, 5),
                                      date(2026, 1, 20), date(2026, 2, 1)]
    assert "广东省深圳市" in events[0].detail and "深圳某园区党委" in events[0].detail
    assert events[0].link.startswith("/membership/flows/out/")
    assert "家属称在外地" in events[4].detail and events[4].link.startswith("/membership/flows/lost/")


def test_the_member_reads_facts_without_places_or_links(travelled):
    events = [e for e in history.member_history(travelled.member_a, travelled.users["member_a"])
              if e.kind.startswith(("flow", "lost"))]
    assert len(events) == 6
    assert all(e.link == "" and e.detail == "" for e in events)


def test_queries_do_not_grow_with_events(travelled, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = travelled.users["secretary_a"]
    with CaptureQueriesContext(connection) as first:
        history.member_history(travelled.member_a, viewer)
    flow = services.flow_out_open(actor=viewer, member=travelled.member_a, place="上海", since=date(2026, 2, 2))
    for day in (3, 4, 5):
        services.flow_report_record(actor=viewer, flow=flow, reported_on=date(2026, 2, day), way="online", content="好")
    with django_assert_max_num_queries(len(first.captured_queries)):
        history.member_history(travelled.member_a, viewer)
