"""Two rules a tester tried: a leader being rated cannot run their own evaluation (comment, slips, steps), and a
survey's village with fewer than SURVEY_MIN_CELL answers is not shown in detail on the public 公示 page either."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from apps.access.models import Role
from apps.ballots import ballot_services, publicity_services, report_services, services
from apps.ballots.models import PollKind, ReportKind
from tests.factories import make_member, make_user

from .poll_helpers import full_ratings, poll

pytestmark = pytest.mark.django_db


def test_a_rated_leader_cannot_manage_their_own_evaluation(tree):
    # 王五, branch A's secretary, also holds the township's administrator role: rated in the township's 三述一评
    # (their own account writes the reports), they may not run it
    leader = make_member(tree.branch_a, "王五")
    rated_admin = make_user("wangwu", Role.ORG_ADMIN, tree.town_a, member=leader)
    p = poll(tree, PollKind.SANSHU)
    subject = services.subject_add(actor=None, poll=p, name="王五", organization=tree.branch_a, member=leader)
    assert subject.reporter == rated_admin
    assert services.is_rated(rated_admin, p) and not services.may_manage(rated_admin, p)
    assert services.may_manage(tree.users["town_a_admin"], p)
    with pytest.raises(PermissionDenied, match="测评的对象"):
        services.poll_start_reports(actor=rated_admin, poll=p)
    p = services.poll_start_reports(actor=tree.users["town_a_admin"], poll=p)
    for kind in ReportKind.values:
        report_services.report_save(actor=rated_admin, subject=subject, kind=kind, text="报告正文")
    with pytest.raises(PermissionDenied, match="测评的对象"):
        report_services.leader_comment_save(actor=rated_admin, subject=subject, text="自评")
    client = Client()
    client.force_login(rated_admin)
    assert client.post(f"/ballots/{p.pk}/step/open/").status_code == 403
    page = client.get(f"/ballots/{p.pk}/")
    assert page.status_code == 200 and 'data-testid="step-open"' not in page.content.decode()


def test_small_villages_are_not_shown_on_the_public_page(tree, settings):
    settings.SURVEY_MIN_CELL = 5
    p = poll(tree, PollKind.SURVEY, org=tree.district, title="群众满意度测评")
    big = services.subject_add(actor=None, poll=p, name="甲村", organization=tree.branch_a)
    small = services.subject_add(actor=None, poll=p, name="乙村", organization=tree.branch_b)
    p = services.poll_open(actor=None, poll=p)
    services.phones_add(actor=None, poll=p, subject=big, numbers=[f"1390013900{i}" for i in range(6)])
    services.phones_add(actor=None, poll=p, subject=small, numbers=["13700137000"])
    for i in range(6):
        ballot_services.ballot_cast_by_phone(poll=p, phone=f"1390013900{i}", ratings=full_ratings(p, 0, big))
    ballot_services.ballot_cast_by_phone(poll=p, phone="13700137000", ratings=full_ratings(p, 2, small))  # 不满意
    p = services.poll_close(actor=None, poll=p)
    publicity_services.poll_publish(actor=None, poll=p)
    body = Client().get(f"/publicity/{p.pk}/").content.decode()
    assert body.count('data-testid="public-subject"') == 2
    assert body.count('data-testid="suppressed"') == 1 and "样本不足" in body
    assert body.count('data-testid="distribution"') == 1  # only 甲村's grades; 乙村's one answer stays unread
