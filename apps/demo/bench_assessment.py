"""`make bench`, assessment (考核评价): scoring a round of the whole district — every organization, party groups
included (≈2,600) — and every automatic metric of the catalogue — through the scoring job's function, beside the two grouped
metric calls it rests on (records.metrics.metrics_by_organization, cases.metrics.figures_by_area,
orgs.selectors.structure_figures and ballots.selectors.organization_figures per poll kind, for the same organizations,
period and day, exactly as the job calls them); then the round's results page at that scale beside its bare SQL (apps.demo.bench).

Everything is written inside one transaction rolled back at the end (each timed scoring run in a savepoint rolled
back too), so the district stays as seeded; on PostgreSQL the tables are vacuumed before and after (the rolled-back
rows are dead tuples until then)."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .bench import Figure, measure, median_ms

BENCH_GROUP = "基准：全区党组织"


def _system(bench, today):
    from apps.assessment import catalogue, services
    from apps.orgs.models import OrgKind  # every kind: the whole tree, the largest round a district can run
    from apps.records.models import ActivityType

    group = services.group_create(actor=bench.admin, organization=bench.root, data={
        "name": BENCH_GROUP, "domains": [], "kinds": list(OrgKind.values)})
    system = services.system_create(actor=bench.admin, group=group, data={
        "year": today.year, "name": "基准指标体系", "weight_month": Decimal(0), "weight_quarter": Decimal(100),
        "weight_half": Decimal(0), "weight_year": Decimal(0)})
    metrics = list(catalogue.METRICS)
    parent = services.indicator_create(actor=bench.admin, system=system, data={"name": "自动计分", "max_points": Decimal(100)})
    share = Decimal(100) / len(metrics)
    points = [share.quantize(Decimal("0.01"))] * (len(metrics) - 1)
    points.append(Decimal(100) - sum(points))
    theme_day = ActivityType.objects.get(code="theme_day")
    for metric, leaf_points in zip(metrics, points):
        data = {"name": str(metric.label), "max_points": leaf_points, "method": "automatic", "metric": metric.key}
        if metric.needs_activity_type:
            data["activity_type"] = theme_day
        if metric.needs_points_per:
            data["points_per"] = Decimal(1)
        services.indicator_create(actor=bench.admin, system=system, parent=parent, data=data)
    return services.system_publish(actor=bench.admin, system=system), len(metrics)


def run_assessment(bench):
    from apps.assessment import catalogue, round_services
    from apps.assessment.round_models import RoundEntry
    from apps.ballots.selectors import organization_figures
    from apps.cases.metrics import figures_by_area
    from apps.orgs.selectors import structure_figures
    from apps.records.metrics import metrics_by_organization

    today, now = timezone.localdate(), timezone.now()
    bench.log(f"Assessment (考核评价), {bench.scope}:")
    _vacuum()  # the dead rows of an earlier run's rolled-back scores would slow this one's reads
    with transaction.atomic():
        system, n_metrics = _system(bench, today)
        # The last whole quarter (its records and cases are complete), in this year's system.
        number = max(1, (today.month - 1) // 3)
        rnd = round_services.round_create(actor=bench.admin, system=system, data={
            "period_kind": "quarter", "number": number, "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=1)})
        rnd = round_services.round_open(actor=bench.admin, round=rnd)
        entries = list(RoundEntry.objects.filter(round=rnd).select_related("organization").order_by("organization__path"))
        orgs = [e.organization for e in entries]
        period = round_services.core_period(rnd)

        def score():
            point = transaction.savepoint()
            try:
                job = round_services.scoring_run(actor=bench.admin, round=rnd)
                if job.status != job.Status.SUCCEEDED:
                    raise RuntimeError(f"the bench scoring job {job.status}: {job.result}")
            finally:
                transaction.savepoint_rollback(point)

        ids = [o.pk for o in orgs]
        poll_kinds = sorted({m.poll_kind for m in catalogue.METRICS if m.source == catalogue.BALLOTS_SOURCE})

        def bare():
            # Every grouped call compute_automatic makes, with the same arguments (the ballots': one per poll kind).
            metrics_by_organization(orgs, period, today)
            figures_by_area(period, orgs, now)
            structure_figures(orgs, today)
            for kind in poll_kinds:
                organization_figures(kind, rnd.period_start.year, ids)

        score()
        with CaptureQueriesContext(connection) as ctx:
            score()
        queries = len(ctx.captured_queries)
        times, base_times = measure(score, bare, reps=bench.reps, budget=20.0, min_reps=3, max_reps=10)
        label = f"score a round: {len(orgs):,} orgs × {n_metrics} automatic (scoring_job)"
        calls = 3 + len(poll_kinds)
        bare_names = "metrics_by_organization + figures_by_area + structure_figures + organization_figures"
        bench.figures.append(Figure(label, times, base_times, f"{calls} grouped calls", str(queries),
                                    note=f"{bare_names} ×{len(poll_kinds)}, same orgs and period"))
        bench.log(f"  {label}: {median_ms(times):.1f} ms (bare {bare_names} ×{len(poll_kinds)} "
                  f"{median_ms(base_times):.1f} ms), n={len(times)}, {queries} queries")
        # Scored once more, kept (inside this transaction) for the results page.
        job = round_services.scoring_run(actor=bench.admin, round=rnd)
        if job.status != job.Status.SUCCEEDED:
            raise RuntimeError(f"the bench scoring job {job.status}: {job.result}")
        bench.page(f"page round results ({len(orgs):,} orgs)", f"/assessment/rounds/{rnd.pk}/results/")
        bench.page(f"page round detail ({len(orgs):,} orgs, top 20)", f"/assessment/rounds/{rnd.pk}/")
        transaction.set_rollback(True)  # leave the district as seeded
    _vacuum()


def _vacuum():
    """PostgreSQL: VACUUM ANALYZE the tables the rolled-back rounds wrote (as after the rolled-back import)."""
    if connection.vendor != "postgresql":
        return
    from apps.assessment.round_models import Round, RoundEntry, Score
    from apps.audit.models import AuditEvent
    from apps.core.models import Job

    with connection.cursor() as cursor:
        for model in (Score, RoundEntry, Round, Job, AuditEvent):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
