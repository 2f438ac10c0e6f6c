"""How assessment is scoped. A group and its indicator systems belong to the organization that set them up (the
district): its administrators manage them (ASSESSMENT_MANAGE), and whoever holds ASSESSMENT_VIEW at or above it sees
them (the default rule). Below it, a user sees a group — and its systems — when the group applies to their subtree:
one of the group's organizations lies in it (named in the group, or matching its domain and kind rule). Indicators
and grade bands are in scope exactly when their system is."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.orgs.models import Organization

from .models import AssessmentGroup, GradeBand, Indicator, IndicatorSystem


def _ancestor_paths(paths) -> set[str]:
    step = Organization.steplen
    return {p[:i] for p in paths for i in range(step, len(p), step)}


def applying_group_ids(paths, groups=None) -> set[int]:
    """Of the groups set up strictly above the subtrees at `paths` (or of `groups`, (pk, owner path, domains, kinds)
    rows), those with an organization in them: three small queries, whatever the number of organizations."""
    above = _ancestor_paths(paths)
    if groups is None:
        groups = list(AssessmentGroup.objects.filter(organization__path__in=above)
                      .values_list("pk", "organization__path", "domains", "kinds"))
    groups = [g for g in groups if g[1] in above]
    if not groups:
        return set()
    named = AssessmentGroup.organizations.through.objects.filter(
        Q(assessmentgroup_id__in=[g[0] for g in groups]) & policy.subtree_q(paths, "organization__path"))
    found = set(named.values_list("assessmentgroup_id", flat=True))
    by_rule = [g for g in groups if g[0] not in found and (g[2] or g[3])]
    if by_rule:
        # The (domain, kind) pairs present in the subtrees: a few dozen at most, compared with each group's rule here.
        present = set(Organization.objects.filter(policy.subtree_q(paths), is_active=True)
                      .order_by().values_list("domain", "kind").distinct())
        for pk, _path, domains, kinds in by_rule:
            if any((not domains or d in domains) and (not kinds or k in kinds) for d, k in present):
                found.add(pk)
    return found


def _view_paths(user, capability):
    return policy.scope_paths(user, policy.ASSESSMENT_VIEW) if capability == policy.ASSESSMENT_VIEW else []


def _groups_applying(user, capability):
    paths = _view_paths(user, capability)
    return Q(pk__in=applying_group_ids(paths)) if paths else None


def _group_applies(user, capability, group):
    paths = _view_paths(user, capability)
    row = (group.pk, group.organization.path, group.domains, group.kinds)
    return bool(paths) and group.pk in applying_group_ids(paths, [row])


def _systems_applying(user, capability):
    paths = _view_paths(user, capability)
    return Q(group_id__in=applying_group_ids(paths)) if paths else None


def _system_applies(user, capability, system):
    return _group_applies(user, capability, system.group)


scoping.register(AssessmentGroup, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("考核类别"),
                 related=("organization",), extra_q=_groups_applying, extra_can=_group_applies)
scoping.register(IndicatorSystem, org_path="group__organization__path", view=policy.ASSESSMENT_VIEW,
                 label=_("考核指标体系"), related=("group__organization",), extra_q=_systems_applying,
                 extra_can=_system_applies)
scoping.register_child(Indicator, parent=IndicatorSystem, via="system", label=_("考核指标"))
scoping.register_child(GradeBand, parent=IndicatorSystem, via="system", label=_("考核等次"))
