"""The demo's flowing members: every 流动 member has an open 流出 record (some with report-backs, some overdue), every
失联 member an open case with search efforts, the flowing-member branches members from elsewhere (ID numbers masked),
and the records agree with the members' status."""

from datetime import date

import pytest

from apps.demo.seed import seed_demo
from apps.members.models import Member, MemberStatus
from apps.membership import flow_selectors
from apps.membership.flow_models import ContactSearch, FlowIn, FlowOut, FlowReport, LostContact

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 12, 4)


def test_the_demo_has_flowing_members_with_and_without_report_backs():
    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    flowing = Member.objects.filter(status=MemberStatus.FLOWING)
    assert flowing.count() == FlowOut.objects.filter(status="open").count() > 0
    assert set(FlowOut.objects.values_list("member_id", flat=True)) == set(flowing.values_list("pk", flat=True))
    assert FlowReport.objects.exists()
    overdue = FlowOut.objects.filter(flow_selectors.report_overdue_q(TODAY))
    assert 0 < overdue.count() < FlowOut.objects.count()
    assert overdue.filter(last_report_on__isnull=False).exists() or overdue.count() > 1
    lost = Member.objects.filter(status=MemberStatus.LOST_CONTACT)
    assert lost.count() == LostContact.objects.filter(status="open").count() > 0
    assert ContactSearch.objects.exists()
    inflow = FlowIn.objects.select_related("organization")
    assert inflow.exists() and all(f.organization.is_flowing for f in inflow)
    assert all("*" in f.id_masked and f.id_masked != f.id_number for f in inflow)
