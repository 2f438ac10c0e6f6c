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
"""

import hashlib
import math
import os
import random
import re
import sqlite3
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

DOMAIN_TABLES = ("members_member", "orgs_organization", "orgs_committeepost", "records_activityrecord",
                 "records_fulfilment", "records_attendance", "records_activityplan", "records_activitytype",
                 "cases_case", "cases_caseevent", "cases_caseassignment", "cases_handlingunit", "cases_service",
                 "cases_routingrule")
SCANNED_TABLES = ("members_member", "orgs_organization")
IMPORT_ROWS = 63_000
FINDING_MIN_MS = 5.0  # flagged plans of statements faster than this are listed, not reported as findings
HI = "\U0010ffff"  # upper bound of SQLite prefix ranges (apps.core.query.prefix_q)


# ---------------------------------------------------------------- database selection and data

def select_database(log) -> str:
    """Point the default connection at the bench database before anything connects."""
    db = settings.DATABASES["default"]
    bench_file = Path(settings.VAR_DIR) / "bench.sqlite3"
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


def ensure_data(log):
    """Migrate; seed the district on the first run; reuse it afterwards."""
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.orgs.models import Organization

    from .seed import seed_demo

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not Organization.objects.exists():
        log("Bench database is empty: seeding the demo district (scale=district, ~2 min on SQLite) …")
        result = seed_demo(scale="district", log=lambda line: log("  " + line))
        log(f"  seeded {result['orgs']} organizations, {result['members']} members in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            # What autovacuum would do within a minute; without it the first run plans on empty statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            log("  ANALYZE (PostgreSQL statistics, as autovacuum would after a bulk load)")
    from apps.cases.models import Case
    from apps.records.models import ActivityRecord

    if not ActivityRecord.objects.exists():
        raise RuntimeError("the bench database predates the organizational-life records: delete var/bench.sqlite3 "
                           "(or empty the DATABASE_URL database) and run make bench again to reseed it")
    if not Case.objects.exists():
        raise RuntimeError("the bench database predates the citizen requests (群工系统): delete var/bench.sqlite3 "
                           "(or empty the DATABASE_URL database) and run make bench again to reseed it")
    if not User.objects.filter(username="district_admin").exists():
        raise RuntimeError("the bench database has organizations but no demo user district_admin: "
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


def sqlite_has_stats() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_stat1")
        return cursor.fetchone()[0] > 0


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


def _timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(run, base, *, reps=None, warmup=2, budget=4.0, min_reps=5, max_reps=30):
    """Warm up, pick a repetition count from the warm-up time (unless given), then time run and
    base alternately so that drift affects both alike."""
    warm = [_timed(run) for _ in range(warmup)]
    if base is not None:
        base()
    n = reps or max(min_reps, min(max_reps, int(budget / max(statistics.median(warm), 1e-4))))
    times, base_times = [], []
    for _ in range(n):
        times.append(_timed(run))
        if base is not None:
            base_times.append(_timed(base))
    return times, base_times


def median_ms(times):
    return statistics.median(times) * 1000 if times else None


def p95_ms(times):
    if not times:
        return None
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000


class Bench:
    def __init__(self, *, log, reps=None):
        from apps.access.models import Role, RoleAssignment
        from apps.accounts.models import User

        self.log = log
        self.reps = reps
        self.figures: list[Figure] = []
        self.statements: dict[tuple, Statement] = {}
        self.admin = User.objects.get(username="district_admin")
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
            first = _timed(lambda st=st: run_statements([(st.sql, st.params)]))
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

    # ------------------------------------------------------------ the figures

    def search_terms(self):
        from apps.members.models import Member

        ids = Member.objects.current().order_by("pk").values_list("pk", flat=True)
        total = ids.count()
        m = Member.objects.get(pk=ids[total // 2])
        return m

    def hits(self, params):
        from apps.members import selectors

        _, qs = selectors.member_list(self.admin, QueryDict(params))
        return qs.count()

    def run_pages(self):
        from urllib.parse import urlencode

        from apps.orgs import selectors as org_selectors

        m = self.search_terms()
        self.log("Member search, whole district (GET /members/?q=…, as district_admin):")
        for label, q, shown in (
            ("search 拼音首字母", m.name_initials, m.name_initials),
            ("search 姓名 full name", m.name, m.name),
            ("search 姓名 surname", m.name[0], m.name[0]),
            ("search 身份证号", m.id_number, m.id_masked),
        ):
            params = urlencode({"q": q})
            hits = self.hits(params)
            self.page(f"{label} “{shown}” ({hits} hit{'s' if hits != 1 else ''})", f"/members/?{params}")

        self.log("Member list (GET /members/):")
        pages = math.ceil(self.hits("") / settings.LIST_PAGE_SIZE)
        deep = min(1000, pages)
        self.page("list first page", "/members/")
        self.page(f"list deep page {deep}/{pages}", f"/members/?page={deep}")

        self.log("Subtree counts:")
        root = self.root
        self.call("subtree_counts(root)", lambda: org_selectors.subtree_counts(root))
        self.call("children_with_counts(root)", lambda: org_selectors.children_with_counts(root))
        self.page("page /orgs/ (tree)", "/orgs/")
        self.page("page /orgs/<root>/ (detail)", f"/orgs/{root.pk}/")
        self.page("page /orgs/<root>/children/", f"/orgs/{root.pk}/children/")
        self.run_records()

    def run_records(self):
        """The compliance watch over the whole district, from the Fulfilment rows (no per-organization loop)."""
        from django.utils import timezone

        from apps.records import compliance
        from apps.records.models import ActivityType
        from apps.records.periods import parse_period

        root, today = self.root, timezone.localdate()
        month, year = f"{today:%Y-%m}", str(today.year)
        theme = ActivityType.objects.get(code="theme_day")
        self.log("Organizational life (组织生活纪实), whole district:")
        self.call(f"compliance_table(root, {year})", lambda: compliance.compliance_table(root, parse_period(year)))
        self.page(f"page compliance {month}", f"/records/compliance/?period={month}")
        self.page(f"page compliance {year} by child", f"/records/compliance/?period={year}")
        self.page(f"page compliance {year} by domain", f"/records/compliance/?period={year}&group=domain")
        self.page(f"page missing 主题党日 {year}", f"/records/compliance/missing/?period={year}&type={theme.pk}")
        self.page("page records list", "/records/")
        self.page("page follow-up (6 months absent)", "/records/attendance/follow-up/")
        self.page(f"page attendance {month}", f"/records/attendance/?period={month}")
        self.page("page calendar (district)", "/records/calendar/")

    def run_import(self, *, runs=1, base_runs=3):
        from apps.core.jobs import JobRejected, Progress
        from apps.core.models import Job
        from apps.members.excel import run_import

        path = import_file(self.log)
        counter = Recorder()
        results = []

        def do_import():
            with transaction.atomic():
                job = Job.objects.create(kind="member_import", title="bench import", created_by=self.admin, input_file=str(path))
                try:
                    with connection.execute_wrapper(counter):
                        results.append(run_import(job, Progress(job), actor=self.admin, scope_org_ids=None))
                except JobRejected as exc:
                    raise RuntimeError(f"the bench import was rejected: {exc.result.get('message')} "
                                       f"{exc.result.get('errors', [])[:3]}") from None
                finally:
                    transaction.set_rollback(True)  # leave the district as seeded

        def read():
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                return sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
            finally:
                wb.close()

        self.log(f"Import of {IMPORT_ROWS:,} rows (run_import, rolled back afterwards; {runs} run(s)) …")
        times, base_times = [], []
        for _ in range(runs):
            times.append(_timed(do_import))
            self.log(f"  import: {times[-1]:.1f} s — {results[-1]['message']}")
        for _ in range(base_runs):
            base_times.append(_timed(read))
        self.log(f"  openpyxl read_only iter_rows: {median_ms(base_times) / 1000:.2f} s")
        if connection.vendor == "postgresql":
            # The rolled-back rows are dead tuples until vacuumed; the next run should not pay for them.
            from apps.audit.models import AuditEvent
            from apps.members.models import Member

            with connection.cursor() as cursor:
                for model in (Member, AuditEvent, Job):
                    cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
            self.log("  VACUUM ANALYZE after the rolled-back import")
        queries = counter.count // max(1, runs)
        self.figures.append(Figure(f"import {IMPORT_ROWS:,} rows (run_import)", times, base_times, "openpyxl read",
                                   str(queries), note=results[-1]["message"]))


# ---------------------------------------------------------------- the import file

def import_file(log) -> Path:
    """An .xlsx of IMPORT_ROWS valid new members in existing branches, generated once and kept under var/bench/."""
    from apps.orgs.models import BRANCH_KINDS, Organization

    codes = list(Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True).order_by("code").values_list("code", flat=True))
    if not codes:
        raise RuntimeError("no active branches to import into")
    folder = Path(settings.VAR_DIR) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256("\n".join(codes).encode()).hexdigest()[:10]
    path = folder / f"import-{IMPORT_ROWS}-{digest}.xlsx"
    if path.exists():
        return path
    started = time.perf_counter()
    log(f"  generating {path.name} ({IMPORT_ROWS:,} rows) …")
    tmp = path.with_suffix(".tmp")
    write_import_file(tmp, codes, IMPORT_ROWS)
    tmp.replace(path)
    for stale in folder.glob("import-*.xlsx"):
        if stale != path:
            stale.unlink()
    log(f"  generated in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")
    return path


def write_import_file(path: Path, org_codes, rows: int, *, seed=63000, today=None):
    from openpyxl import Workbook

    from apps.core.codes import EDUCATIONS
    from apps.core.dates import add_years
    from apps.core.idcard import make_id_number
    from apps.members.excel import COLUMNS

    from . import names

    today = today or date.today()
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员信息")
    ws.append([h + ("*" if required else "") for h, _, required, _ in COLUMNS])
    keys = [k for _, k, _, _ in COLUMNS]
    educations = [str(label) for _, label in EDUCATIONS]  # lazily translated labels; Chinese in a command
    area = "110101"  # not an area the demo generator uses: every row is a new member
    first, span = date(1940, 1, 1), (date(2000, 12, 31) - date(1940, 1, 1)).days
    used = {}
    for i in range(rows):
        while True:
            birth = first + timedelta(days=rng.randint(0, span))
            seq = used.get(birth, rng.randint(0, 50))
            if seq < 999:
                used[birth] = seq + 1
                break
        id_number = make_id_number(area, birth, seq)
        female = seq % 2 == 0
        stock = names.GIVEN_FEMALE if female else names.GIVEN_MALE
        name = rng.choice(names.SURNAMES) + rng.choice(stock) + (rng.choice(stock) if rng.random() < 0.7 else "")
        adult = add_years(birth, 18)
        joined = adult + timedelta(days=rng.randint(0, max(0, (today - adult).days - 1)))
        full_on = add_years(joined, 1)
        probationary = full_on > today
        flowing = rng.random() < 0.03
        values = {
            "name": name, "id_number": id_number, "org_code": org_codes[i % len(org_codes)],
            "category": "预备党员" if probationary else "正式党员", "joined_on": joined,
            "full_member_on": None if probationary else full_on, "status": "流动" if flowing else "正常",
            "ethnicity": "汉族" if rng.random() < 0.94 else "土家族", "education": rng.choice(educations),
            "occupation": "其他", "phone": f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
            "is_hardship": "是" if rng.random() < 0.03 else "否",
            "flow_place": rng.choice(names.FLOW_PLACES) if flowing else None, "flow_contact": "微信同手机" if flowing else None,
            "declared_sex": "女" if female else "男", "declared_birth_date": birth, "group_code": None,
        }
        ws.append([values[k] for k in keys])
    wb.save(path)


# ---------------------------------------------------------------- EXPLAIN

def _show(value):
    if isinstance(value, str):
        return "'" + value.replace("'", "''").replace(HI, "\\U0010ffff") + "'"
    return str(value)


def readable_sql(sql, params, *, collapse=True):
    """The statement with its parameters in place (for reading, not executing); long column lists shortened."""
    parts = sql.split("%s")
    out = parts[0]
    for value, part in zip(params, parts[1:]):
        out += _show(value) + part
    if collapse:
        m = re.match(r"SELECT (.*?) FROM ", out, re.S)
        if m and len(m.group(1)) > 100:
            out = f"SELECT <{m.group(1).count(',') + 1} columns> FROM " + out[m.end():]
    return out


class Explainer:
    def __init__(self):
        self.vendor = connection.vendor
        self._share = {}
        self._index_cols = {}

    def plan(self, sql, params) -> list[str]:
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                return [row[3] for row in cursor.fetchall()]
            cursor.execute("EXPLAIN " + sql, params)
            return [row[0] for row in cursor.fetchall()]

    def index_columns(self, index):
        if index not in self._index_cols:
            with connection.cursor() as cursor:
                cursor.execute(f'PRAGMA index_info("{index}")')
                self._index_cols[index] = [row[2] for row in cursor.fetchall()]
        return self._index_cols[index]

    def range_share(self, params):
        """Largest share of organizations inside one of the statement's prefix ranges (prefix, prefix + U+10FFFF)."""
        best = (0.0, "", 0)
        prefixes = {v[:-1] for v in params if isinstance(v, str) and v.endswith(HI)}
        if not prefixes:
            return best
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "orgs_organization"')
            total = cursor.fetchone()[0]
            for prefix in prefixes:
                cursor.execute('SELECT count(*) FROM "orgs_organization" WHERE path >= %s AND path < %s', [prefix, prefix + HI])
                share = cursor.fetchone()[0] / total if total else 0.0
                best = max(best, (share, prefix, total))
        return best

    def top_share(self, table, column):
        """Share of the table's rows holding the column's most common value."""
        key = (table, column)
        if key not in self._share:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT "{column}", count(*) FROM "{table}" GROUP BY 1 ORDER BY 2 DESC LIMIT 1')
                row = cursor.fetchone()
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                total = cursor.fetchone()[0]
            self._share[key] = (row[0], row[1] / total if total else 0.0, total) if row else (None, 0.0, total)
        return self._share[key]

    def classify(self, plan, sql, params=()) -> list[tuple]:
        """(verdict, note) for each plan line; verdict None when there is nothing to say."""
        offset = bool(re.search(r"OFFSET\s+\d*[1-9]", sql))
        if self.vendor == "sqlite":
            return [self._sqlite_line(line, offset, params) for line in plan]
        return [self._pg_line(plan, k, offset) for k in range(len(plan))]

    def _sqlite_line(self, line, offset, params):
        m = re.match(r"(SCAN|SEARCH) (\w+)(?: AS \w+)?(?: USING (COVERING )?INDEX (\w+))?(?: \((.*)\))?", line)
        if not m:
            if line.startswith("USE TEMP B-TREE FOR ORDER BY") and offset:
                return "SORT+OFFSET", "every matching row is sorted, then OFFSET rows are skipped"
            return None, None
        op, table, covering, index, cond = m.groups()
        if table not in SCANNED_TABLES:
            return ("index", None) if op == "SEARCH" else (None, None)
        if op == "SCAN" and not index:
            return "FULL TABLE SCAN", f"reads every row of {table}"
        if op == "SCAN":
            return "ORDERED INDEX WALK", (f"walks all of {index} in order with no condition on it"
                                          + ("" if covering else f", reading each {table} row") + "; cheap only if LIMIT is reached early")
        if table == "orgs_organization" and cond and re.search(r"\bpath>\? AND path<\?", cond):
            share, prefix, total = self.range_share(params)
            if share > 0.5:
                return ("WHOLE-TREE RANGE",
                        f"the access-scope range path >= '{prefix}' covers {share:.0%} of {total:,} organizations, so the "
                        "join then visits every member row under them (organization_id), whatever else the query asks")
        if index and cond:
            cols = self.index_columns(index)
            first = cols[0] if cols else None
            if first and re.match(rf"{first}=\?", cond):
                value, share, total = self.top_share(table, first)
                if share > 0.5:
                    return ("NON-SELECTIVE INDEX",
                            f"{table}.{first}: the value '{value}' alone is {share:.0%} of {total:,} rows, so this "
                            f"'search' visits nearly the whole table{'' if covering else ' through the index, row by row'}")
        return "index", None

    @staticmethod
    def _pg_details(plan, k):
        """The detail lines (Index Cond, Filter, …) that belong to plan node k."""
        indent = len(plan[k]) - len(plan[k].lstrip())
        out = []
        for line in plan[k + 1:]:
            stripped = line.lstrip()
            if stripped.startswith("->") or len(line) - len(stripped) <= indent:
                break
            out.append(stripped)
        return out

    def _pg_line(self, plan, k, offset):
        line = plan[k]
        m = re.search(r"Seq Scan on (\w+)", line)
        if m and m.group(1) in SCANNED_TABLES:
            flt = next((d for d in self._pg_details(plan, k) if d.startswith("Filter:")), "")
            like = re.search(r"\((\w+)\)::text ~~ '([^']*)'", flt)
            if like and m.group(1) == "members_member" and like.group(1) != "path":
                return "LIKE WITHOUT INDEX", (f"reads every row of {m.group(1)} to test {like.group(1)} LIKE '{like.group(2)}': "
                                              f"no index on {like.group(1)} that LIKE can use")
            return "FULL TABLE SCAN", f"reads every row of {m.group(1)}"
        m = re.search(r"(Index Only Scan|Index Scan)(?: Backward)? using (\w+) on (\w+)", line)
        if m:
            details = self._pg_details(plan, k)
            if m.group(3) in SCANNED_TABLES and not any(d.startswith("Index Cond:") for d in details):
                flt = next((d for d in details if d.startswith("Filter:")), "")
                return "ORDERED INDEX WALK", (f"walks {m.group(2)} in order with no index condition ({flt or 'no filter'}); "
                                              "cheap only if LIMIT is reached early")
            return "index", None
        if "Bitmap Index Scan" in line:
            return "index", None
        if offset and re.search(r"(Incremental )?Sort\s+\(cost", line):
            return "SORT+OFFSET", "every matching row is sorted, then OFFSET rows are skipped"
        return None, None


SQLITE_HINTS = {
    "NON-SELECTIVE INDEX": (
        "without statistics SQLite takes an equality on any index as selective, so it starts from the single-column "
        "index on a column where one value is nearly every row. Drop that index (db_index=False): SQLite then starts "
        "from the search's own index (name, name_initials/name_pinyin, id_hash). ANALYZE alone is no cure: the plan then "
        "starts from the scope's path range instead (bench --analyze shows it)."),
    "WHOLE-TREE RANGE": (
        "for a user whose scope is a whole tree the scope filter selects everything, yet SQLite drives the join from it "
        "instead of from the search's own index. Leave the filter out when the scope covers every root "
        "(policy.visible_members / subtree_q); for counts, an index on (organization_id, status) makes the join covering."),
    "SORT ALL, THEN LIMIT": "the first page of 50 needs 50 entries of the (name_pinyin, id) order, not a sort of every "
                            "matching row; it follows from the plan starting elsewhere (the findings above).",
    "FULL TABLE SCAN": "no index serves these conditions.",
    "ORDERED INDEX WALK": "the index gives the ORDER BY but not the WHERE; when matches are rare the walk reads the whole "
                          "index and table. An index on the searched column (see the findings above) lets the planner start there.",
    "SORT+OFFSET": "deep pages cost O(rows before the page); use keyset pagination (WHERE (name_pinyin, id) > (…)) "
                   "or sort only the ids (deferred join), and do not select ciphertext columns for the list.",
}
PG_HINTS = {
    "FULL TABLE SCAN": "the whole table is read: right when the query needs most of its rows (a count over the whole "
                       "district), wasteful otherwise; at larger scale cache such counts or keep them per organization.",
    "LIKE WITHOUT INDEX": (
        "Member.name has only a plain b-tree (Meta.indexes); LIKE 'x%' can use a b-tree only with the C collation or a "
        "pattern-ops operator class. Use db_index=True on name (Django then adds a varchar_pattern_ops '_like' index, as "
        "for name_pinyin and name_initials) or Index(fields=['name'], name=…, opclasses=['varchar_pattern_ops'])."),
    "SORT ALL, THEN LIMIT": "every matching row is sorted to return one page.",
    "ORDERED INDEX WALK": (
        "the ORDER BY index is walked and every row filtered: cheap when the first LIMIT rows come early (the list's first "
        "page), a read of the whole table when matches are rare (a name search, see LIKE WITHOUT INDEX) or behind a large OFFSET."),
    "SORT+OFFSET": SQLITE_HINTS["SORT+OFFSET"],
}


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


def explain_report(bench: Bench) -> list[str]:
    ex = Explainer()
    lines = []
    if ex.vendor == "sqlite":
        stats = sqlite_has_stats()
        lines.append(f"EXPLAIN QUERY PLAN (SQLite {sqlite3.sqlite_version}; planner statistics sqlite_stat1: "
                     f"{'present' if stats else 'ABSENT — ANALYZE has never run'})")
        hints = SQLITE_HINTS
    else:
        lines.append(f"EXPLAIN ({connection.vendor})")
        hints = PG_HINTS
    findings = []
    for i, st in enumerate(bench.statements.values(), start=1):
        plan = ex.plan(st.sql, st.params)
        marks, worst = [], None
        for line, (verdict, note) in zip(plan, ex.classify(plan, st.sql, st.params)):
            marks.append((line, verdict, note))
            if verdict and verdict != "index":
                worst = worst or verdict
                findings.append((i, st, verdict, note, line))
        if worst and worst != "SORT+OFFSET" and re.search(r"\bLIMIT\b", st.sql) and not re.search(r"OFFSET\s+\d*[1-9]", st.sql):
            for k, (line, verdict, note) in enumerate(marks):
                if verdict is None and re.match(r"(USE TEMP B-TREE FOR ORDER BY|(->\s+)?Sort\s+\(cost)", line.strip()):
                    note = "every matching row is sorted to return one page"
                    marks[k] = (line, "SORT ALL, THEN LIMIT", note)
                    findings.append((i, st, "SORT ALL, THEN LIMIT", note, line))
        uses_index = any(v == "index" for _, v, _ in marks)
        summary = worst or ("uses an index" if uses_index else "no table access")
        lines.append("")
        lines.append(f"[Q{i}] {median_ms(st.times):.1f} ms bare, {st.rows} row(s) — {summary}")
        lines.append(f"      used by: {'; '.join(st.figures)}")
        lines.append(f"      {readable_sql(st.sql, st.params)}")
        for line, verdict, note in marks:
            flag = f"   ← {verdict}: {note}" if verdict and note else (f"   ← {verdict}" if verdict else "")
            lines.append(f"        {line}{flag}")
    lines.append("")
    if not findings:
        lines.append("Findings: every request-path query is answered from an index.")
        return lines
    lines.append("Findings (request-path queries that read most of members/organizations, or sort everything before paging):")
    grouped, minor = {}, set()
    for i, st, verdict, note, line in findings:
        if median_ms(st.times) < FINDING_MIN_MS:
            minor.add(i)
            continue
        group = grouped.setdefault((verdict, note), {"line": line.strip(), "sts": {}})
        group["sts"][i] = st
    for (verdict, note), group in grouped.items():
        sts, line = group["sts"], group["line"]
        total = sum(median_ms(st.times) for st in sts.values())
        ids = ", ".join(f"Q{i} ({median_ms(st.times):.1f} ms)" for i, st in sts.items())
        lines.append(f"  • [{verdict}] {len(sts)} statement(s), {total:.1f} ms bare in all: {ids}")
        lines.append(f"      plan: {line}")
        lines.append(f"      why:  {note}")
        lines.append(f"      hint: {hints.get(verdict, '')}")
    if minor:
        lines.append(f"  (left out: flagged statements under {FINDING_MIN_MS} ms bare — "
                     f"{', '.join(f'Q{i}' for i in sorted(minor))}: small tables or early LIMIT)")
    return lines


def run(*, log, reps=None, skip_import=False, import_runs=1, skip_submissions=False, submissions=200):
    from .bench_cases import run_cases, run_submissions

    started = time.perf_counter()
    bench = Bench(log=log, reps=reps)
    throughput = None
    try:
        bench.run_pages()
        run_cases(bench)
        if not skip_submissions:
            throughput = run_submissions(bench, submissions)
        if not skip_import:
            bench.run_import(runs=import_runs)
    finally:
        bench.client.logout()
    from apps.cases.models import Case
    from apps.members.models import Member
    from apps.orgs.models import Organization

    size = (f"{Organization.objects.count():,} organizations, {Member.objects.count():,} members, "
            f"{Case.objects.count():,} cases")
    lines = ["", f"Figures — {describe_database()} ({size}), as district_admin (whole district); times in ms",
             *table(bench.figures),
             *([throughput] if throughput else []),
             "baseline: the domain SQL statements the same request or call sent, re-executed through a bare cursor "
             "and fetched; for the import, reading the same .xlsx with openpyxl read_only iter_rows(values_only=True); "
             "for the public form, as many GETs of an empty Django view (HttpResponse(\"\")) through the same client.",
             "queries: all statements of one request (session, user, roles, transaction included; domain SELECTs in brackets).",
             ""]
    lines += explain_report(bench)
    lines.append("")
    lines.append(f"bench finished in {time.perf_counter() - started:.0f} s")
    return lines
