"""`make bench`, citizen requests (群工系统): the rankings, lists and search over the district's year of cases, each
beside the bare SQL it sent (apps.demo.bench), and the throughput of the public form beside an empty Django view."""

import time

from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .bench import Figure, median_ms, p95_ms

SEARCH_WORD = "漏水"

# The public form before its intake path (issue 11: cases.intake_config, services.case_open), measured 2026-12-02 with
# `manage.py bench` (its public-form figure, 200 submissions) at district scale on the development machine, 2 cores
# shared with other work: the mean of two runs per database of the code at commit f033d32 — the statements of one
# POST /report/, the median ms and submissions per second, and the empty view's requests per second in the same
# runs. Absolute rates move with the machine and its load (busier runs that day gave 9–26/s on SQLite); a
# submission's cost in empty views (empty_rate / rate: 26 on SQLite, 35 on PostgreSQL) is what compares across runs,
# so the speed-up printed is reckoned on it.
SUBMISSION_BASELINE = {
    "sqlite": {"queries": 46, "median_ms": 22.2, "rate": 42.5, "empty_rate": 1096},
    "postgresql": {"queries": 48, "median_ms": 56.6, "rate": 17.2, "empty_rate": 610},
}
SUBMISSION_TARGET = {"queries": 15, "speedup": 3.0}  # issue 11: at most 15 statements, at least 3× the submissions/s


def run_cases(bench):
    """Pages and the ranking call as district_admin, over the whole district."""
    from apps.cases import metrics, search
    from apps.cases.models import Case
    from apps.core.periods import parse_period

    today = timezone.localdate()
    month, year = f"{today:%Y-%m}", str(today.year)
    hits = search.search(Case.objects.all(), SEARCH_WORD).count()
    bench.log(f"Citizen requests (群工系统), {bench.scope}:")
    bench.page(f"case rankings {month} (township)", f"/cases/rankings/?period={month}")
    for group in ("township", "department", "area"):
        bench.page(f"case rankings {year} by {group}", f"/cases/rankings/?period={year}&group={group}")
    bench.page(f"public rankings /report/rankings/ {month}", "/report/rankings/")
    bench.page("case list first page", "/cases/")
    bench.page("case queue overdue", "/cases/?queue=overdue")
    bench.page(f"case search “{SEARCH_WORD}” ({hits} hits)", f"/cases/?q={SEARCH_WORD}")
    period = parse_period(year)
    bench.call(f"rankings({year}, township)", lambda: metrics.rankings(period, group="township"))
    run_year_rollups(bench, year, period)


def run_year_rollups(bench, year, period):
    """Issue 11: a year's rankings from the monthly roll-ups (apps.cases.rollups), each printed beside the same
    figure computed as before, from a year of case rows (the roll-ups switched off for the measurement)."""
    from unittest import mock

    from apps.cases import metrics, rollups

    pages = ((f"case rankings {year} (township)", f"/cases/rankings/?period={year}"),
             (f"case rankings {year} by area", f"/cases/rankings/?period={year}&group=area"),
             (f"public rankings /report/rankings/ {year}", f"/report/rankings/?period={year}"))
    for label, url in pages:
        bench.page(f"{label}, roll-ups", url)
        with mock.patch.object(rollups, "covers", lambda period: False):
            bench.page(f"{label}, before: case rows", url)
    for group in ("township", "service"):
        bench.call(f"rankings({year}, {group}), roll-ups", lambda g=group: metrics.rankings(period, group=g))
        with mock.patch.object(rollups, "covers", lambda period: False):
            bench.call(f"rankings({year}, {group}), before: case rows", lambda g=group: metrics.rankings(period, group=g))


def _form(i, services, places):
    """The i-th resident's valid form: a real category and place, a phone of its own, the challenge answered."""
    from apps.cases import challenge

    service, attributes = services[i % len(services)]
    township, village = places[i % len(places)]
    token = challenge.new_challenge()
    return {
        "service": service.pk, "description": f"小区门口的路灯坏了好几天，晚上出行不安全（测试{i}）",
        "township": township.pk, "village": village.pk if village else "", "address": f"人民路{i % 90 + 1}号",
        "contact_name": "杨学伦", "phone": f"139{i:08d}", "challenge_token": token,
        "challenge_answer": str(challenge.peek_answer(token)), "website": "", **attributes,
    }


def run_submissions(bench, n=200):
    """N residents' submissions of the public form (POST /report/, each routed and dispatched as CASE_AUTO_DISPATCH
    has it), beside N GETs of an empty view through the same client; all rolled back afterwards. Returns the line
    with both throughputs."""
    from apps.cases.areas import townships, villages
    from apps.cases.models import Service

    from .bench_urls import EMPTY_PATH

    n = max(100, n)
    services = []
    for service in Service.objects.filter(is_active=True).prefetch_related("attributes"):
        answers = {f"attr_{a.code}": a.values[0]["key"] for a in service.attributes.all() if a.required}
        services.append((service, answers))
    places = []
    for town in townships():
        places.append((town, None))
        places.extend((town, v) for v in villages(town)[:3])
    client = Client()
    times, base_times = [], []

    def submit(i):
        response = client.post("/report/", _form(i, services, places), REMOTE_ADDR=f"10.{i // 250 % 250}.{i % 250}.7")
        if response.status_code != 302:
            raise RuntimeError(f"POST /report/ answered {response.status_code} (a valid form expected a redirect)")

    def empty():
        if client.get(EMPTY_PATH).status_code != 200:
            raise RuntimeError(f"GET {EMPTY_PATH} failed")

    bench.log(f"Public form: {n} submissions (POST /report/, rolled back afterwards) beside {n} GETs of an empty view …")
    with override_settings(ROOT_URLCONF="apps.demo.bench_urls"), transaction.atomic():
        for i in range(3):  # warm-up
            submit(10_000_000 + i)
            empty()
        with CaptureQueriesContext(connection) as ctx:
            submit(10_000_100)
        queries = len(ctx.captured_queries)
        started = time.perf_counter()
        for i in range(n):
            t = time.perf_counter()
            submit(i)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            empty()
            base_times.append(time.perf_counter() - t)
        transaction.set_rollback(True)  # leave the district as seeded
    elapsed = time.perf_counter() - started
    rate, base_rate = len(times) / sum(times), len(base_times) / sum(base_times)
    line = f"submission throughput: {rate:.1f}/s (empty Django view: {base_rate:.0f}/s), {queries} queries"
    bench.log(f"  {line}; median {median_ms(times):.1f} ms, p95 {p95_ms(times):.1f} ms per submission "
              f"(empty view {median_ms(base_times):.2f} ms); {elapsed:.1f} s in all")
    before = SUBMISSION_BASELINE.get(connection.vendor)
    counted = str(queries)
    if before:
        counted = f"{queries} (was {before['queries']})"
        speedup = (rate / base_rate) / (before["rate"] / before["empty_rate"])
        met = queries <= SUBMISSION_TARGET["queries"] and speedup >= SUBMISSION_TARGET["speedup"]
        line += (f"; before the intake path (2026-12-02): {before['rate']:.1f}/s, median {before['median_ms']} ms "
                 f"(empty view {before['empty_rate']}/s), {before['queries']} queries → {speedup:.1f}× the submissions per second, reckoned against the "
                 f"empty view (target ≥ {SUBMISSION_TARGET['speedup']:.0f}× and ≤ {SUBMISSION_TARGET['queries']} "
                 f"queries: {'met' if met else 'NOT met'})")
    bench.figures.append(Figure("public form submission (POST /report/)", times, base_times, "empty view", counted))
    return line
