"""`make bench`, members and organizations: the member search and list, subtree counts and the organization pages
over the whole district, each beside the bare SQL it sent (apps.demo.bench); the import of 63,000 rows beside
reading the same file with openpyxl alone, and that file (generated once, kept under var/bench/)."""

import hashlib
import math
import random
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.http import QueryDict

from .bench import Figure, Recorder, median_ms, timed

IMPORT_ROWS = 63_000


def search_terms():
    """A current member from the middle of the table: whose name, initials and ID number the searches look up."""
    from apps.members.models import Member

    ids = Member.objects.current().order_by("pk").values_list("pk", flat=True)
    total = ids.count()
    m = Member.objects.get(pk=ids[total // 2])
    return m


def member_hits(bench, params):
    from apps.members import selectors

    _, qs = selectors.member_list(bench.admin, QueryDict(params))
    return qs.count()


def keyset_cursor(bench, number):
    """The ?after= cursor that leads to page `number` of the unfiltered list: the id of page number − 1's last row."""
    from apps.members import selectors

    _, qs = selectors.member_list(bench.admin, QueryDict(""))
    annotations, keys = selectors.list_keys("")
    skip = max(0, (number - 1) * settings.LIST_PAGE_SIZE - 1)
    return qs.annotate(**annotations).order_by(*keys).values_list("pk", flat=True)[skip]


def run_members(bench):
    """Member search and list pages, subtree counts and the organization pages, as district_admin."""
    from urllib.parse import urlencode

    from apps.orgs import selectors as org_selectors

    m = search_terms()
    bench.log(f"Member search, {bench.scope} (GET /members/?q=…, as {bench.admin.username}):")
    for label, q, shown in (
        ("search 拼音首字母", m.name_initials, m.name_initials),
        ("search 姓名 full name", m.name, m.name),
        ("search 姓名 surname", m.name[0], m.name[0]),
        ("search 身份证号", m.id_number, m.id_masked),
    ):
        params = urlencode({"q": q})
        hits = member_hits(bench, params)
        bench.page(f"{label} “{shown}” ({hits} hit{'s' if hits != 1 else ''})", f"/members/?{params}")

    bench.log("Member list (GET /members/):")
    pages = math.ceil(member_hits(bench, "") / settings.LIST_PAGE_SIZE)
    deep = min(1000, pages)
    bench.page("list first page", "/members/")
    # Deep pages go by keys (下一页 carries the last row's id; no OFFSET): page `deep` as reached from page deep − 1.
    bench.page(f"list page {deep}/{pages} by keyset", f"/members/?after={keyset_cursor(bench, deep)}")
    bench.page("list last page (末页, keyset)", "/members/?last=1")

    bench.log("Subtree counts (stored roll-ups: one row per organization shown):")
    root = bench.root
    bench.call("subtree_counts(root)", lambda: org_selectors.subtree_counts(root))
    bench.call("children_with_counts(root)", lambda: org_selectors.children_with_counts(root))
    bench.page("page /orgs/ (tree)", "/orgs/")
    bench.page("page /orgs/<root>/ (detail)", f"/orgs/{root.pk}/")
    bench.page("page /orgs/<root>/children/", f"/orgs/{root.pk}/children/")


def run_member_import(bench, *, runs=1, base_runs=3):
    """The import of IMPORT_ROWS new members (run_import, rolled back) beside reading the same file with openpyxl."""
    from apps.core.jobs import JobRejected, Progress
    from apps.core.models import Job
    from apps.members.imports import run_import

    path = import_file(bench.log)
    counter = Recorder()
    results = []

    def do_import():
        with transaction.atomic():
            job = Job.objects.create(kind="member_import", title="bench import", created_by=bench.admin, input_file=str(path))
            try:
                with connection.execute_wrapper(counter):
                    results.append(run_import(job, Progress(job), actor=bench.admin, scope_org_ids=None))
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

    bench.log(f"Import of {IMPORT_ROWS:,} rows (run_import, rolled back afterwards; {runs} run(s)) …")
    times, base_times = [], []
    for _ in range(runs):
        times.append(timed(do_import))
        bench.log(f"  import: {times[-1]:.1f} s — {results[-1]['message']}")
    for _ in range(base_runs):
        base_times.append(timed(read))
    bench.log(f"  openpyxl read_only iter_rows: {median_ms(base_times) / 1000:.2f} s")

    def fast_read():
        from apps.core.xlsxread import read_only_workbook

        wb = read_only_workbook(path)
        try:
            return sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()

    # The import reads through core.xlsxread (openpyxl with two costs taken out): said beside the plain read, so the
    # ratio above is not read as the import's own processing being cheap.
    fast = [timed(fast_read) for _ in range(base_runs)]
    bench.log(f"  the same read through core.xlsxread (the import's reader): {median_ms(fast) / 1000:.2f} s; "
              f"the import's work beyond its own read: {(median_ms(times) - median_ms(fast)) / 1000:.1f} s")
    if connection.vendor == "postgresql":
        # The rolled-back rows are dead tuples until vacuumed; the next run should not pay for them.
        from apps.audit.models import AuditEvent
        from apps.members.models import Member

        with connection.cursor() as cursor:
            for model in (Member, AuditEvent, Job):
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        bench.log("  VACUUM ANALYZE after the rolled-back import")
    queries = counter.count // max(1, runs)
    bench.figures.append(Figure(f"import {IMPORT_ROWS:,} rows (run_import)", times, base_times, "openpyxl read",
                               str(queries), note=results[-1]["message"]))



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
    # Files of other bench databases (the district's, the province's) are kept while in use: a week unread, gone.
    for stale in folder.glob("import-*.xlsx"):
        if stale != path and time.time() - stale.stat().st_atime > 7 * 86400:
            stale.unlink(missing_ok=True)
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

