"""A member's whole history on their page: every source's events in time order (admission steps, transfers step by
step, letters and 回执, the incoming letter, documents, status changes and their correction), links and details only
where the viewer may read the object, bounded queries, and a surface adding its source with one line."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.membership import history, status_services, transfer_services
from apps.membership.status_models import ChangeKind
from tests.factories import make_org, refresh


@pytest.fixture
def busy(tree):
    """Member A: a transfer to branch C rejected, resent to branch B and accepted; a letter with its 回执, a 证明信;
    then suspended (by township B's committee... recorded by the district)."""
    sec_a, admin = tree.users["secretary_a"], tree.users["district_admin"]
    branch_c = make_org("丙村党支部", "branch", refresh(tree.town_a), code="A0000039", domain="village")
    letter = transfer_services.letter_issue(actor=sec_a, member=tree.member_a, destination="外地某党支部")
    transfer_services.letter_receipt_record(actor=sec_a, letter=letter, received_on=timezone.localdate(), note="已到")
    transfer_services.document_issue(actor=sec_a, member=tree.member_a, kind="certificate", place="广州")
    t = transfer_services.transfer_issue(actor=sec_a, member=tree.member_a, to_organization=branch_c,
                                         reason="工作调动")
    t = transfer_services.transfer_reject(actor=admin, transfer=t, reason="材料不全：缺党费证明")
    t = transfer_services.transfer_resend(actor=sec_a, transfer=t, to_organization=tree.branch_b)
    transfer_services.transfer_accept(actor=admin, transfer=t)
    status_services.status_change_record(actor=admin, member=tree.member_a, kind=ChangeKind.SUSPEND,
                                         effective_on=timezone.localdate(), reason="失联满六个月",
                                         approved_by_name="中共乙镇委员会", document_number="乙组5号")
    return tree


def test_events_in_time_order(busy):
    events = history.member_history(busy.member_a, busy.users["district_admin"])
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["joined", "full"]
    assert [k for k in kinds if k.startswith("transfer_")] == [
        "transfer_sent", "transfer_rejected", "transfer_resent", "transfer_accepted"]
    assert {"letter", "receipt", "document", "status_suspend"} <= set(kinds)
    assert [e.on for e in events] == sorted(e.on for e in events)
    rejected = next(e for e in events if e.kind == "transfer_rejected")
    assert "丙村党支部" in rejected.detail and "缺党费证明" in rejected.detail
    accepted = next(e for e in events if e.kind == "transfer_accepted")
    assert "乙村党支部" in accepted.detail
    assert kinds.index("transfer_accepted") < kinds.index("status_suspend")  # same day, in order


def test_links_and_details_only_where_the_viewer_may_read(busy):
    # Member A now belongs to branch B: its secretary sees the member, the transfer (the receiving side) and the
    # change, but not branch A's letter and certificate.
    events = {e.kind: e for e in history.member_history(busy.member_a, busy.users["secretary_b"])}
    assert events["transfer_accepted"].link.startswith("/membership/transfers/")
    assert events["status_suspend"].link and "失联满六个月" in events["status_suspend"].detail
    assert events["letter"].link == "" and "外地某党支部" not in events["letter"].detail
    assert events["document"].detail == "" and events["receipt"].detail == ""
    # The member reading their own page: facts and dates, no links, no reasons.
    own = history.member_history(busy.member_a, busy.users["member_a"])
    assert own and all(e.link == "" for e in own)
    assert all("缺党费证明" not in e.detail and "失联满六个月" not in e.detail for e in own)
    assert all(busy.member_a.id_number not in e.detail for e in own)


def test_admission_steps(adm_world):
    from apps.membership.tests.adm_helpers import advance, new_applicant

    tree = adm_world["tree"]
    applicant = new_applicant(tree)
    advance(applicant, adm_world, 19)
    applicant.refresh_from_db()
    events = history.member_history(applicant.member, tree.users["district_admin"])
    steps = [e for e in events if e.kind == "admission"]
    assert [e.seq for e in steps] == list(range(1, 20))
    assert steps[0].title.startswith("发展党员第1步") and "第19步" in steps[-1].title
    assert steps[0].link == reverse("membership:admission_detail", args=[applicant.pk])
    assert not any(e.kind == "joined" for e in events)  # the admission's steps stand for it
    own = history.member_history(applicant.member, tree.users["secretary_b"])
    assert all(e.link == "" for e in own)


def test_correction_shows_both(tree):
    admin = tree.users["district_admin"]
    change = status_services.status_change_record(
        actor=admin, member=tree.member_a, kind=ChangeKind.DEATH, effective_on=timezone.localdate() - timedelta(1),
        reason="误报", approved_by_name="中共甲镇委员会", document_number="甲组9号")
    status_services.status_change_correct(actor=admin, change=change, reason="系同名他人")
    events = {e.kind: e for e in history.member_history(tree.member_a, admin)}
    assert "已更正" in events["status_death"].detail and events["status_corrected"].detail == "系同名他人"


def test_query_count_is_bounded(busy, login, django_assert_max_num_queries):
    client = login(busy.users["district_admin"])
    url = reverse("members:detail", args=[busy.member_a.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as ctx:
        page = client.get(url).content.decode()
    base = len(ctx.captured_queries)
    assert 'data-testid="member-history"' in page and 'data-testid="status-change-button"' in page
    # more events, the same queries
    status_services.status_change_record(actor=busy.users["district_admin"], member=busy.member_a,
                                         kind=ChangeKind.RESTORE, effective_on=timezone.localdate(), reason="已联系",
                                         approved_by_name="中共乙镇委员会", document_number="乙组6号")
    for _i in range(3):
        transfer_services.document_issue(actor=busy.users["secretary_b"], member=busy.member_a, kind="flow_card")
    with django_assert_max_num_queries(base):
        client.get(url)


def test_a_surface_adds_its_source_with_one_line(tree):
    def flow_events(member, viewer):
        yield history.Event(date(2020, 1, 2), "外出流动", kind="flow")

    history.register_source(flow_events)
    try:
        with pytest.raises(RuntimeError):
            history.register_source(flow_events)
        events = history.member_history(tree.member_a, tree.users["district_admin"])
        assert [e.kind for e in events][:3] == ["joined", "full", "flow"]
    finally:
        history.SOURCES.remove(flow_events)
