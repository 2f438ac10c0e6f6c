"""Routing: category × area → the responsible unit (and assisting units), by the district's rules.

The most specific active rule wins: one naming the category before one for any category, then the one naming the
deepest area (a village before its township, a township before any area). A rule may send a case to the unit of
the place it is in (属地办理). A case no rule places goes to the district's own unit (兜底) for coordination.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .areas import ancestor_paths, area_unit
from .models import HandlingUnit, RoutingRule, Triage, UnitKind


@dataclass
class Route:
    lead: HandlingUnit | None
    assisting: list = field(default_factory=list)
    rule: RoutingRule | None = None

    @property
    def triage(self):
        return triage_of(self.lead, self.assisting)


def triage_of(lead, assisting):
    if lead is not None and lead.kind == UnitKind.DISTRICT:
        return Triage.DISTRICT
    return Triage.JOINT if assisting else Triage.SINGLE


def district_unit():
    return (HandlingUnit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).select_related("organization")
            .order_by("sort_order", "id").first())


def matching_rules(service, area):
    """Active rules that apply to a case of `service` in `area`, most specific first."""
    where = Q(area__isnull=True)
    if area is not None:
        where |= Q(area__path__in=ancestor_paths(area))
    rules = (RoutingRule.objects.filter(is_active=True).filter(Q(service=service) | Q(service__isnull=True))
             .filter(where).select_related("area", "unit__organization").prefetch_related("assisting"))
    return sorted(rules, key=lambda r: (r.service_id is not None, r.area.depth if r.area_id else 0), reverse=True)


def route(service, area) -> Route:
    for rule in matching_rules(service, area):
        lead = area_unit(area) if rule.to_area_unit else rule.unit
        if lead is None or not lead.is_active:
            continue  # 属地 with no unit for the place, or a unit since retired: the next rule decides
        assisting = [u for u in rule.assisting.all() if u.is_active and u.pk != lead.pk]
        return Route(lead, assisting, rule)
    return Route(district_unit())
