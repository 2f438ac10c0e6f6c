"""One definition per work queue: the home page's figure, the case list's chip, the list the chip opens and (for a
queue named after a status) the list filtered by that status give the same number, for every user and scope, with
cases in every state — merged, reopened, extended, overdue, assisted included."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.access import policy
from apps.cases import selectors, services
from apps.cases.models import Case, Status

pytestmark = pytest.mark.django_db

USERS = ["district_admin", "dispatcher", "town_a_admin", "secretary_a", "secretary_b", "dept_handler"]


def _reload(case):
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def every_state(cases, submit):
    """At least one case in every state and every queue, in two townships and a department."""
    disp, town, dept_staff = cases.users["dispatcher"], cases.users["town_a_admin"], cases.users["dept_handler"]
    past = timezone.now() - timedelta(days=1)

    def signed(area=None):
        case, _ = submit(area=area)
        return services.case_sign(actor=town, case=case, unit=cases.town_a)

    def resolved():
        return services.case_resolve(actor=town, case=signed(), unit=cases.town_a, answer="已清运完毕，请核实")

    with override_settings(CASE_AUTO_DISPATCH=False):
        submit()  # 待受理
        late, _ = submit()  # 待受理, past the time to accept: overdue too
        Case.objects.filter(pk=late.pk).update(accept_due=past)
        services.case_accept(actor=disp, case=submit()[0])  # 待派单
    submit()  # 待签收 (dispatched by the rules to 甲镇)
    submit(area=cases.tree.branch_b)  # 待签收 by 乙镇
    submit("housing")  # 待签收 by the department
    # Dispatched to 甲镇 with the department assisting; 甲镇 signs: 办理中, the department still to sign (协办待签收).
    assisted, _ = submit()
    services.case_dispatch(actor=disp, case=assisted, lead=cases.town_a, assisting=[cases.dept])
    services.case_sign(actor=town, case=_reload(assisted), unit=cases.town_a)
    signed()  # 办理中
    overdue = signed()  # 办理中, past its deadline
    Case.objects.filter(pk=overdue.pk).update(deadline=past)
    soon = signed()  # 办理中, due within CASE_DUE_SOON_HOURS
    Case.objects.filter(pk=soon.pk).update(deadline=timezone.now() + timedelta(hours=1))
    extended = signed()  # 办理中, its deadline extended
    request = services.case_request_extension(actor=town, case=extended, unit=cases.town_a,
                                              until=extended.deadline + timedelta(days=3), reason="需协调供水公司")
    services.case_decide_extension(actor=disp, extension=request, approve=True)
    pending = signed()  # 办理中, an extension waiting for the dispatcher
    services.case_request_extension(actor=town, case=pending, unit=cases.town_a,
                                    until=pending.deadline + timedelta(days=3), reason="需协调供电公司")
    resolved()  # 已办结: 待回访
    services.case_rate(case=resolved(), rating="satisfied", solved=True)  # 已回访
    archived = resolved()
    services.case_rate(case=archived, rating="basic", solved=True)
    services.case_archive(actor=disp, case=_reload(archived))  # 已归档
    reopened = resolved()
    services.case_rate(case=reopened, rating="unsatisfied", solved=False)
    services.case_reopen(actor=disp, case=_reload(reopened), reason="群众反映仍未清运")  # 办理中 again
    services.case_reject(actor=disp, case=submit()[0], reason="不属于受理范围")  # 不予受理
    master = signed()
    services.case_merge(actor=disp, case=submit()[0], master=master)  # 已合并 into a case being handled
    merged_dispatched, _ = submit()
    services.case_merge(actor=disp, case=merged_dispatched, master=_reload(late))  # 已合并 into one waiting
    services.case_sign(actor=dept_staff, case=submit("housing")[0], unit=cases.dept)  # 办理中 by the department
    return cases


def _count(client, **params):
    response = client.get("/cases/", params)
    assert response.status_code == 200, params
    total = response.context["page"].count
    shown = re.search(r'data-testid="case-total">\D*([\d,]+)', response.content.decode())
    assert shown and int(shown.group(1).replace(",", "")) == total
    return total


@pytest.mark.parametrize("role", USERS)
def test_home_chips_queue_lists_and_status_filter_agree(every_state, client, role):
    user = every_state.users[role]
    client.force_login(user)
    page = client.get("/cases/")
    chips = page.context["counts"]
    html = page.content.decode()
    home = {key: n for key, _label, n in selectors.home_figures(user)}
    home_page = client.get("/")
    if home_page.status_code == 200:  # users with an organization role see the home page's card
        home_html = home_page.content.decode()
        for key, n in home.items():
            assert re.search(rf'data-testid="home-queue-{key}"><div class="stat[^"]*">{n}<', home_html), key
    assert home and set(home) <= set(chips)
    for key, n in chips.items():
        assert re.search(rf'data-testid="queue-count-{key}">{n}<', html), key
        assert _count(client, queue=key) == n, (role, key)
        if key in home:
            assert home[key] == n, (role, key)
        status = selectors.QUEUES[key].status
        if status:
            assert _count(client, status=status) == n, (role, key)
    # The status filter, for a status that names a queue the user has no chip for, still counts the same way.
    for status, key in selectors.STATUS_QUEUES.items():
        expected = policy.restrict(Case, user).filter(selectors.queue_filter(user, key)).count()
        assert _count(client, status=status) == expected


def test_the_queues_hold_what_their_names_say(every_state):
    dispatcher, dept = every_state.users["dispatcher"], every_state.users["dept_handler"]
    counts = selectors.queue_counts(dispatcher)
    by_status = {s: Case.objects.filter(status=s).count() for s in Status.values}
    # The district's dispatcher sees everything: each status queue is the number of cases in that status.
    assert counts["to_accept"] == by_status["submitted"] == 2  # the merge target among them
    assert counts["to_dispatch"] == by_status["accepted"] == 1
    assert counts["to_sign"] == by_status["dispatched"] == 3
    assert counts["handling"] == by_status["signed"] == 9  # reopened and extended included, merged not
    assert counts["to_call_back"] == by_status["resolved"] == 1
    assert counts["overdue"] == 2 and counts["due_soon"] == 1 and counts["extensions"] == 1
    assert counts["assist_to_sign"] == 0  # the district centre (the dispatcher's unit) assists nowhere
    assert "assist_to_sign" not in {key for key, _label, _n in selectors.home_figures(dispatcher)}  # shown when due
    dept_counts = selectors.queue_counts(dept)
    assert dept_counts["assist_to_sign"] == 1 and dept_counts["to_sign"] == 1 and "to_accept" not in dept_counts
    # An assisting unit's signature is its own reminder on the home page too.
    assert ("assist_to_sign", selectors.QUEUES["assist_to_sign"].label, 1) in selectors.home_figures(dept)


def test_thousands_are_grouped(cases, client, monkeypatch):
    monkeypatch.setattr(selectors, "queue_counts", lambda user, now=None, keys=None: {
        key: 12345 for key in selectors.user_queues(user) if keys is None or key in keys})
    client.force_login(cases.users["district_admin"])
    assert 'data-testid="home-queue-to_sign"><div class="stat">12,345<' in client.get("/").content.decode()
    assert 'data-testid="queue-count-to_sign">12,345<' in client.get("/cases/").content.decode()


def test_a_units_staff_queues_are_what_their_units_must_do(every_state, client):
    """待签收 and 办理中 mean "mine to do" for a unit's staff: a township sees the department's cases in its area but
    cannot sign them, so they are in neither its queue nor its status filter."""
    town, dept = every_state.users["town_a_admin"], every_state.users["dept_handler"]
    visible = policy.restrict(Case, town)
    dept_waiting = visible.filter(status=Status.DISPATCHED, lead_unit=every_state.dept)
    assert dept_waiting.exists()  # the housing case in 甲镇's area, dispatched to the department
    counts = selectors.queue_counts(town)
    to_sign = visible.filter(selectors.queue_filter(town, "to_sign"))
    assert not to_sign.filter(pk__in=dept_waiting).exists()
    assert counts["to_sign"] == to_sign.count() == 1  # only the case dispatched to 甲镇 itself, not 乙镇's
    assert set(to_sign.values_list("lead_unit", flat=True)) == {every_state.town_a.pk}
    handling = visible.filter(selectors.queue_filter(town, "handling"))
    assert counts["handling"] == handling.count() == 8  # the department's own 办理中 case is not 甲镇's to do
    assert not handling.filter(lead_unit=every_state.dept).exists()
    client.force_login(town)
    assert _count(client, status=Status.DISPATCHED) == _count(client, queue="to_sign") == 1
    assert ("to_sign", selectors.QUEUES["to_sign"].label, 1) in selectors.home_figures(town)
    # The department handles its own case, and the one it assists once it has signed.
    assisted = Case.objects.get(assignments__unit=every_state.dept, assignments__role="assist")
    assert selectors.queue_counts(dept)["handling"] == 1
    services.case_sign(actor=dept, case=assisted, unit=every_state.dept)
    dept.__dict__.pop("_case_units", None)
    assert selectors.queue_counts(dept)["handling"] == 2 and selectors.queue_counts(dept)["assist_to_sign"] == 0
