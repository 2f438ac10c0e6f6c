from decimal import Decimal

import pytest

from apps.assessment import services
from apps.records.models import ActivityType

D = Decimal

# A valid tree: (name, points, method values, children); the first level adds up to 100.
VALID_TREE = [
    ("组织生活", D(60), {}, [
        ("组织生活完成率", D(30), {"method": "automatic", "metric": "records.completion"}, []),
        ("主题党日", D(20), {"method": "automatic", "metric": "records.type_completion", "activity_type": "theme_day"}, []),
        ("党员参会率", D(10), {"method": "automatic", "metric": "records.attendance"}, []),
    ]),
    ("群众工作", D(30), {}, [
        ("群众诉求满意率", D(20), {"method": "automatic", "metric": "cases.satisfaction_rate"}, []),
        ("超期诉求", D(10), {"method": "automatic", "metric": "cases.overdue", "points_per": D(2)}, []),
    ]),
    ("负面清单与加分", D(10), {}, [
        ("负面清单", D(5), {"method": "deduction", "points_per": D(1), "cap": D(5)}, []),
        ("表彰加分", D("2.5"), {"method": "bonus", "points_per": D("0.5"), "cap": D(2)}, []),
        ("民主测评", D("2.5"), {"method": "manual"}, []),
    ]),
]


@pytest.fixture
def types(db):
    from apps.records.defaults import ensure_default_types

    ensure_default_types()  # after a transactional test's flush the data migration's rows are gone
    return {t.code: t for t in ActivityType.objects.all()}


@pytest.fixture
def admin(tree):
    return tree.users["district_admin"]


@pytest.fixture
def groups(tree, admin):
    """村 (by domain: both branches), 甲村专项 (branch A by name), 机关 (by domain: no organization of the tree)."""
    make = services.group_create
    return {
        "village": make(actor=admin, organization=tree.district, data={"name": "村", "domains": ["village"]}),
        "a": make(actor=admin, organization=tree.district, data={"name": "甲村专项", "organizations": [tree.branch_a]}),
        "organ": make(actor=admin, organization=tree.district, data={"name": "机关", "domains": ["organ"]}),
    }


def add_tree(system, actor, types, spec=VALID_TREE, parent=None):
    for name, points, values, children in spec:
        data = {"name": name, "max_points": points, **values}
        if "activity_type" in data:
            data["activity_type"] = types[data["activity_type"]]
        node = services.indicator_create(actor=actor, system=system, parent=parent, data=data)
        add_tree(system, actor, types, children, node)


@pytest.fixture
def make_system(groups, admin, types):
    """A draft of `group` for `year`, with the valid tree unless `tree=False`."""

    def make(group="a", year=2026, tree=True, name="党建工作考核指标", **data):
        system = services.system_create(actor=admin, group=groups[group], data={"year": year, "name": name, **data})
        if tree:
            add_tree(system, admin, types)
        return system

    return make


def outline(system):
    """The tree as comparable rows, in reading order."""
    from apps.assessment import selectors

    return [(n.number, n.indicator.name, n.indicator.standard, n.indicator.max_points, n.indicator.method,
             n.indicator.metric, n.indicator.activity_type_id, n.indicator.points_per, n.indicator.cap)
            for n in selectors.tree(system)]
