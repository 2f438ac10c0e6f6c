"""`make bench`: figures at district scale, each beside the bare SQL query or file read it rests on.

Every figure runs the real code path (a page through the test client as the demo district
administrator, a selector, the Excel import, the residents' form) a few times after a warm-up,
and reports the median and p95. Beside it, the baseline: the SQL statements the same code path
sent to the database (recorded once, then re-executed through a bare cursor and fetched), or,
for the import, reading the same file with openpyxl alone, or, for the form, an empty Django
view (apps.demo.bench_cases). The ratio is what the application adds on top of the work it
cannot avoid.

The bench never touches the developer's database: without DATABASE_URL it uses
var/bench.sqlite3 (migrated and seeded at district scale on the first run, reused after).
The import and the form submissions run inside transactions that are rolled back, so the data stay as seeded.

This module is the command's plumbing (the database, the measuring, the table printed); the figures are in
bench_members (member search and list, subtree counts, the import), bench_records (organizational life) and
bench_cases (citizen requests), the query plans in bench_explain.
"""

import math
import os
import re
import sqlite3
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

DOMAIN_TABLES = ("members_member", "orgs_organization", "orgs_committeepost", "records_activityrecord",
                 "records_fulfilment", "records_attendance", "records_memberattendancemark", "records_activityplan",
                 "records_recordmonthrollup", "orgs_orgdomaincount", "cases_casemonthrollup",
                 "records_activitytype",
                 "cases_case", "cases_caseevent", "cases_caseassignment", "cases_handlingunit", "cases_service",
                 "cases_routingrule", "assessment_round", "assessment_roundentry", "assessment_score",
                 "assessment_gradeband", "assessment_indicator", "assessment_indicatorsystem",
                 "ballots_poll", "ballots_subject", "ballots_item", "ballots_tallycell", "ballots_code", "ballots_comment",
                 "dues_duespayment", "dues_duesstandard", "dues_remittance", "dues_ledgerleg", "dues_hardshipdecision")


# ---------------------------------------------------------------- database selection and data

SCALE_FILES = {"district": "bench.sqlite3", "province": "bench-province.sqlite3"}


def select_database(log, scale="district") -> str:
    """Point the default connection at the bench database before anything connects."""
    db = settings.DATABASES["default"]
    bench_file = Path(settings.VAR_DIR) / SCALE_FILES[scale]
    main_file = Path(settings.VAR_DIR) / "db.sqlite3"
    if not os.environ.get("DATABASE_URL"):
        db["NAME"] = str(bench_file)
    elif db["ENGINE"].endswith("sqlite3") and Path(db["NAME"]).resolve() == main_file.resolve():
        log(f"DATABASE_URL names the main database {main_file}: benching {bench_file} instead")
        db["NAME"] = str(bench_file)
    connections.close_all()
    return describe_database()


def describe_database() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version} · {db['NAME']}"
    return f"{connection.vendor} · {db.get('HOST') or 'local'}:{db.get('PORT') or ''}/{db['NAME']}"


def ensure_data(log, scale="district"):
    """Migrate; seed the district (or the province bench data set) on the first run; reuse it afterwards."""
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.orgs.models import Organization

    from .province import PROVINCE_ADMIN, is_province
    from .seed import seed_demo

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not Organization.objects.exists():
        log({"district": "Bench database is empty: seeding the demo district (scale=district, ~2 min on SQLite) …",
             "province": "Bench database is empty: seeding the demo district and copying it into 38 districts "
                         "(scale=province, ~2 min + ~25 s a district on PostgreSQL) …"}[scale])
        result = seed_demo(scale=scale, log=lambda line: log("  " + line))
        log(f"  seeded {result['orgs']} organizations, {result['members']} members in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            # What autovacuum would do within a minute (and what a server with autovacuum off — this one — never
            # does): statistics, or the first run plans on empty ones; the visibility map, or no index-only scan
            # (the covering indexes of the open cases and the capped counts) can skip the table.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            log("  VACUUM ANALYZE (PostgreSQL statistics and visibility map, as autovacuum would after a bulk load)")
    from apps.cases.models import Case
    from apps.records.models import ActivityRecord

    if not ActivityRecord.objects.exists():
        raise RuntimeError("the bench database predates the organizational-life records: delete var/bench.sqlite3 "
                           "(or empty the DATABASE_URL database) and run make bench again to reseed it")
    if not Case.objects.exists():
        raise RuntimeError("the bench database predates the citizen requests (群工系统): delete var/bench.sqlite3 "
                           "(or empty the DATABASE_URL database) and run make bench again to reseed it")
    if is_province() != (scale == "province"):
        held = "the province bench data set" if scale == "district" else "one district"
        raise RuntimeError(f"the bench database holds {held}, not the {scale} scale asked for: point DATABASE_URL at "
                           f"another database (an empty one is seeded) or run make bench with the matching SCALE")
    username = PROVINCE_ADMIN if scale == "province" else "district_admin"
    if not User.objects.filter(username=username).exists():
        raise RuntimeError(f"the bench database has organizations but no demo user {username}: "
                           "point DATABASE_URL at an empty database or at one seeded by seed_demo")


def analyze_copy(log):
    """--analyze: bench a copy of the SQLite file with planner statistics (ANALYZE), or ANALYZE PostgreSQL."""
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log("ANALYZE done")
        return
    db = settings.DATABASES["default"]
    source = Path(db["NAME"])
    target = source.with_name(source.stem + "-analyzed.sqlite3")
    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("ANALYZE")
        dst.commit()
    finally:
        dst.close()
        src.close()
    db["NAME"] = str(target)
    log(f"--analyze: benching a copy with planner statistics (ANALYZE): {target}")

# ---------------------------------------------------------------- measuring

@dataclass
class Statement:
    sql: str
    params: tuple
    figures: list = field(default_factory=list)
    times: list = field(default_factory=list)
    rows: int = 0


@dataclass
class Figure:
    label: str
    times: list
    base_times: list
    base_label: str
    queries: str = ""
    note: str = ""
    statements: list = field(default_factory=list)


def _primary_table(sql):
    m = re.match(r'\s*SELECT\b.*?\bFROM\s+"?(\w+)"?', sql, re.S | re.I)
    return m.group(1) if m else None


class Recorder:
    """An execute wrapper keeping the (sql, params) of every domain SELECT."""

    def __init__(self):
        self.statements = []
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not many and _primary_table(sql) in DOMAIN_TABLES:
            self.statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)


def run_statements(statements):
    """The bare baseline: the same statements through a plain cursor, every row fetched."""
    rows = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            rows.append(len(cursor.fetchall()))
    return rows


def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(run, base, *, reps=None, warmup=2, budget=4.0, min_reps=5, max_reps=30):
    """Warm up, pick a repetition count from the warm-up time (unless given), then time run and
    base alternately so that drift affects both alike."""
    warm = [timed(run) for _ in range(warmup)]
    if base is not None:
        base()
    n = reps or max(min_reps, min(max_reps, int(budget / max(statistics.median(warm), 1e-4))))
    times, base_times = [], []
    for _ in range(n):
        times.append(timed(run))
        if base is not None:
            base_times.append(timed(base))
    return times, base_times


def median_ms(times):
    return statistics.median(times) * 1000 if times else None


def p95_ms(times):
    if not times:
        return None
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000


class Bench:
    def __init__(self, *, log, reps=None, username="district_admin"):
        from apps.access.models import Role, RoleAssignment
        from apps.accounts.models import User

        self.log = log
        self.reps = reps
        self.figures: list[Figure] = []
        self.statements: dict[tuple, Statement] = {}
        self.admin = User.objects.get(username=username)
        self.scope = "whole province" if username != "district_admin" else "whole district"
        self.root = RoleAssignment.objects.select_related("organization").get(user=self.admin, role=Role.DISTRICT_ADMIN).organization
        self.client = Client()
        self.client.force_login(self.admin)

    def _remember(self, label, recorded):
        out = []
        for sql, params in recorded:
            key = (sql, params)
            st = self.statements.get(key)
            if st is None:
                st = self.statements[key] = Statement(sql, params)
            if label not in st.figures:
                st.figures.append(label)
            out.append(st)
        return out

    def _time_statements(self, statements, n=5):
        for st in statements:
            if st.times:
                continue
            first = timed(lambda st=st: run_statements([(st.sql, st.params)]))
            for _ in range(n if first < 0.2 else 3):
                started = time.perf_counter()
                st.rows = run_statements([(st.sql, st.params)])[0]
                st.times.append(time.perf_counter() - started)

    def page(self, label, url):
        def get():
            response = self.client.get(url, follow=True)  # an ID search is a 303 to ?qk= (numbers never in URLs)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            return response

        return self.call(label, get, page=True)

    def call(self, label, fn, page=False):
        fn()
        recorder = Recorder()
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(recorder):
            fn()
        # Read now: the next request's request_started signal empties the connection's query log.
        n_queries = len(ctx.captured_queries)
        statements = recorder.statements
        times, base = measure(fn, lambda: run_statements(statements), reps=self.reps)
        sts = self._remember(label, statements)
        self._time_statements(sts)
        queries = f"{n_queries} ({len(statements)} domain)" if page else str(n_queries)
        fig = Figure(label, times, base, f"{len(statements)} SQL", queries, statements=sts)
        self.figures.append(fig)
        self.log(f"  {label}: {median_ms(times):.1f} ms (bare SQL {median_ms(base):.1f} ms), n={len(times)}")
        return fig


# ---------------------------------------------------------------- report

def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text, width, right=False):
    text = str(text)
    while _width(text) > width:
        text = text[:-2] + "…"
    pad = " " * (width - _width(text))
    return pad + text if right else text + pad


def _num(value, digits=1):
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def table(figures) -> list[str]:
    cols = [("figure", 48, False), ("n", 3, True), ("median ms", 10, True), ("p95 ms", 10, True),
            ("baseline", 13, False), ("base med ms", 11, True), ("ratio", 7, True), ("queries", 14, True)]
    lines = ["  ".join(_cell(h, w, r) for h, w, r in cols)]
    lines.append("  ".join("-" * w for _, w, _ in cols))
    for f in figures:
        med, base = median_ms(f.times), median_ms(f.base_times)
        ratio = f"{med / base:.1f}×" if med and base else "—"
        values = [f.label, len(f.times), _num(med), _num(p95_ms(f.times)), f.base_label, _num(base), ratio, f.queries]
        lines.append("  ".join(_cell(v, w, r) for v, (_, w, r) in zip(values, cols)))
    return lines


SECTIONS = ("members", "records", "cases", "assessment", "ballots", "dues", "letters")


def run(*, log, reps=None, skip_import=False, import_runs=1, skip_submissions=False, submissions=200, scale="district",
        only=None):
    """Every section's figures, or only those of the sections named in `only` (a run of some figures: the saved
    figures of the scale are then those figures only)."""
    from .bench_assessment import run_assessment
    from .bench_ballots import run_ballots
    from .bench_cases import run_cases, run_submissions
    from .bench_dues import run_dues
    from .bench_explain import explain_report
    from .bench_letters import run_letters
    from .bench_members import run_member_import, run_members
    from .bench_records import run_records
    from .bench_scales import compare_scales, save_figures
    from .province import PROVINCE_ADMIN

    started = time.perf_counter()
    bench = Bench(log=log, reps=reps, username=PROVINCE_ADMIN if scale == "province" else "district_admin")
    throughput = None
    try:
        sections = set(only or SECTIONS)
        if "members" in sections:
            run_members(bench)
        if "records" in sections:
            run_records(bench)
        if "cases" in sections:
            run_cases(bench)
        if "assessment" in sections:
            run_assessment(bench)
        if "ballots" in sections:
            run_ballots(bench)
        if "dues" in sections:
            run_dues(bench)
        if "letters" in sections:
            run_letters(bench)
        if not skip_submissions and "cases" in sections:
            throughput = run_submissions(bench, submissions)
        if not skip_import and "members" in sections:
            run_member_import(bench, runs=import_runs)
    finally:
        bench.client.logout()
    from apps.cases.models import Case
    from apps.members.models import Member
    from apps.orgs.models import Organization

    size = (f"{Organization.objects.count():,} organizations, {Member.objects.count():,} members, "
            f"{Case.objects.count():,} cases")
    who = f"{bench.admin.username} (whole {scale})"
    lines = ["", f"Figures — {describe_database()} ({size}), as {who}; times in ms",
             *table(bench.figures),
             *([throughput] if throughput else []),
             "baseline: the domain SQL statements the same request or call sent, re-executed through a bare cursor "
             "and fetched; for the import, reading the same .xlsx with openpyxl read_only iter_rows(values_only=True); "
             "for the public form, as many GETs of an empty Django view (HttpResponse(\"\")) through the same client.",
             "queries: all statements of one request (session, user, roles, transaction included; domain SELECTs in brackets).",
             ""]
    lines += explain_report(bench)
    lines.append("")
    if only:
        lines.append("figures not saved (--only: a part of the figures would replace the whole set)")
    else:
        saved = save_figures(bench.figures, scale=scale, vendor=connection.vendor, size=size)
        lines.append(f"figures saved to {saved} (the other scale's run prints them beside its own)")
    lines += compare_scales(bench.figures, scale=scale, vendor=connection.vendor)
    lines.append("")
    lines.append(f"bench finished in {time.perf_counter() - started:.0f} s")
    return lines
