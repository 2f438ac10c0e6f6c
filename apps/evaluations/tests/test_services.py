"""The rules of 民主评议党员 as the services enforce them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.audit.models import AuditEvent
from apps.evaluations import services
from apps.evaluations.models import Evaluation, Participant, PeerRating
from apps.evaluations.rules import excellent_limit
from tests.factories import make_member, make_org, refresh

from .conftest import grade_all


def _messages(exc_info):
    return "；".join(exc_info.value.messages)


@pytest.mark.django_db
class TestOpening:
    def test_roster_is_the_current_members_and_probationary_are_not_graded(self, tree, branch_a):
        make_member(tree.branch_a, "已转出", seq=130, status="transferred_out")
        evaluation = branch_a.evaluation
        assert evaluation.is_open and evaluation.opened_by == branch_a.secretary
        roster = {p.member.name: p.is_graded for p in evaluation.participants.select_related("member")}
        assert len(roster) == 8 and "已转出" not in roster
        assert roster["王预备"] is False and roster["张三"] is True
        event = AuditEvent.objects.get(object_type="evaluations.evaluation", object_id=str(evaluation.pk))
        assert event.action == "create" and event.org_path == tree.branch_a.path

    def test_once_a_year_per_branch(self, tree, branch_a):
        with pytest.raises(ValidationError) as exc:
            services.evaluation_open(actor=branch_a.secretary, organization=tree.branch_a, year=2025)
        assert "每年只开展一次" in _messages(exc)
        services.evaluation_open(actor=branch_a.secretary, organization=tree.branch_a, year=2024)
        assert Evaluation.objects.filter(organization=tree.branch_a).count() == 2

    @pytest.mark.parametrize("which", ["town_a", "group_a"])
    def test_only_branches_hold_evaluations(self, tree, which):
        with pytest.raises(ValidationError) as exc:
            services.evaluation_open(actor=None, organization=getattr(tree, which), year=2025)
        assert "以党支部为单位" in _messages(exc)

    def test_future_years_and_empty_branches_are_refused(self, tree):
        with pytest.raises(ValidationError) as exc:
            services.evaluation_open(actor=None, organization=tree.branch_a, year=2999)
        assert "评议年度应在" in _messages(exc)
        empty = make_org("空支部", "branch", refresh(tree.town_a))
        with pytest.raises(ValidationError) as exc:
            services.evaluation_open(actor=None, organization=empty, year=2025)
        assert "没有现有党员" in _messages(exc)
        assert not Evaluation.objects.exists()


@pytest.mark.django_db
class TestGrades:
    def test_limit_is_rounded_down(self, settings):
        assert [excellent_limit(n) for n in (0, 2, 3, 7, 9)] == [0, 0, 1, 2, 3]
        settings.EVALUATION_EXCELLENT_MAX_RATIO = "1/2"
        assert excellent_limit(7) == 3

    def test_third_excellent_of_seven_is_refused_and_nothing_is_saved(self, branch_a):
        grade_all(branch_a, excellent=2)
        third = branch_a.parts[branch_a.full[2].pk]
        with pytest.raises(ValidationError) as exc:
            services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation,
                                            grades={third.pk: "excellent"})
        assert "至多评定2名优秀" in _messages(exc)
        assert Participant.objects.filter(evaluation=branch_a.evaluation, grade="excellent").count() == 2
        assert Participant.objects.get(pk=third.pk).grade == "qualified"

    def test_three_excellent_in_one_submission_saves_none(self, branch_a):
        grades = {branch_a.parts[m.pk].pk: "excellent" for m in branch_a.full[:3]}
        with pytest.raises(ValidationError):
            services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation, grades=grades)
        assert not Participant.objects.exclude(grade="").exists()

    def test_excellent_can_move_from_one_member_to_another_in_one_submission(self, branch_a):
        grade_all(branch_a, excellent=2)
        first, third = (branch_a.parts[branch_a.full[i].pk] for i in (0, 2))
        services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation,
                                        grades={first.pk: "qualified", third.pk: "excellent"})
        assert set(Participant.objects.filter(grade="excellent").values_list("member__name", flat=True)) == {"党员1", "党员2"}

    def test_probationary_member_is_not_graded(self, branch_a):
        part = branch_a.parts[branch_a.probationary.pk]
        with pytest.raises(ValidationError) as exc:
            services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation, grades={part.pk: "qualified"})
        assert "预备党员参加评议，不评定等次" in _messages(exc)
        with pytest.raises(IntegrityError), transaction.atomic():
            Participant.objects.filter(pk=part.pk).update(grade="qualified")

    def test_unknown_grade_or_participant_is_refused(self, tree, branch_a, branch_b_evaluation):
        part = branch_a.parts[tree.member_a.pk]
        with pytest.raises(ValidationError) as exc:
            services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation, grades={part.pk: "great"})
        assert "等次无效" in _messages(exc)
        other = branch_b_evaluation.participants.get()
        with pytest.raises(ValidationError) as exc:
            services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation, grades={other.pk: "qualified"})
        assert "不在本次评议名单中" in _messages(exc)

    def test_grades_are_audited(self, branch_a):
        grade_all(branch_a)
        assert AuditEvent.objects.filter(object_type="evaluations.participant", note="评定等次").count() == 7


@pytest.mark.django_db
class TestFinalize:
    def test_every_full_member_needs_a_grade(self, branch_a):
        grades = {branch_a.parts[m.pk].pk: "qualified" for m in branch_a.full[:6]}
        services.participant_grades_set(actor=branch_a.secretary, evaluation=branch_a.evaluation, grades=grades)
        with pytest.raises(ValidationError) as exc:
            services.evaluation_finalize(actor=branch_a.secretary, evaluation=branch_a.evaluation)
        assert "还有1名党员未评定等次（党员6）" in _messages(exc)
        assert Evaluation.objects.get(pk=branch_a.evaluation.pk).is_open

    def test_finalized_evaluation_is_locked(self, tree, branch_a):
        grade_all(branch_a)
        evaluation = services.evaluation_finalize(actor=branch_a.secretary, evaluation=branch_a.evaluation)
        assert not evaluation.is_open and evaluation.finalized_at and evaluation.finalized_by == branch_a.secretary
        first = branch_a.parts[tree.member_a.pk]
        attempts = [
            lambda: services.participant_grades_set(actor=branch_a.secretary, evaluation=evaluation, grades={first.pk: "qualified"}),
            lambda: services.evaluation_finalize(actor=branch_a.secretary, evaluation=evaluation),
            lambda: services.self_evaluation_submit(actor=None, evaluation=evaluation, member=tree.member_a, text="补写"),
            lambda: services.peer_rating_save(actor=None, evaluation=evaluation, rater=tree.member_a,
                                              ratee_id=branch_a.full[1].pk, grade="qualified"),
        ]
        for attempt in attempts:
            with pytest.raises(ValidationError) as exc:
                attempt()
            assert "本次评议已结束" in _messages(exc)
        assert Participant.objects.get(pk=first.pk).grade == "excellent"


@pytest.mark.django_db
class TestSelfAndPeerEvaluation:
    def test_self_evaluation_is_saved_and_required(self, tree, branch_a):
        services.self_evaluation_submit(actor=None, evaluation=branch_a.evaluation, member=branch_a.probationary, text=" 认真学习 ")
        part = Participant.objects.get(evaluation=branch_a.evaluation, member=branch_a.probationary)
        assert part.self_evaluation == "认真学习" and part.self_submitted_at
        with pytest.raises(ValidationError) as exc:
            services.self_evaluation_submit(actor=None, evaluation=branch_a.evaluation, member=tree.member_a, text="  ")
        assert "请填写个人自评" in _messages(exc)
        with pytest.raises(ValidationError) as exc:
            services.self_evaluation_submit(actor=None, evaluation=branch_a.evaluation, member=tree.member_b, text="x")
        assert "您不在本次评议名单中" in _messages(exc)

    def test_rating_oneself_is_refused(self, tree, branch_a):
        with pytest.raises(ValidationError) as exc:
            services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=tree.member_a,
                                      ratee_id=tree.member_a.pk, grade="excellent")
        assert "不能评议自己" in _messages(exc)
        with pytest.raises(IntegrityError), transaction.atomic():
            PeerRating.objects.create(evaluation=branch_a.evaluation, rater=tree.member_a, ratee=tree.member_a, grade="excellent")

    def test_one_rating_per_pair_a_second_replaces_the_first(self, tree, branch_a):
        ratee = branch_a.full[1]
        services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=tree.member_a, ratee_id=ratee.pk,
                                  grade="qualified", comment="工作积极")
        services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=tree.member_a, ratee_id=ratee.pk,
                                  grade="excellent", comment="带头作用突出")
        rating = PeerRating.objects.get()
        assert (rating.grade, rating.comment) == ("excellent", "带头作用突出")
        assert list(AuditEvent.objects.filter(object_type="evaluations.peerrating").values_list("action", flat=True)) == \
            ["update", "create"]

    def test_probationary_member_rates_others_but_is_not_rated(self, tree, branch_a):
        services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=branch_a.probationary,
                                  ratee_id=tree.member_a.pk, grade="qualified")
        with pytest.raises(ValidationError) as exc:
            services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=tree.member_a,
                                      ratee_id=branch_a.probationary.pk, grade="qualified")
        assert "预备党员参加评议，不评定等次" in _messages(exc)

    def test_only_participants_rate_and_are_rated(self, tree, branch_a):
        for rater, ratee in ((tree.member_b, tree.member_a.pk), (tree.member_a, tree.member_b.pk)):
            with pytest.raises(ValidationError) as exc:
                services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=rater, ratee_id=ratee, grade="qualified")
            assert "不在本次评议名单中" in _messages(exc)
        with pytest.raises(ValidationError) as exc:
            services.peer_rating_save(actor=None, evaluation=branch_a.evaluation, rater=tree.member_a,
                                      ratee_id=branch_a.full[1].pk, grade="")
        assert "请选择建议等次" in _messages(exc)
        assert not PeerRating.objects.exists()
