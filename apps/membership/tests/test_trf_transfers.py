"""Transfers within the platform: the steps and who may take each, rejection and resend, the move on acceptance
(counts and lists), the dues paid-up-to month carried, the waiting flag (boundary days), access matrix, bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.access import policy
from apps.access.models import Role
from apps.audit.models import AuditEvent
from apps.dues.models import DuesPayment, DuesStanding
from apps.members.models import Member
from apps.membership import transfer_selectors as selectors
from apps.membership import transfer_services as services
from apps.membership.transfer_models import Transfer, TransferStatus
from apps.orgs.models import OrgMemberCount
from tests.factories import make_member, make_org, make_user, refresh


@pytest.fixture
def world(tree):
    tree.branch_c = make_org("丙村党支部", "branch", refresh(tree.town_a), code="A0000009", domain="village")
    tree.users["secretary_c"] = make_user("secretary_c", Role.SECRETARY, tree.branch_c)
    return tree


def _count(org):
    row = OrgMemberCount.objects.filter(organization=org).first()
    return row.current if row else 0


def _send(world, **kw):
    return services.transfer_issue(actor=world.users["secretary_a"], member=world.member_a,
                                   to_organization=world.branch_b, reason="工作调动", **kw)


def test_accept_moves_the_member_and_keeps_counts(world):
    a_before, b_before = _count(world.branch_a), _count(world.branch_b)
    t = _send(world)
    assert t.status == TransferStatus.SENT and t.from_organization == world.branch_a
    assert Member.objects.get(pk=world.member_a.pk).organization_id == world.branch_a.pk  # still the sender's
    services.transfer_accept(actor=world.users["secretary_b"], transfer=t)
    member = Member.objects.get(pk=world.member_a.pk)
    assert member.organization_id == world.branch_b.pk
    assert (_count(world.branch_a), _count(world.branch_b)) == (a_before - 1, b_before + 1)
    sec_a, sec_b = world.users["secretary_a"], world.users["secretary_b"]
    policy.clear_cache(sec_a), policy.clear_cache(sec_b)
    assert member in policy.restrict(Member, sec_b) and member not in policy.restrict(Member, sec_a)
    notes = list(AuditEvent.objects.filter(object_type="membership.transfer").values_list("note", flat=True))
    assert "发出组织关系转接" in notes and "接收组织关系" in notes
    assert AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk)).exists()


def test_reject_and_resend_to_another_branch(world):
    t = _send(world)
    with pytest.raises(ValidationError):
        services.transfer_reject(actor=world.users["secretary_b"], transfer=t, reason="  ")
    t = services.transfer_reject(actor=world.users["secretary_b"], transfer=t, reason="材料不全")
    assert t.status == TransferStatus.REJECTED and t.rejection_reason == "材料不全"
    with pytest.raises(ValidationError, match="只有已发出"):
        services.transfer_accept(actor=world.users["secretary_b"], transfer=t)
    t = services.transfer_resend(actor=world.users["secretary_a"], transfer=t, to_organization=world.branch_c)
    assert (t.status, t.to_organization, t.times_sent) == (TransferStatus.SENT, world.branch_c, 2)
    services.transfer_accept(actor=world.users["secretary_c"], transfer=t)
    assert Member.objects.get(pk=world.member_a.pk).organization_id == world.branch_c.pk


def test_one_open_transfer_and_bad_destinations(world):
    with pytest.raises(ValidationError):
        services.transfer_issue(actor=world.users["secretary_a"], member=world.member_a,
                                to_organization=world.branch_a, reason="x")
    with pytest.raises(ValidationError):
        services.transfer_issue(actor=world.users["secretary_a"], member=world.member_a,
                                to_organization=world.town_b, reason="x")
    _send(world)
    with pytest.raises(ValidationError, match="正在办理"):
        _send(world)


def test_dues_paid_to_travels_and_next_month_is_paid_at_the_new_branch(world):
    DuesStanding.objects.create(member=world.member_a, due_from=date(2026, 1, 1), last_covered=date(2026, 10, 1))
    t = _send(world)
    assert t.dues_paid_to == date(2026, 10, 1)
    services.transfer_accept(actor=world.users["secretary_b"], transfer=t)
    member = Member.objects.get(pk=world.member_a.pk)
    # The collecting organization of a payment is the member's when recorded (the dues app's rule): now branch B.
    pay = DuesPayment.objects.create(member=member, organization=member.organization, month=date(2026, 11, 1),
                                     amount=Decimal("10.00"), paid_on=date(2026, 11, 5),
                                     recorded_by=world.users["secretary_b"])
    assert pay.organization_id == world.branch_b.pk
    sheet = Member.objects.current().filter(organization=world.branch_b)
    assert member in sheet


def test_the_receiving_sheet_picks_the_member_up_from_the_next_month(world):
    """Accepted in a month: the receiving branch's dues sheet lists the member from the next month on (the sender
    collected up to the month its transfer states); the paid-up-to month is kept."""
    from django.utils import timezone

    from apps.dues import payment_selectors
    from apps.dues.rules import add_months, month_start

    DuesStanding.objects.create(member=world.member_a, due_from=date(2026, 1, 1), last_covered=date(2026, 10, 1))
    services.transfer_accept(actor=world.users["secretary_b"], transfer=_send(world))
    this_month = month_start(timezone.localdate())
    assert world.member_a not in payment_selectors.sheet_members(world.branch_b, this_month)
    assert world.member_a in payment_selectors.sheet_members(world.branch_b, add_months(this_month, 1))
    assert world.member_a not in payment_selectors.sheet_members(world.branch_a, add_months(this_month, 1))
    standing = DuesStanding.objects.get(member=world.member_a)
    assert (standing.sheet_from, standing.last_covered) == (add_months(this_month, 1), date(2026, 10, 1))
    # Members not moved by a transfer are on their sheet every month.
    assert world.member_b in payment_selectors.sheet_members(world.branch_b, this_month)


@pytest.mark.parametrize("age, flagged", [(29, False), (30, False), (31, True)])
def test_waiting_flag_boundary(world, age, flagged):
    today = date(2026, 12, 4)
    t = _send(world)
    Transfer.objects.filter(pk=t.pk).update(sent_on=today - timedelta(days=age))
    t.refresh_from_db()
    assert selectors.is_transfer_overdue(t, today) is flagged
    assert Transfer.objects.filter(selectors.overdue_transfers_q(today), pk=t.pk).exists() is flagged


ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "secretary_c", "member_a", "auditor"]


@pytest.mark.parametrize("role, detail, accept, resend", [
    ("district_admin", 200, 302, 302),
    ("town_a_admin", 200, 403, 302),   # the sending side's township: reads, may not accept for branch B
    ("secretary_a", 200, 403, 302),
    ("secretary_b", 200, 302, 403),
    ("secretary_c", 404, 404, 404),    # a third branch sees nothing
    ("member_a", 404, 404, 404),
    ("auditor", 404, 404, 404),
])
def test_access_matrix(world, client, role, detail, accept, resend):
    t = _send(world)
    client.force_login(world.users[role])
    assert client.get(reverse("membership:transfer", args=[t.pk])).status_code == detail
    if resend != 404 and resend != 403:
        services.transfer_reject(actor=world.users["secretary_b"], transfer=t, reason="退回")
        assert client.post(reverse("membership:transfer_resend", args=[t.pk]), {}).status_code == resend
    else:
        assert client.post(reverse("membership:transfer_resend", args=[t.pk]), {}).status_code == resend
        assert client.post(reverse("membership:transfer_accept", args=[t.pk])).status_code == accept


@pytest.mark.parametrize("role, status", [("district_admin", 200), ("secretary_a", 200), ("secretary_c", 200),
                                          ("member_a", 403), ("auditor", 403)])
def test_list_access(world, client, role, status):
    client.force_login(world.users[role])
    assert client.get(reverse("membership:transfers")).status_code == status
    assert client.get(reverse("membership:transfer_create")).status_code == status


def test_pages_walk_reject_resend_accept(world, client):
    client.force_login(world.users["secretary_a"])
    url = reverse("membership:transfer_create") + f"?member={world.member_a.pk}"
    r = client.post(url, {"to_organization": "NOPE", "reason": "工作调动"})
    assert r.status_code == 400 and "未找到该组织编码" in r.content.decode()
    r = client.post(url, {"to_organization": world.branch_b.code, "reason": "工作调动"})
    assert r.status_code == 302
    t = Transfer.objects.get(member=world.member_a)
    client.force_login(world.users["secretary_b"])
    assert client.post(reverse("membership:transfer_reject", args=[t.pk]), {"reason": ""}).status_code == 400
    assert client.post(reverse("membership:transfer_reject", args=[t.pk]), {"reason": "信息有误"}).status_code == 302
    client.force_login(world.users["secretary_a"])
    assert client.post(reverse("membership:transfer_resend", args=[t.pk]), {"to_organization": ""}).status_code == 302
    client.force_login(world.users["secretary_b"])
    r = client.get(reverse("membership:transfers") + "?view=in")
    assert "张三" in r.content.decode()
    assert client.post(reverse("membership:transfer_accept", args=[t.pk])).status_code == 302
    assert client.post(reverse("membership:transfer_accept", args=[t.pk])).status_code == 400  # already accepted
    assert Member.objects.get(pk=world.member_a.pk).organization_id == world.branch_b.pk


def test_bad_ids_are_404(world, client):
    client.force_login(world.users["secretary_a"])
    assert client.get(reverse("membership:transfer_create") + "?member=abc").status_code == 404
    assert client.get(reverse("membership:transfer_create") + f"?member={world.member_b.pk}").status_code == 404
    assert client.get("/membership/transfers/99999999999999999999/").status_code == 404


def test_list_query_count_flat(world, client):
    others = [make_member(world.branch_a, f"王{i}") for i in range(30)]
    client.force_login(world.users["district_admin"])

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("membership:transfers")).status_code == 200
        return len(ctx.captured_queries)

    for m in others[:3]:
        services.transfer_issue(actor=world.users["secretary_a"], member=m, to_organization=world.branch_b, reason="调动")
    queries()  # the first request warms the session and caches
    few = queries()
    for m in others[3:]:
        services.transfer_issue(actor=world.users["secretary_a"], member=m, to_organization=world.branch_b, reason="调动")
    assert queries() == few


def test_joint_and_temporary_branches_receive_transfers(world):
    """联合党支部 and 临时党支部 (the project-based branches) are branches too: a transfer may go to them."""
    joint = make_org("甲镇联合党支部", "joint_branch", refresh(world.town_a), code="A0000077")
    transfer = services.transfer_issue(actor=world.users["secretary_a"], member=world.member_a, to_organization=joint,
                                       reason="到联合企业工作")
    assert transfer.to_organization == joint
    assert selectors.branch_by_code("A0000077") == joint
