"""The evaluation pages: opening, the roster, grading, finalizing, a member's own page, results on the record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.evaluations import services
from apps.evaluations.models import Evaluation, Participant, PeerRating
from tests.factories import make_member

from .conftest import grade_all


def _grades_post(setup, excellent=()):
    """The grade form as the secretary submits it: every graded member, 合格 unless named in `excellent`."""
    return {f"grade_{setup.parts[m.pk].pk}": ("excellent" if m in excellent else "qualified") for m in setup.full}


@pytest.mark.django_db
class TestOpenPage:
    def test_secretary_opens_an_evaluation_of_their_branch(self, tree, login):
        client = login(tree.users["secretary_a"])
        assert 'name="organization_pk"' in client.get("/evaluations/new/").content.decode()  # the picker
        offered = client.get("/orgs/pick/", {"cap": "record.manage", "kinds": "branch", "q": "甲村"}).content.decode()
        assert "甲村党支部" in offered and "乙村党支部" not in offered and "甲村第一党小组" not in offered
        response = client.post("/evaluations/new/", {"organization": tree.branch_a.pk, "year": 2025})
        evaluation = Evaluation.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/evaluations/{evaluation.pk}/"
        assert evaluation.participants.count() == 1

    def test_bad_input_is_refused_in_chinese(self, tree, login):
        client = login(tree.users["secretary_a"])
        cases = [
            ({"organization": tree.branch_b.pk, "year": 2025}, "您无权在该党支部开展评议"),
            ({"organization": tree.group_a.pk, "year": 2025}, "您无权在该党支部开展评议"),
            ({"organization": "abc", "year": "二〇二五"}, "请输入年份"),
            ({"organization": tree.branch_a.pk, "year": 2999}, "不能开展未来年度的评议"),
        ]
        for data, message in cases:
            response = client.post("/evaluations/new/", data)
            assert response.status_code == 400 and message in response.content.decode(), data
        client.post("/evaluations/new/", {"organization": tree.branch_a.pk, "year": 2025})
        response = client.post("/evaluations/new/", {"organization": tree.branch_a.pk, "year": 2025})
        assert response.status_code == 400 and "每年只开展一次" in response.content.decode()
        assert Evaluation.objects.count() == 1


@pytest.mark.django_db
class TestRosterPage:
    def test_roster_shows_self_evaluation_tallies_and_the_excellent_limit(self, tree, login, branch_a):
        services.self_evaluation_submit(actor=None, evaluation=branch_a.evaluation, member=tree.member_a, text="自评内容")
        for rater in branch_a.full[1:4]:
            services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=rater, ratee_id=tree.member_a.pk,
                                      grade="excellent", comment=f"{rater.name}的意见")
        page = login(branch_a.secretary).get(f"/evaluations/{branch_a.evaluation.pk}/").content.decode()
        assert "1 / 8" in page  # self-evaluations submitted
        assert "优秀 3 · 合格 0 · 基本合格 0 · 不合格 0" in page
        assert "0 / 2" in page  # 优秀 so far / at most
        assert "预备党员参加评议，不评定等次" in page
        detail = login(branch_a.secretary).get(
            f"/evaluations/{branch_a.evaluation.pk}/participants/{branch_a.parts[tree.member_a.pk].pk}/").content.decode()
        assert "自评内容" in detail and "党员1的意见" in detail

    def test_grading_through_the_form(self, tree, login, branch_a):
        client = login(branch_a.secretary)
        url = f"/evaluations/{branch_a.evaluation.pk}/grades/"
        response = client.post(url, _grades_post(branch_a, excellent=branch_a.full[:3]))
        assert response.status_code == 400 and "至多评定2名优秀" in response.content.decode()
        assert not Participant.objects.exclude(grade="").exists()
        response = client.post(url, {**_grades_post(branch_a), f"grade_{branch_a.parts[tree.member_a.pk].pk}": "best"})
        assert response.status_code == 400 and not Participant.objects.exclude(grade="").exists()
        response = client.post(url, _grades_post(branch_a, excellent=branch_a.full[:2]))
        assert response.status_code == 302
        assert Participant.objects.filter(grade="excellent").count() == 2
        assert "2 / 2" in client.get(f"/evaluations/{branch_a.evaluation.pk}/").content.decode()

    def test_probationary_grade_in_the_post_is_ignored_by_the_form(self, login, branch_a):
        data = {**_grades_post(branch_a), f"grade_{branch_a.parts[branch_a.probationary.pk].pk}": "excellent"}
        assert login(branch_a.secretary).post(f"/evaluations/{branch_a.evaluation.pk}/grades/", data).status_code == 302
        assert Participant.objects.get(member=branch_a.probationary).grade == ""

    def test_finalize_needs_every_grade_and_then_locks(self, tree, login, branch_a):
        client = login(branch_a.secretary)
        url = f"/evaluations/{branch_a.evaluation.pk}/finalize/"
        response = client.post(url)
        assert response.status_code == 400 and "还有7名党员未评定等次" in response.content.decode()
        grade_all(branch_a)
        assert client.post(url, {"confirmed": "1"}).status_code == 302
        page = client.get(f"/evaluations/{branch_a.evaluation.pk}/").content.decode()
        assert "已结束" in page and "保存等次" not in page and "结束评议</button>" not in page
        response = client.post(f"/evaluations/{branch_a.evaluation.pk}/grades/", _grades_post(branch_a))
        assert response.status_code == 400 and "本次评议已结束" in response.content.decode()
        assert client.post(url).status_code == 400

    def test_roster_page_has_no_n_plus_one(self, tree, login, django_assert_max_num_queries):
        def queries_for(size, year):
            members = [make_member(tree.branch_a, f"成员{year}{i}", seq=(year - 2000) * 50 + i) for i in range(size)]
            evaluation = services.evaluation_open(actor=None, organization=tree.branch_a, year=year)
            for rater in members:
                for ratee in members[:3]:
                    if rater != ratee:
                        services.peer_rating_save(actor=None, evaluation=evaluation, rater=rater, ratee_id=ratee.pk, grade="qualified")
            client = login(tree.users["secretary_a"])
            client.get("/evaluations/")  # the first request of a session costs its own queries
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/evaluations/{evaluation.pk}/").status_code == 200
            return len(ctx.captured_queries), evaluation

        small, _ = queries_for(3, 2023)
        large, evaluation = queries_for(25, 2024)
        assert small == large
        client = login(tree.users["secretary_a"])
        with django_assert_max_num_queries(10):
            client.get(f"/evaluations/{evaluation.pk}/")
        client = login(tree.users["district_admin"])
        client.get("/evaluations/")
        with django_assert_max_num_queries(8):
            client.get("/evaluations/")


@pytest.mark.django_db
class TestMemberPages:
    def test_member_writes_self_evaluation_and_rates_others(self, tree, login, branch_a):
        client = login(tree.users["member_a"])
        base = f"/evaluations/{branch_a.evaluation.pk}"
        page = client.get(f"{base}/me/").content.decode()
        assert "个人自评" in page and "党员1" in page and "预备党员参加评议，不评定等次" in page
        assert client.post(f"{base}/me/self-evaluation/", {"text": "本年度认真履行党员义务"}).status_code == 302
        response = client.post(f"{base}/me/self-evaluation/", {"text": ""})
        assert response.status_code == 400
        assert Participant.objects.get(member=tree.member_a).self_evaluation == "本年度认真履行党员义务"
        ratee = branch_a.full[1]
        assert client.post(f"{base}/me/ratings/", {"ratee": ratee.pk, "grade": "excellent", "comment": "好"}).status_code == 302
        for data, message in [
            ({"ratee": tree.member_a.pk, "grade": "excellent"}, "不能评议自己"),
            ({"ratee": branch_a.probationary.pk, "grade": "qualified"}, "预备党员参加评议，不评定等次"),
            ({"ratee": tree.member_b.pk, "grade": "qualified"}, "被评议人不在本次评议名单中"),
            ({"ratee": "abc", "grade": "qualified"}, "被评议人无效"),
            ({"ratee": ratee.pk, "grade": "best"}, "选择一个有效的选项"),
        ]:
            response = client.post(f"{base}/me/ratings/", data)
            assert response.status_code == 400 and message in response.content.decode(), data
        assert PeerRating.objects.count() == 1

    def test_member_never_sees_the_others_ratings_and_sees_own_grade_after_finalizing(self, tree, login, branch_a):
        services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=branch_a.full[1],
                                  ratee_id=tree.member_a.pk, grade="unqualified", comment="秘密意见")
        services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=branch_a.full[1],
                                  ratee_id=branch_a.full[2].pk, grade="unqualified", comment="另一条意见")
        client = login(tree.users["member_a"])
        base = f"/evaluations/{branch_a.evaluation.pk}"
        assert client.get(f"{base}/").status_code == 302  # the roster sends them to their own page
        page = client.get(f"{base}/me/").content.decode()
        assert "秘密意见" not in page and "另一条意见" not in page
        assert client.get(f"{base}/participants/{branch_a.parts[tree.member_a.pk].pk}/").status_code == 403
        grade_all(branch_a, excellent=1)
        assert 'data-testid="my-result"' not in client.get(f"{base}/me/").content.decode()  # grades are not final yet
        services.evaluation_finalize(actor=None, evaluation=branch_a.evaluation)
        page = client.get(f"{base}/me/").content.decode()
        result = page.split('data-testid="my-result"')[1].split("</div></div>")[0]
        assert "我的评议结果" in result and "优秀" in result and "秘密意见" not in page
        mine = client.get("/evaluations/").content.decode()
        assert "我的评议" in mine and "优秀" in mine


@pytest.mark.django_db
def test_results_are_kept_on_the_member_record(tree, login, branch_a):
    grade_all(branch_a, excellent=1)
    client = login(branch_a.secretary)
    page = client.get(f"/members/{tree.member_a.pk}/").content.decode()
    assert "民主评议结果" in page and "暂无民主评议结果" in page  # an open evaluation is no result yet
    services.evaluation_finalize(actor=None, evaluation=branch_a.evaluation)
    page = client.get(f"/members/{tree.member_a.pk}/").content.decode()
    assert "民主评议结果" in page and "2025" in page and "甲村党支部" in page and "优秀" in page
    page = client.get(f"/members/{branch_a.probationary.pk}/").content.decode()
    assert "预备党员参加评议，不评定等次" in page
    own = login(tree.users["member_a"]).get("/members/me/").content.decode()
    assert "优秀" in own and 'href="/evaluations/"' in own


@pytest.mark.django_db
def test_the_open_form_takes_the_picker_and_refuses_a_branch_outside_the_scope(tree, client):
    client.force_login(tree.users["town_a_admin"])
    page = client.get("/evaluations/new/").content.decode()
    assert 'name="organization_pk"' in page and "cap=record.manage" in page and "kinds=branch" in page
    found = client.get("/orgs/pick/", {"cap": "record.manage", "kinds": "branch", "q": "村党支部"}).content.decode()
    assert tree.branch_a.name in found and tree.branch_b.name not in found and tree.town_a.name in found  # the path
    refused = client.post("/evaluations/new/", {"organization": tree.branch_b.name, "organization_pk": tree.branch_b.pk,
                                                "year": 2024})
    assert refused.status_code == 400 and "无权在该党支部开展评议" in refused.content.decode()
    assert client.post("/evaluations/new/", {"organization": tree.town_a.code, "year": 2024}).status_code == 400  # not a branch
    response = client.post("/evaluations/new/", {"organization": "甲镇党委 › 甲村党支部", "organization_pk": tree.branch_a.pk,
                                                 "year": 2024})
    assert response.status_code == 302
    assert Evaluation.objects.filter(organization=tree.branch_a, year=2024).exists()
    assert not Evaluation.objects.filter(organization=tree.branch_b).exists()
