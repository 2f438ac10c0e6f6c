"""How rounds are scoped (imported from AppConfig.ready()).

- A round belongs to the organization that runs it (the district): ASSESSMENT_VIEW at or above it sees it (the
  default rule); below it, a user sees the round when one of its assessed organizations lies in their subtree.
- An entry (one assessed organization's sheet) is seen by ASSESSMENT_VIEW on the organization or above it (its own
  staff view their result), and by those who see the round at or above the round's organization.
- ASSESSMENT_SCORE (district and township administrators): the superior organization scores those under it, so the
  capability holds only *strictly* below where it is held: nobody scores their own organization.
- Scores, their items and their evidence are in scope exactly when their entry (score) is.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .round_models import Round, RoundEntry, Score, ScoreEvidence, ScoreItem


def _rounds_below(user, capability):
    if capability != policy.ASSESSMENT_VIEW:
        return None
    paths = policy.scope_paths(user, policy.ASSESSMENT_VIEW)
    if not paths:
        return None
    return Q(pk__in=RoundEntry.objects.filter(policy.subtree_q(paths, "organization__path")).values("round_id"))


def _round_below(user, capability, rnd):
    q = _rounds_below(user, capability)
    return q is not None and Round.objects.filter(q, pk=rnd.pk).exists()


def _strictly_below_q(paths, field):
    return policy.subtree_q(paths, field) & ~Q(**{f"{field}__in": paths}) if paths else scoping.nothing()


def _entries_visible(user, capability):
    if capability == policy.ASSESSMENT_SCORE:
        return _strictly_below_q(policy.scope_paths(user, policy.ASSESSMENT_SCORE), "organization__path")
    return None  # the default rule and extra_q below


def _entry_check(user, capability, entry):
    if capability == policy.ASSESSMENT_SCORE:
        path = entry.organization.path
        return any(path.startswith(p) and path != p for p in policy.scope_paths(user, policy.ASSESSMENT_SCORE))
    return None


def _entries_of_visible_rounds(user, capability):
    if capability != policy.ASSESSMENT_VIEW:
        return None
    paths = policy.scope_paths(user, policy.ASSESSMENT_VIEW)
    return policy.subtree_q(paths, "round__organization__path") if paths else None


def _entry_in_visible_round(user, capability, entry):
    return capability == policy.ASSESSMENT_VIEW and policy.in_paths(
        entry.round.organization.path, policy.scope_paths(user, policy.ASSESSMENT_VIEW))


scoping.register(Round, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("考核轮次"),
                 related=("organization", "system__group"), extra_q=_rounds_below, extra_can=_round_below)
scoping.register(RoundEntry, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("被考核组织"),
                 related=("organization", "round__organization", "round__system__group"),
                 visible=_entries_visible, check=_entry_check,
                 extra_q=_entries_of_visible_rounds, extra_can=_entry_in_visible_round)
scoping.register_child(Score, parent=RoundEntry, via="entry", label=_("指标得分"))
scoping.register_child(ScoreItem, parent=Score, via="score", label=_("扣（加）分事项"))
scoping.register_child(ScoreEvidence, parent=Score, via="score", label=_("评分佐证材料"))


