"""Routing: category × area → the responsible unit (and assisting units), by the district's rules.

The most specific active rule wins: one naming the category before one for any category, then the one naming the
deepest area (a village before its township, a township before any area). A rule may send a case to the unit of
the place it is in (属地办理). A case no rule places goes to the district's own unit (兜底) for coordination.
"""

from dataclasses import dataclass, field

from . import intake_config
from .areas import ancestor_paths
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
    """The district's own unit (兜底), from the intake configuration in memory."""
    return intake_config.current().district


def matching_rules(service, area, table=None):
    """Active rules that apply to a case of `service` in `area`, most specific first (from the configuration in
    memory, `cases.intake_config`; its rules carry `assisting_units`)."""
    table = table or intake_config.current()
    paths = set(ancestor_paths(area)) if area is not None else set()
    service_id = getattr(service, "pk", None)
    rules = [r for r in table.rules if (r.service_id is None or r.service_id == service_id)
             and (r.area_id is None or r.area.path in paths)]
    return sorted(rules, key=lambda r: (r.service_id is not None, r.area.depth if r.area_id else 0), reverse=True)


def place_unit(area, table=None):
    """The unit that handles cases of `area` where it is (属地): a unit tied to the area itself or to the nearest
    organization above it, the township's at the latest (from the configuration in memory)."""
    if area is None:
        return None
    table = table or intake_config.current()
    for path in reversed(ancestor_paths(area)):
        if units := table.place_units.get(path):
            return units[0]
    return None


def route(service, area, table=None) -> Route:
    table = table or intake_config.current()
    for rule in matching_rules(service, area, table):
        lead = place_unit(area, table) if rule.to_area_unit else rule.unit
        if lead is None or not lead.is_active:
            continue  # 属地 with no unit for the place, or a unit since retired: the next rule decides
        assisting = [u for u in rule.assisting_units if u.is_active and u.pk != lead.pk]
        return Route(lead, assisting, rule)
    return Route(table.district)
