"""The monthly roll-ups (apps.cases.rollups) give exactly the figures of the case rows: on varied data (cases across
a month's end, reopened, merged, returned and re-dispatched, not accepted, still open past their deadlines, units
under CASE_RANKING_MIN_CASES), for every group, month and year; kept by the services, folded by the schedule,
checked and rebuilt by `manage.py case_rollups`; exact too before and after the lapse sweep (apps.cases.lapses) and the
steps on swept cases."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from apps.cases import lapses, metrics, rollups, services
from apps.cases.intake import Intake, case_submit
from apps.cases.models import HANDLING_STATUSES, Case, CaseMonthRollup
from apps.core import workers
from apps.core.periods import period_containing

pytestmark = pytest.mark.django_db

GROUPS = ("township", "department", "area", "service")


def _submit(cases, n, *, now, area=None, service="env"):
    intake = Intake(service=cases.services[service], description="小区门口垃圾堆积多日无人清运", contact_name="杨学伦",
                    area=area if area is not None else cases.tree.branch_a, phone=f"1391111{n:04d}")
    return case_submit(intake=intake, ip=f"10.9.{n // 250}.{n % 250 + 1}", now=now)[0]


def _varied(cases):
    """Cases over this month and the last, through every step that changes a figure."""
    admin, town_a, dispatcher = cases.users["town_a_admin"], cases.users["district_admin"], cases.users["dispatcher"]
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month_end = month_start - timedelta(minutes=3)  # submitted last month, handled in this one
    n = iter(range(1000))
    made = []
    for when in (last_month_end, now - timedelta(hours=3)):
        for i in range(7):
            case = _submit(cases, next(n), now=when, area=cases.tree.branch_a if i % 3 else cases.tree.branch_b,
                           service=("env", "water", "other")[i % 3])
            made.append(case)
            unit = case.lead_unit
            actor = admin if unit == cases.town_a else town_a
            if i == 6:
                continue  # left waiting to be signed: in the response rate once its time to sign runs out
            services.case_sign(actor=actor, case=case, unit=unit, now=when + timedelta(minutes=5 + 200 * (i == 1)))
            if i == 5:
                continue  # still being handled: overdue once the deadline passes
            case.refresh_from_db()
            late = i == 2
            services.case_resolve(actor=actor, case=case, unit=unit, answer="已处理",
                                  now=case.deadline + timedelta(hours=1) if late else when + timedelta(hours=2))
            if i in (0, 1, 2):
                services.case_rate(case=case, rating=("satisfied", "basic", "unsatisfied")[i], solved=i != 2,
                                   now=when + timedelta(days=1))
            if i == 2:  # reopened: keeps its rating until rated again
                services.case_reopen(actor=dispatcher, case=case, reason="群众不满意，重新办理", now=when + timedelta(days=1, hours=1))
    # A duplicate merged into a case of the other township; a duplicate of a merged master rated by its submitter.
    dup = _submit(cases, next(n), now=now - timedelta(hours=2), area=cases.tree.branch_b)
    services.case_merge(actor=dispatcher, case=dup, master=made[0])
    dup.refresh_from_db()
    services.case_rate(case=dup, rating="satisfied", solved=True)
    # 退单 and 改派 to the department (the row moves between lead units).
    moved = _submit(cases, next(n), now=now - timedelta(hours=1))
    services.case_return(actor=admin, case=moved, unit=cases.town_a, reason="不属于本镇职责范围内的事项")
    moved.refresh_from_db()
    services.case_dispatch(actor=dispatcher, case=moved, lead=cases.dept)
    # 不予受理 after acceptance: counts for nobody.
    rejected = _submit(cases, next(n), now=now - timedelta(minutes=30), area=cases.tree.branch_b)
    if rejected.status in ("submitted", "accepted"):
        services.case_reject(actor=dispatcher, case=rejected, reason="不属于群众诉求受理范围")
    return now


def _detail(period, within, key, now):
    return metrics.figures_by(metrics.cohort(period, within), key, now)


def _same(a: dict, b: dict):
    assert set(a) == set(b)
    for key in a:
        assert a[key].as_dict() == b[key].as_dict(), key


def test_rollup_figures_equal_the_case_rows(cases, monkeypatch):
    now = _varied(cases)
    assert rollups.differences() == []
    today = timezone.localdate()
    periods = [period_containing("year", today), period_containing("month", today),
               period_containing("month", today).previous(), period_containing("quarter", today)]
    later = now + timedelta(days=40)  # past sign_due and deadlines: the clock-driven parts
    for period in periods:
        for within in (None, cases.tree.district, cases.tree.town_a, cases.tree.town_b):
            for key in ("lead_unit_id", "area_id", "service_id"):
                for moment in (now, later):
                    _same(metrics.grouped(period, within, key, moment), _detail(period, within, key, moment))
        # By township-level area (live parts folded into townships in Python), as the case rows give it.
        for within in (None, cases.tree.district, cases.tree.town_a):
            for moment in (now, later):
                towns = metrics.cohort(period, within).annotate(**{rollups.AREA: rollups.area_key()})
                _same(metrics.grouped(period, within, rollups.AREA, moment), metrics.figures_by(towns, rollups.AREA, moment))
    year = periods[0]
    assert metrics.grouped(year, None, "lead_unit_id", later)[cases.town_a.pk].overdue > \
        metrics.grouped(year, None, "lead_unit_id", now)[cases.town_a.pk].overdue

    # Whole rankings (ranks, 样本不足, order) as from the case rows.
    for minimum in (1, 5, 50):
        with override_settings(CASE_RANKING_MIN_CASES=minimum):
            for group in GROUPS:
                fast = [(r.label, r.rank, r.figures.as_dict()) for r in metrics.rankings(year, group=group, now=later)]
                with monkeypatch.context() as m:
                    m.setattr(rollups, "covers", lambda period: False)
                    slow = [(r.label, r.rank, r.figures.as_dict()) for r in metrics.rankings(year, group=group, now=later)]
                assert fast == slow, (group, minimum)
    with override_settings(CASE_RANKING_MIN_CASES=50):
        rows = metrics.rankings(year, group="township", now=later)
        assert {r.figures.standing for r in rows} <= {"few", "partial", "none"} and all(r.rank is None for r in rows)
        assert any(r.figures.standing == "few" for r in rows)


def test_compact_keeps_the_sums_and_the_check_command(cases, capsys):
    _varied(cases)
    rows_before = CaseMonthRollup.objects.count()
    assert rollups.compact() > 0
    assert CaseMonthRollup.objects.count() < rows_before and rollups.differences() == []
    call_command("case_rollups", "--check")
    assert "0 组" in capsys.readouterr().out

    # A write past the services: the check fails (exit 1), the rebuild repairs.
    Case.objects.filter(rating="").update(rating="satisfied")
    with pytest.raises(CommandError):
        call_command("case_rollups", "--check")
    call_command("case_rollups", "--rebuild")
    assert rollups.differences() == []
    call_command("case_rollups", "--check")


def test_a_year_reads_rollups_not_a_year_of_cases(cases, django_assert_max_num_queries):
    _varied(cases)
    year = period_containing("year", timezone.localdate())
    with django_assert_max_num_queries(8):
        metrics.rankings(year, group="township")


def test_compaction_is_a_registered_periodic_task():
    names = [name for name, _task, _seconds in workers.schedule()]
    assert {"case_rollups", "case_lapses", "maintenance", "media_modes"} <= set(names)
    with pytest.raises(RuntimeError):
        workers.register_periodic("case_rollups", rollups.compact_rollups, 60)


def _ranking(period, group, within, now):
    return [(r.label, r.rank, r.figures.as_dict()) for r in metrics.rankings(period, group=group, within=within, now=now)]


def test_rollups_hold_townships_and_a_village_reads_its_case_rows(cases, monkeypatch):
    """The roll-ups key the area at township level (a village's cases in its township's row); a `within` below a
    township (a village, a group under it) reads that subtree's case rows, with the same figures."""
    now = _varied(cases)
    fresh = Case.objects.filter(area=cases.tree.branch_a).first()  # area not loaded: looked up inside the INSERT
    assert rollups.differences() == []
    tree = cases.tree
    stored_areas = set(CaseMonthRollup.objects.values_list("area_id", flat=True))
    assert stored_areas <= {None, tree.town_a.pk, tree.town_b.pk, tree.district.pk}
    assert tree.town_a.pk in stored_areas and tree.branch_a.pk not in stored_areas
    rollups.add_new(fresh)  # a row per grain: the township, or the tree's root where the grain keeps the root
    added = list(CaseMonthRollup.objects.order_by("-pk")[:len(rollups.GRAINS)])
    assert {r.grain: r.area_id for r in added} == {"full": tree.town_a.pk, "area": tree.town_a.pk,
                                                     "unit": tree.district.pk, "service": tree.district.pk}
    CaseMonthRollup.objects.filter(pk__in=[r.pk for r in added]).delete()

    year = period_containing("year", timezone.localdate())
    later = now + timedelta(days=40)
    assert rollups.answers(year, tree.town_a) and not rollups.answers(year, tree.branch_a)
    for within in (tree.branch_a, tree.group_a, tree.branch_b):  # a village, a group below it (no cases)
        for key in ("lead_unit_id", "area_id", "service_id", rollups.AREA):
            for moment in (now, later):
                with monkeypatch.context() as m:
                    m.setattr(rollups, "covers", lambda period: False)
                    slow = metrics.grouped(year, within, key, moment)
                _same(metrics.grouped(year, within, key, moment), slow)
        assert metrics.case_figures(period=year, area=within, now=later).as_dict() == \
            metrics._figures(metrics.cohort(year, within).aggregate(**metrics._aggregates(later))).as_dict()
    assert metrics.grouped(year, tree.branch_a, "lead_unit_id", now)[cases.town_a.pk].received > 0
    for within in (None, tree.town_a, tree.branch_a, tree.group_a):
        for group in GROUPS:
            fast = _ranking(year, group, within, later)
            with monkeypatch.context() as m:
                m.setattr(rollups, "covers", lambda period: False)
                assert fast == _ranking(year, group, within, later), (group, within)
    # The area ranking's rows are townships: a village's cases count for its township.
    row = next(r for r in metrics.rankings(year, group="area", now=later) if r.org == tree.town_a)
    assert row.figures.received == metrics.case_figures(period=year, area=tree.town_a, now=later).received > 0


def test_a_changed_area_depth_is_checked_and_rebuilt(cases, monkeypatch):
    """The depth is part of the key: a change shows in --check, --rebuild re-keys; townships deeper than the
    stored areas make the area ranking read the case rows, with the same figures."""
    now = _varied(cases)
    year = period_containing("year", timezone.localdate())
    with override_settings(CASE_ROLLUP_AREA_DEPTH=1):
        with pytest.raises(CommandError):
            call_command("case_rollups", "--check")
        call_command("case_rollups", "--rebuild")
        assert set(CaseMonthRollup.objects.values_list("area_id", flat=True)) <= {None, cases.tree.district.pk}
        for group in GROUPS:
            fast = _ranking(year, group, None, now)
            with monkeypatch.context() as m:
                m.setattr(rollups, "covers", lambda period: False)
                assert fast == _ranking(year, group, None, now), group


def test_a_village_moved_to_another_township_takes_its_rows(cases, monkeypatch):
    """A village's cases are stored under its township: moving it (orgs.services.org_move) moves its rows too."""
    from apps.orgs.services import org_move

    now = _varied(cases)
    tree = cases.tree
    moved = Case.objects.filter(area=tree.branch_a).count()
    assert moved > 0
    org_move(actor=cases.users["district_admin"], org=tree.branch_a, new_parent=tree.town_b)
    assert rollups.differences() == []
    year = period_containing("year", timezone.localdate())
    for within in (None, tree.town_a, tree.town_b):
        for group in GROUPS:
            fast = _ranking(year, group, within, now)
            with monkeypatch.context() as m:
                m.setattr(rollups, "covers", lambda period: False)
                assert fast == _ranking(year, group, within, now), (group, within)
    town_b = next(r for r in metrics.rankings(year, group="area", now=now) if r.org == tree.town_b)
    assert town_b.figures.received >= moved - 1  # the village's accepted cases now count for 乙镇


def test_grains_sum_the_same_cases_and_a_whole_tree_reads_the_narrow_ones(cases, monkeypatch):
    """Every grain holds the same cases (each grain's rows sum to the same totals); over the whole tree (no area, or
    the root: not the cases without an area) a group by unit or category reads the "unit" or "service" rows, keyed by
    the root, within a township the full rows; the figures are the case rows' either way."""
    now = _varied(cases)
    tree = cases.tree
    nowhere = Case.objects.filter(master__isnull=True, area=tree.branch_b).first()
    Case.objects.filter(pk=nowhere.pk).update(area=None)  # past the services: rebuilt below
    rollups.rebuild()
    assert rollups.differences() == []
    sums = {grain: CaseMonthRollup.objects.filter(grain=grain).aggregate(**{f: Sum(f) for f in rollups.STORED})
            for grain in rollups.GRAINS}
    assert sums["full"]["cases"] == Case.objects.count() and all(s == sums["full"] for s in sums.values())
    assert set(CaseMonthRollup.objects.filter(grain__in=rollups.ROOT_GRAINS).values_list("area_id", flat=True)) == \
        {tree.district.pk, None}
    for grain, kept in rollups.GRAINS.items():  # the columns a grain does not keep are empty
        for column in {"lead_unit_id", "service_id"} - set(kept):
            assert not CaseMonthRollup.objects.filter(grain=grain).exclude(**{column: None}).exists(), (grain, column)

    assert rollups.grain_for("lead_unit_id", None) == rollups.grain_for("lead_unit_id", tree.district) == "unit"
    assert rollups.grain_for("service_id", tree.district) == "service"
    assert rollups.grain_for("lead_unit_id", tree.town_a) == rollups.grain_for("service_id", tree.town_a) == "full"
    assert rollups.grain_for("area_id", None) == "area"
    year = period_containing("year", timezone.localdate())
    later = now + timedelta(days=40)
    for within in (None, tree.district, tree.town_b):
        for key in ("lead_unit_id", "service_id", rollups.AREA):
            for moment in (now, later):
                with monkeypatch.context() as m:
                    m.setattr(rollups, "covers", lambda period: False)
                    slow = metrics.grouped(year, within, key, moment)
                _same(metrics.grouped(year, within, key, moment), slow)
    # The case without an area counts over everything, not within the root.
    everything = metrics.case_figures(period=year, now=later)
    assert everything.received == metrics.case_figures(period=year, area=tree.district, now=later).received + 1


def test_regrain_derives_the_narrow_grains_from_the_full_rows(cases):
    """The province bench and migration cases/0007 write the full rows only: regrain() gives the same rows of the
    other grains as a rebuild from the cases."""
    _varied(cases)
    rollups.compact()
    want = rollups.stored()
    CaseMonthRollup.objects.filter(grain="unit").delete()  # missing …
    CaseMonthRollup.objects.filter(grain="service").update(received=0)  # … or stale: replaced
    assert rollups.differences() != []
    assert rollups.regrain() == CaseMonthRollup.objects.exclude(grain="full").count() > 0
    assert rollups.stored() == want and rollups.differences() == []


def _exact(cases, *moments):
    """Stored + live = the case rows' figures at each moment, for every period, area and group; the stored rows as a
    rebuild from the case rows would write them."""
    assert rollups.differences() == []
    for moment in moments:  # the overdue queue's condition, which adds the flags to help the planner
        plain = Case.objects.filter(status__in=HANDLING_STATUSES, deadline__lt=moment)
        assert set(Case.objects.filter(lapses.handling_overdue(moment)).values_list("pk", flat=True)) == \
            set(plain.values_list("pk", flat=True))
    today = timezone.localdate()
    for period in (period_containing("year", today), period_containing("month", today),
                   period_containing("month", today).previous()):
        for within in (None, cases.tree.district, cases.tree.town_a):
            for key in ("lead_unit_id", "service_id", rollups.AREA):
                for moment in moments:
                    cohort = metrics.cohort(period, within)
                    if key == rollups.AREA:
                        cohort = cohort.annotate(**{key: rollups.area_key()})
                    _same(metrics.grouped(period, within, key, moment), metrics.figures_by(cohort, key, moment))


def _swept():
    return CaseMonthRollup.objects.filter(grain="full").aggregate(
        sign=Sum("sign_overdue_swept"), handling=Sum("handling_overdue_swept"))


def test_the_lapse_sweep_keeps_the_figures_exact(cases):
    """Before a sweep, after one, as time passes, and after the steps on a swept case (an approved extension, 改派,
    签收, a late 办结, 重办): stored + live = the case rows; a swept case leaves the live index's condition, a step
    that moves its time later clears its flag."""
    now = _varied(cases)
    town, disp, dept = cases.users["town_a_admin"], cases.users["dispatcher"], cases.users["dept_handler"]
    handled, waiting = _submit(cases, 900, now=now), _submit(cases, 901, now=now)
    assert handled.lead_unit == waiting.lead_unit == cases.town_a
    services.case_sign(actor=town, case=handled, unit=cases.town_a, now=now + timedelta(minutes=5))
    handled.refresh_from_db()
    waiting.refresh_from_db()
    # lapse_at, computed by the database: the time to sign while a case waits for it, else its deadline.
    assert waiting.lapse_at == min(waiting.sign_due, waiting.deadline) and handled.lapse_at == handled.deadline
    later = now + timedelta(days=40)
    _exact(cases, now, later)  # nothing swept: every lapse counted live

    t1 = handled.deadline + timedelta(hours=1)
    assert waiting.sign_due < t1
    assert lapses.sweep(t1, batch=2) >= 2 and lapses.sweep(t1) == 0  # in batches; nothing left
    handled.refresh_from_db()
    waiting.refresh_from_db()
    assert handled.handling_lapsed and waiting.sign_lapsed and not handled.sign_lapsed
    # Swept: neither has anything left to lapse (waiting's deadline passed too, and both its flags are set).
    assert waiting.deadline < t1 and waiting.handling_lapsed
    assert handled.lapse_at is None and waiting.lapse_at is None
    assert not Case.objects.filter(rollups.lapsed_by(t1), pk__in=[handled.pk, waiting.pk]).exists()
    assert _swept()["sign"] > 0 and _swept()["handling"] > 0
    live = rollups.live_by(metrics.cohort(period_containing("year", timezone.localdate())), "lead_unit_id", t1)
    assert sum(row["sign_overdue"] + row["handling_overdue"] for row in live.values()) == 0
    _exact(cases, t1, later)

    # An extension approved after the lapse, 改派 after the time to sign ran out: the times lie ahead again.
    t2 = t1 + timedelta(hours=1)
    extension = services.case_request_extension(actor=town, case=handled, unit=cases.town_a, now=t2,
                                                until=handled.deadline + timedelta(days=3), reason="需协调供水公司")
    services.case_decide_extension(actor=disp, extension=extension, approve=True, now=t2)
    services.case_dispatch(actor=disp, case=waiting, lead=cases.dept, now=t2)
    handled.refresh_from_db()
    waiting.refresh_from_db()
    assert not handled.handling_lapsed and not waiting.sign_lapsed and waiting.sign_due > t2
    # The times ahead again are pending again; waiting's deadline stays passed and flagged, so its time to sign is next.
    assert waiting.handling_lapsed and waiting.deadline < t2
    assert handled.lapse_at == handled.deadline and waiting.lapse_at == waiting.sign_due
    _exact(cases, t2, later)
    metrics_t2 = metrics.grouped(period_containing("year", timezone.localdate()), None, "lead_unit_id", t2)

    # Time passes: lapsed again, counted live until the next sweep, stored after it.
    t3 = handled.deadline + timedelta(hours=1)
    _exact(cases, t3)
    assert lapses.sweep(t3) >= 2
    _exact(cases, t3, later)
    year = period_containing("year", timezone.localdate())
    assert metrics.grouped(year, None, "lead_unit_id", t3)[cases.town_a.pk].overdue == \
        metrics_t2[cases.town_a.pk].overdue + 1

    # Signed, resolved (late), rated and reopened after the sweep: the steps' delta rows move the swept figures.
    before = _swept()
    services.case_sign(actor=dept, case=waiting, unit=cases.dept, now=t3)
    services.case_resolve(actor=town, case=handled, unit=cases.town_a, answer="已处理", now=t3)
    assert _swept()["sign"] == before["sign"] - 1 and _swept()["handling"] == before["handling"] - 1
    _exact(cases, t3, later)
    services.case_rate(case=handled, rating="unsatisfied", solved=False, now=t3)
    services.case_reopen(actor=disp, case=handled, reason="群众不满意，重新办理", now=t3 + timedelta(hours=1))
    handled.refresh_from_db()
    assert not handled.handling_lapsed and handled.ever_late
    _exact(cases, t3 + timedelta(hours=1), later)
    t4 = handled.deadline + timedelta(hours=1)
    lapses.sweep(t4)
    handled.refresh_from_db()
    assert handled.handling_lapsed  # late already: flagged to leave the index, counted once (as late)
    _exact(cases, t4, later)


def test_the_check_covers_the_swept_figures_and_the_command_sweeps(cases, capsys):
    now = _varied(cases)
    call_command("case_rollups", "--sweep")
    assert "件超时诉求" in capsys.readouterr().out
    _exact(cases, timezone.now(), now + timedelta(days=40))
    # A flag set past the sweep (no delta rows): the check fails, the rebuild stores it.
    open_case = Case.objects.filter(status__in=["signed", "dispatched"], master=None, handling_lapsed=False,
                                    ever_late=False).first()
    Case.objects.filter(pk=open_case.pk).update(handling_lapsed=True)
    with pytest.raises(CommandError):
        call_command("case_rollups", "--check")
    call_command("case_rollups", "--rebuild")
    assert rollups.differences() == [] and _swept()["handling"] >= 1
