"""The demo district's 群工 settings (what apps.cases.configuration edits): its centre, a unit for each township and
street and for the departments that handle residents' problems, the categories and their extra questions, the
routing rules and an Open311 client application; and which organ party organization is which department's."""

from apps.cases.areas import place_name
from apps.cases.configuration.services import open311_key_hash
from apps.cases.models import HandlingUnit, Open311Client, RoutingRule, Service, ServiceAttribute, UnitKind

from .cases_data import ATTRIBUTES, CATEGORIES, DEPARTMENTS, HOUSING, ORGAN_SUFFIXES


class CaseSettings:
    """The settings as written (units, services, the client) and routing.route for their rules."""

    def __init__(self, *, root, towns, departments, rng, texts):
        self.root, self.towns, self.departments, self.rng, self.texts = root, towns, departments, rng, texts

    def write(self):
        """The units, the categories and their extra questions, the rules, the client application."""
        self.district = HandlingUnit(name=self.texts["district"], kind=UnitKind.DISTRICT, organization=self.root, sort_order=1)
        self.town_units = {t.pk: HandlingUnit(name=place_name(t)[:60], kind=UnitKind.TOWNSHIP, organization=t,
                                              sort_order=10 + i) for i, t in enumerate(self.towns)}
        self.dept_units = {name: HandlingUnit(name=name, kind=UnitKind.DEPARTMENT, organization=self.departments[name],
                                              sort_order=100 + i) for i, name in enumerate(DEPARTMENTS) if name in self.departments}
        HandlingUnit.objects.bulk_create([self.district, *self.town_units.values(), *self.dept_units.values()])
        services = [Service(code=c.code, name=c.name, group=c.group, urgency=c.urgency, keywords=c.keywords,
                            sort_order=(i + 1) * 10) for i, c in enumerate(CATEGORIES)]
        Service.objects.bulk_create(services)
        self.services = {s.code: s for s in services}
        ServiceAttribute.objects.bulk_create([ServiceAttribute(service=self.services[code], **spec)
                                              for code, spec in ATTRIBUTES.items()])
        # 属地 for anything; categories a department answers for go to it; housing safety where it is, with the
        # housing department assisting; suggestions to the district for coordination.
        rules = [RoutingRule(to_area_unit=True, note="属地办理：交由问题所在乡镇（街道）")]
        self.rules = {}
        for c in CATEGORIES:
            unit = self.dept_units.get(c.department)
            if unit is not None:
                rules.append(RoutingRule(service=self.services[c.code], unit=unit, note=f"{c.name}由{unit.name}办理"))
                self.rules[c.code] = (False, unit, [])
        housing = self.dept_units.get(HOUSING)
        joint = None
        if housing is not None:
            joint = RoutingRule(service=self.services["housing"], to_area_unit=True, note=f"属地牵头，{housing.name}协办")
            rules.append(joint)
            self.rules["housing"] = (True, None, [housing])
        rules.append(RoutingRule(service=self.services["suggestions"], unit=self.district, note="区级统筹协调"))
        self.rules["suggestions"] = (False, self.district, [])
        RoutingRule.objects.bulk_create(rules)
        if joint is not None:
            joint.assisting.add(housing)
        key = "".join(self.rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _n in range(32))
        self.client = Open311Client.objects.create(name="渝快办（演示接入）", key_prefix=key[:8], key_hash=open311_key_hash(key),
                                                   note="演示数据：第三方应用提交的诉求")

    def route(self, code, town):
        """routing.route for the demo's rules: the category's rule, else 属地, else the district (兜底)."""
        for to_area, unit, assisting in filter(None, (self.rules.get(code), (True, None, []))):
            lead = self.town_units[town.pk] if to_area and town is not None else unit
            if lead is not None:
                return lead, [u for u in assisting if u is not lead], True
        return self.district, [], False


def department_organizations(orgs) -> dict:
    """{department: its organ party organization (…机关党支部/党总支/党委 under the 区直机关工委)}, the first district's."""
    working = {o.path for o in orgs if o.name.endswith("区直机关工委")}
    found = {}
    for org in orgs:
        suffix = next((s for s in ORGAN_SUFFIXES if org.name.endswith(s)), None)
        if suffix and org.path[:-org.steplen] in working:
            found.setdefault(org.name[:-len(suffix)], org)
    return found


def handler_department(orgs):
    """(department, its organization) of the demo department handler: housing, else the first department there is."""
    found = department_organizations(orgs)
    name = next(d for d in DEPARTMENTS if d in found) if HOUSING not in found else HOUSING
    return name, found[name]
