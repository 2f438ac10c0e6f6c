"""Reads for the evaluation pages and the member record; each page costs a fixed number of queries."""

from django.db.models import Count, Q

from apps.access import policy

from .models import EvaluationStatus, Grade, Participant
from .rules import excellent_limit, excellent_ratio
from .scopes import EVALUATION_TAKE_PART

# Ciphertexts are never loaded (nor decrypted) for a roster: names and categories are enough.
_MEMBER_HEAVY_FIELDS = ("member__id_number", "member__phone")


def evaluation_list(queryset):
    """Evaluations with the size of their roster and how many members are graded so far."""
    return (queryset.select_related("organization")
            .annotate(roster_count=Count("participants"),
                      graded_count=Count("participants", filter=Q(participants__is_graded=True)),
                      decided_count=Count("participants", filter=~Q(participants__grade="")))
            .order_by("-year", "organization__path", "pk"))


def my_participations(member):
    """A member's own places on evaluation rosters, newest first."""
    return (Participant.objects.filter(member=member).select_related("evaluation__organization")
            .order_by("-evaluation__year", "-evaluation_id"))


def participants(user, evaluation, capability=policy.RECORD_VIEW):
    """An evaluation's roster as `user` holding `capability` on it may see it, by name (the evaluation's rule)."""
    return (policy.restrict(evaluation.participants.all(), user, capability).select_related("member")
            .defer(*_MEMBER_HEAVY_FIELDS).order_by("member__name_pinyin", "pk"))


def roster(user, evaluation):
    """The participants with, for each, the tally of grades suggested by fellow members (党员互评): for those who
    keep the evaluation."""
    participants_ = list(participants(user, evaluation, policy.RECORD_VIEW))
    counts = {}
    for row in (policy.restrict(evaluation.peer_ratings.all(), user, policy.RECORD_VIEW).values("ratee_id", "grade")
                .annotate(n=Count("pk")).order_by()):
        counts[(row["ratee_id"], row["grade"])] = row["n"]
    for p in participants_:
        p.tally = [(label, counts.get((p.member_id, value), 0)) for value, label in Grade.choices]
        p.ratings_received = sum(n for _label, n in p.tally)
    return participants_


def roster_summary(participants):
    graded = [p for p in participants if p.is_graded]
    return {
        "total": len(participants),
        "graded": len(graded),
        "probationary": len(participants) - len(graded),
        "self_submitted": sum(1 for p in participants if p.self_submitted_at),
        "decided": sum(1 for p in graded if p.grade),
        "excellent": sum(1 for p in graded if p.grade == Grade.EXCELLENT),
        "excellent_limit": excellent_limit(len(graded)),
        "excellent_ratio": str(excellent_ratio()),
    }


def ratings_received(user, evaluation, member):
    """The ratings fellow members gave one participant: for those who keep the evaluation only."""
    return (policy.restrict(evaluation.peer_ratings.all(), user, policy.RECORD_VIEW).filter(ratee=member)
            .select_related("rater")
            .defer("rater__id_number", "rater__phone").order_by("rater__name_pinyin", "pk"))


def ratings_given(user, evaluation, member) -> dict:
    """A member's own ratings in an evaluation, by the rated member's id."""
    return {r.ratee_id: r for r in
            policy.restrict(evaluation.peer_ratings.all(), user, EVALUATION_TAKE_PART).filter(rater=member)}


def member_results(member):
    """民主评议结果 kept on a member's record: the finalized evaluations they took part in."""
    return (Participant.objects.filter(member=member, evaluation__status=EvaluationStatus.FINALIZED)
            .select_related("evaluation__organization").order_by("-evaluation__year", "-evaluation_id"))
