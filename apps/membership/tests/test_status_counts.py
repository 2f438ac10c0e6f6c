"""Counts and lists respect the status (issue 15's audit): once a member is 停止党籍, 出党 or 去世 through a status
change, they leave every roster and figure of current members — the organization's stored counts, the
organizational-life roster and follow-up figures, the dues sheet, the 民主评议 roster, the
admission pickers, the transfer picker and the member list's default — while their own pages and history stay. And
the whole-forest scope (the district) sees the status changes and transfers it should (a Q() OR-ed onto nothing()
used to drop it: the district administrator's transfer list was empty)."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.dues import payment_selectors
from apps.evaluations.services import evaluation_open
from apps.members.models import Member
from apps.membership import status_services, transfer_selectors, transfer_services
from apps.membership.status_models import ChangeKind, LeaveType
from apps.orgs.models import OrgMemberCount
from apps.records import selectors as record_selectors
from apps.records import services as record_services
from apps.records.defaults import ensure_default_types
from apps.records.models import ActivityType
from tests.factories import make_member, make_org, refresh


@pytest.fixture
def gone(tree):
    """Branch A: 张三 (normal) and three who left the roster by status changes."""
    admin = tree.users["district_admin"]
    out = {}
    for name, kind in (("停籍人", ChangeKind.SUSPEND), ("出党人", ChangeKind.LEAVE), ("去世人", ChangeKind.DEATH)):
        m = make_member(tree.branch_a, name)
        status_services.status_change_record(actor=admin, member=m, kind=kind, leave_type=LeaveType.QUIT,
                                             effective_on=timezone.localdate(), reason="r", approved_by_name="b",
                                             document_number="n")
        out[name] = m
    tree.gone = out
    return tree


GONE = {"停籍人", "出党人", "去世人"}


def test_stored_counts(gone):
    assert OrgMemberCount.objects.get(organization=gone.branch_a).current == 1


def test_records_roster_and_followup(gone):
    ensure_default_types()
    names = {m.name for m in record_services.roster(gone.branch_a, ActivityType.objects.get(code="theme_day"))}
    assert names == {"张三"}
    today = timezone.localdate()
    admin = gone.users["district_admin"]
    assert record_selectors.members_without_activity(admin, gone.branch_a, date(today.year, 1, 1), today) == 1


def test_dues_sheet(gone):
    assert {m.name for m in payment_selectors.sheet_members(gone.branch_a)} == {"张三"}


def test_evaluation_roster(gone):
    evaluation = evaluation_open(actor=gone.users["district_admin"], organization=gone.branch_a,
                                 year=timezone.localdate().year)
    assert set(evaluation.participants.values_list("member__name", flat=True)) == {"张三"}


def test_transfer_picker_and_member_list(gone, login):
    assert not transfer_selectors.current_members().filter(name__in=GONE).exists()
    page = login(gone.users["secretary_a"]).get(reverse("members:list")).content.decode()
    assert "张三" in page and not any(n in page for n in GONE)
    assert Member.objects.filter(name__in=GONE).count() == 3  # the rows stay


def test_the_district_sees_transfers_and_changes(gone, login):
    branch_c = make_org("丙村党支部", "branch", refresh(gone.town_a), code="A0000049", domain="village")
    transfer_services.transfer_issue(actor=gone.users["secretary_a"], member=gone.member_a, to_organization=branch_c,
                                     reason="工作调动")
    client = login(gone.users["district_admin"])
    assert len(client.get(reverse("membership:transfers")).context["page"].object_list) == 1
    assert len(client.get(reverse("membership:status_changes")).context["page"].object_list) == 3
