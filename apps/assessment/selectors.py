"""Reads of assessment for its pages (and, later, for scoring): the systems list, a system's indicator tree in reading
order with its numbering, what keeps a draft from being published, and a group's organizations."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from apps.core.query import prefix_q
from apps.orgs.models import Organization

from . import catalogue, rules

GROUP_MEMBERS_SHOWN = 50


def system_list(queryset, *, year=None, group=None):
    """Systems (a scoped queryset) by year, newest first, then group, then version; one query with their groups, the
    owning organization and the number of indicators."""
    qs = queryset.select_related("group__organization").annotate(indicator_count=Count("indicators"))
    if year is not None:
        qs = qs.filter(year=year)
    if group is not None:
        qs = qs.filter(group=group)
    return qs.order_by("-year", "group__sort_order", "group_id", "-version")


def years(queryset) -> list[int]:
    return sorted(set(queryset.order_by().values_list("year", flat=True).distinct()), reverse=True)


@dataclass
class Node:
    indicator: object
    depth: int
    number: str
    children: list = field(default_factory=list)
    first: bool = False  # among its siblings (上移 / 下移)
    last: bool = False

    @property
    def is_leaf(self):
        return not self.children

    @property
    def children_total(self) -> Decimal:
        return sum((c.indicator.max_points for c in self.children), Decimal(0))

    @property
    def sum_ok(self) -> bool:
        return self.is_leaf or self.children_total == self.indicator.max_points

    @property
    def may_have_children(self):
        return self.depth < rules.MAX_DEPTH

    @property
    def metric(self):
        return catalogue.get(self.indicator.metric) if self.indicator.metric else None


def tree(system) -> list[Node]:
    """The indicators in reading order (depth first), each numbered 1, 1.1, 1.1.2 …: one query."""
    nodes = list(system.indicators.select_related("activity_type").order_by("position", "id"))
    children = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    flat = []

    def walk(parent_id, prefix, depth):
        built = []
        siblings = children.get(parent_id, [])
        for i, n in enumerate(siblings, start=1):
            node = Node(n, depth, f"{prefix}{i}", first=i == 1, last=i == len(siblings))
            flat.append(node)
            node.children = walk(n.pk, f"{node.number}.", depth + 1)
            built.append(node)
        return built

    walk(None, "", 1)
    return flat


def roots_total(nodes) -> Decimal:
    return sum((n.indicator.max_points for n in nodes if n.depth == 1), Decimal(0))


def problems(system) -> list[str]:
    """Everything that keeps `system` from being published (rules.py), in the order a reader fixes them."""
    found = rules.weight_problems([w for _p, _l, w in system.weights()])
    found += rules.band_problems([(b.name, b.min_score, b.max_score) for b in system.bands.all()])
    nodes = list(system.indicators.select_related("activity_type"))
    found += rules.tree_problems(nodes)
    for node in nodes:  # the district may have stopped requiring a type since the indicator named it
        if node.activity_type is not None and not node.activity_type.is_required:
            found.append(_("「{name}」：「{type}」已不是必须开展的组织生活").format(name=node.name, type=node.activity_type.name))
    return found


def member_q(group) -> Q:
    """The current organizations a group assesses (see AssessmentGroup): a filter of Organization."""
    rule = Q()
    if group.domains:
        rule &= Q(domain__in=group.domains)
    if group.kinds:
        rule &= Q(kind__in=group.kinds)
    by_rule = rule if (group.domains or group.kinds) else Q(pk__in=[])
    named = Q(pk__in=group.organizations.values("pk"))
    return prefix_q("path", group.organization.path) & Q(is_active=True) & (by_rule | named)


def members(group):
    return Organization.objects.filter(member_q(group)).order_by("path")


def groups_with_counts(queryset):
    return queryset.select_related("organization").annotate(system_count=Count("systems")).order_by("sort_order", "id")

