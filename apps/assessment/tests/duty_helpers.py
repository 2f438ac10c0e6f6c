"""Shared set-up of the duty list tests: a district template for secretaries of branches, branch A's own list, and
branch A's inspection of 2026Q1 by its township (one duty done, a task not done, a prohibited act violated)."""

from datetime import date

from apps.assessment import duty_services, services
from apps.assessment.duty_models import DutyKind, Outcome


def template(admin, tree, kinds=("branch",)):
    lst = duty_services.duty_list_create(actor=admin, organization=tree.district, data={
        "is_template": True, "post": "secretary", "kinds": list(kinds), "name": "支部书记责任清单"})
    duty_services.duty_item_add(actor=admin, duty_list=lst, data={"kind": DutyKind.DUTY, "text": "履行管党治党第一责任人职责"})
    duty_services.duty_item_add(actor=admin, duty_list=lst, data={"kind": DutyKind.TASK, "text": "每季度讲一次党课",
                                                                  "deadline": date(2026, 3, 31)})
    duty_services.duty_item_add(actor=admin, duty_list=lst, data={"kind": DutyKind.PROHIBITED, "text": "不得违规发展党员"})
    return lst


def own_list(secretary, tree):
    lst = duty_services.duty_list_create(actor=secretary, organization=tree.branch_a, data={
        "post": "organization", "name": "甲村党支部补充清单"})
    duty_services.duty_item_add(actor=secretary, duty_list=lst, data={"kind": DutyKind.DUTY, "text": "联系服务本村群众"})
    return lst


def inspect(actor, org, key="2026Q1", inspected_on=date(2026, 3, 28), failing=("每季度讲一次党课", "不得违规发展党员")):
    from apps.assessment import duty_selectors

    results = {i.pk: (Outcome.NOT_DONE if i.text in failing else Outcome.DONE, "核查" if i.text in failing else "")
               for i in duty_selectors.applicable_items(org)}
    return duty_services.inspection_create(actor=actor, organization=org, results=results,
                                           data={"period_key": key, "inspected_on": inspected_on})


def fed_system(make_system, admin, group="village", feed="duties.violations", **data):
    """A published system of the 村 group whose 负面清单 leaf takes its items from `feed`."""
    system = make_system(group=group, **data)
    leaf = system.indicators.get(name="负面清单")
    services.indicator_update(actor=admin, indicator=leaf, data={"item_feed": feed})
    return services.system_publish(actor=admin, system=system)


def score(rnd, org, name="负面清单"):
    return rnd.entries.get(organization=org).scores.select_related("indicator").get(indicator__name=name)

