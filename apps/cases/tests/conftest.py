"""A small 群工 setup on the test tree: the district centre, two townships, a department; four categories; rules
(属地 for everything, housing to the department); a dispatcher and a department handler."""

from types import SimpleNamespace

import pytest

from apps.access.models import Role
from apps.cases.intake import Intake
from apps.cases.models import HandlingUnit, RoutingRule, Service, UnitKind, Urgency
from tests.factories import make_org, make_user, refresh


@pytest.fixture
def cases(tree):
    district = HandlingUnit.objects.create(name="区群众工作中心", kind=UnitKind.DISTRICT, organization=tree.district)
    town_a = HandlingUnit.objects.create(name="甲镇", kind=UnitKind.TOWNSHIP, organization=tree.town_a, sort_order=1)
    town_b = HandlingUnit.objects.create(name="乙镇", kind=UnitKind.TOWNSHIP, organization=tree.town_b, sort_order=2)
    dept_org = make_org("区住建委机关党支部", "branch", refresh(tree.district), code="D0000009", domain="organ")
    dept = HandlingUnit.objects.create(name="区住建委", kind=UnitKind.DEPARTMENT, organization=dept_org, sort_order=3)
    services = {
        "env": Service.objects.create(code="env", name="环境卫生", group="城乡建设"),
        "housing": Service.objects.create(code="housing", name="住房安全", group="城乡建设"),
        "water": Service.objects.create(code="water", name="供水", group="水电气", urgency=Urgency.UTILITY),
        "other": Service.objects.create(code="other", name="其他"),
    }
    RoutingRule.objects.create(to_area_unit=True, note="属地办理")
    RoutingRule.objects.create(service=services["housing"], unit=dept)
    users = dict(tree.users)
    users["dispatcher"] = make_user("dispatcher", Role.CASE_DISPATCHER, tree.district)
    users["dept_handler"] = make_user("dept_handler", Role.CASE_HANDLER, dept_org)
    return SimpleNamespace(district=district, town_a=town_a, town_b=town_b, dept=dept, dept_org=refresh(dept_org),
                           services=services, users=users, tree=tree)


@pytest.fixture
def submit(cases):
    """Submit a web case as a resident; returns (case, query code)."""
    from apps.cases.intake import case_submit

    counter = iter(range(10_000))

    def _submit(service="env", area=None, phone=None, ip=None, **fields):
        n = next(counter)
        intake = Intake(service=cases.services[service], description=fields.pop("description", "小区门口垃圾堆积多日无人清运"),
                        area=area if area is not None else cases.tree.branch_a, contact_name=fields.pop("contact_name", "杨学伦"),
                        phone=phone or f"1390000{n:04d}", **fields)
        return case_submit(intake=intake, ip=ip or f"10.0.{n // 250}.{n % 250 + 1}")

    return _submit
