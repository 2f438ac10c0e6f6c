"""The 公示 (/publicity/, no account): only polls in 公示 are shown (open, counted-but-unpublished and archived ones
are 404); a poll's page shows each subject's score, grade distribution and 好+较好 rate, the turnout reconciled, the
list's fingerprint and the note, never a comment or a voter's name; objections (bad input 4xx, rate-limited per
client); the access matrix and the query counts."""

import pytest
from django.test import Client

from apps.ballots import ballot_services, publicity_services, services
from apps.ballots.models import Objection
from apps.core import ratelimit

from .poll_helpers import all_codes, full_ratings, open_two_way, text_key

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin", "anonymous"]
COMMENT = "希望支部多开展入户走访"


def _counted(tree, *, publish=True, note="经核对，结果如下。"):
    """A two-way poll with five ballots (好 ×3, 较好, 差) and a comment, closed and (by default) published."""
    p = open_two_way(tree)
    for code, option in zip(all_codes(p), (0, 0, 0, 1, 3), strict=True):
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, option),
                             texts={text_key(p): COMMENT} if option == 3 else {})
    p = services.poll_close(actor=None, poll=p)
    if publish:
        p = publicity_services.poll_publish(actor=tree.users["district_admin"], poll=p, note=note)
    return p


def test_the_page_shows_the_result_and_the_turnout_not_the_comments_or_names(client, tree):
    p = _counted(tree)
    index = client.get("/publicity/")
    assert index.status_code == 200 and p.title in index.content.decode()
    page = client.get(f"/publicity/{p.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "甲村党支部委员会" in body and "甲镇党委" in body
    assert "经核对，结果如下。" in body
    assert p.eligible_fingerprint in body and len(p.eligible_fingerprint) == 64
    # score: 4 items × (100,100,100,80,0)/5 = 76.00; 好+较好 4 of 5 = 80.00%
    assert 'data-testid="score">76.00<' in body
    assert 'data-testid="good-rate">80.00%<' in body
    assert "好 12（60.00%）" in body and "较好 4（20.00%）" in body and "差 4（20.00%）" in body
    assert 'data-testid="ballots">5<' in body and "一致" in body
    assert p.publish_until.strftime("%Y-%m-%d") in body
    # no comment, no voter's name (the members and the invited representative on the list)
    assert COMMENT not in body
    for voter in p.voters.all():
        assert voter.name not in body
    assert tree.member_a.name not in body


@pytest.mark.parametrize("stage", ["open", "counted", "archived"])
def test_nothing_is_shown_outside_the_publicity(client, tree, stage):
    if stage == "open":
        p = open_two_way(tree)
    else:
        p = _counted(tree, publish=stage == "archived")
        if stage == "archived":
            p = publicity_services.poll_archive(actor=None, poll=p)
    assert client.get(f"/publicity/{p.pk}/").status_code == 404
    assert client.post(f"/publicity/{p.pk}/objection/", {"text": "有异议"}).status_code == 404
    assert p.title not in client.get("/publicity/").content.decode()
    assert client.get("/publicity/999999/").status_code == 404


def test_an_objection_is_recorded_and_confirmed(client, tree):
    p = _counted(tree)
    subject = p.subjects.get()
    done = client.post(f"/publicity/{p.pk}/objection/", {"text": "投票当天有人未领到测评码", "subject": subject.pk,
                                                           "contact": "13900001111"})
    assert done.status_code == 302 and done["Location"] == f"/publicity/{p.pk}/objection/done/"
    assert "您的异议已提交" in client.get(done["Location"]).content.decode()
    o = Objection.objects.get()
    assert (o.poll, o.subject, o.text, o.contact) == (p, subject, "投票当天有人未领到测评码", "13900001111")
    # the contact is not shown on the public page
    assert "13900001111" not in client.get(f"/publicity/{p.pk}/").content.decode()


def test_bad_objections_are_4xx_in_chinese(client, tree, settings):
    p = _counted(tree)
    url = f"/publicity/{p.pk}/objection/"
    cases = [
        ({"text": ""}, "请填写异议内容"),
        ({"text": "有\x00异议"}, None),
        ({"text": "异" * 2001}, "不能超过"),
        ({"text": "有异议", "subject": "999999"}, "请选择本测评的测评对象"),
        ({"text": "有异议", "subject": "²"}, "请选择本测评的测评对象"),
        ({"text": "有异议", "contact": "1" * 61}, "联系方式不能超过"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert 400 <= response.status_code < 500, data
        if message:
            assert message in response.content.decode(), data
    assert client.get(url).status_code == 405
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    assert client.post(url, {"text": "长" * 3000}).status_code in (400, 413)
    assert not Objection.objects.exists()


def test_objections_are_limited_per_client(client, tree, settings):
    settings.BALLOT_OBJECTIONS_MAX = 2
    p = _counted(tree)
    url = f"/publicity/{p.pk}/objection/"
    assert client.post(url, {"text": "一"}).status_code == 302
    assert client.post(url, {"text": "二"}).status_code == 302
    refused = client.post(url, {"text": "三"})
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert Client(REMOTE_ADDR="10.1.2.3").post(url, {"text": "四"}).status_code == 302
    assert Objection.objects.count() == 3
    assert ratelimit.peek("ballot-objection", "127.0.0.1", window=3600) == 3


def test_an_objection_after_the_period_is_refused(client, tree):
    from datetime import timedelta

    from django.utils import timezone

    p = _counted(tree)
    p.publish_until = timezone.localdate() - timedelta(days=1)
    p.save(update_fields=["publish_until"])
    refused = client.post(f"/publicity/{p.pk}/objection/", {"text": "有异议"})
    assert refused.status_code == 400 and "公示期已结束" in refused.content.decode()
    assert not Objection.objects.exists()


def test_access_matrix(client, tree):
    published, open_poll = _counted(tree), open_two_way(tree)
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(tree.users[role])
        assert client.get("/publicity/").status_code == 200, role
        assert client.get(f"/publicity/{published.pk}/").status_code == 200, role
        assert client.get(f"/publicity/{published.pk}/objection/done/").status_code == 200, role
        assert client.get(f"/publicity/{open_poll.pk}/").status_code == 404, role
        assert client.get(f"/publicity/{open_poll.pk}/objection/done/").status_code == 404, role


def test_query_counts_do_not_grow_with_the_polls(client, tree, django_assert_max_num_queries):
    polls = [_counted(tree) for _n in range(3)]
    with django_assert_max_num_queries(4):
        page = client.get("/publicity/")
    assert all(p.title in page.content.decode() for p in polls)
    with django_assert_max_num_queries(14):
        assert client.get(f"/publicity/{polls[0].pk}/").status_code == 200
