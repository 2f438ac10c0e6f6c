"""Reads of cross-assessment for its pages: a member's list of what it scores (its own sealed scores beside), the
opened scores on an entry's sheet once the round is closed, and the groups on the round's page. Each in a fixed
number of queries whatever the number of entries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from apps.access import policy

from . import cross_services
from .cross_models import CrossGroup, CrossScore
from .round_models import RoundEntry, RoundStatus


@dataclass
class MemberRow:
    entry: object
    cells: list = field(default_factory=list)  # (indicator, own CrossScore or None)


def member_sheet(member) -> tuple[list, list[MemberRow]]:
    """(cross leaves, rows): the entries the member scores, each with its own scores (three queries)."""
    leaves = cross_services.cross_leaves(member.round.system)
    entries = list(cross_services.eligible_entries(member).select_related("organization").order_by("organization__path"))
    own = {(s.entry_id, s.indicator_id): s for s in CrossScore.objects.filter(
        assessor_id=member.organization_id, entry__in=[e.pk for e in entries], indicator__in=leaves)}
    return leaves, [MemberRow(e, [(leaf, own.get((e.pk, leaf.pk))) for leaf in leaves]) for e in entries]


def attach_opened(lines, entry, user):
    """Once the round is closed, each cross leaf's line gets `cross`: [(label, points, comment)] of the scores the user
    may see, the assessors named for the round's managers and numbered 评分单位1..N for everyone else. Before close:
    nothing (sealed)."""
    if entry.round.status != RoundStatus.CLOSED:
        return
    named = policy.can(user, policy.ASSESSMENT_MANAGE, entry.round)
    by_leaf = defaultdict(list)
    rows = policy.restrict(CrossScore.objects.filter(entry=entry), user).select_related("assessor").order_by(
        "indicator_id", "assessor__path")
    for s in rows:
        by_leaf[s.indicator_id].append(s)
    for line in lines:
        scores = by_leaf.get(line.node.indicator.pk)
        if scores and named:
            line.cross = [(s.assessor.name, s.points, s.comment) for s in scores]
        elif scores:
            # numbered by points, not by the assessors' order in the tree: the number tells nothing of who
            scores.sort(key=lambda s: (-s.points, s.pk))
            line.cross = [(_("评分单位{n}").format(n=i), s.points, s.comment) for i, s in enumerate(scores, start=1)]


def groups(rnd):
    """The round's groups with their members (two queries)."""
    return list(CrossGroup.objects.filter(round=rnd).prefetch_related("members__organization"))


def entry_for_member(user, pk):
    """(entry, the user's memberships in its round) for a member's score: a member reaches the entries of its round
    that its own scope may not show (another township's village); anyone else only through the access layer (404
    outside scope), with no membership."""
    entry = RoundEntry.objects.select_related("organization", "round").filter(pk=pk).first() if str(pk).isdigit() else None
    members = list(cross_services.memberships(user, entry.round).select_related("round__system")) if entry else []
    if not members:
        entry = policy.get(RoundEntry, user, pk)
    return entry, members


def cross_leaf(rnd, pk):
    """The round's cross-scored leaf with this primary key, or None."""
    return next((leaf for leaf in cross_services.cross_leaves(rnd.system) if leaf.pk == pk), None)
