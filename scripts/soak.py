#!/usr/bin/env python
"""`make soak`: two web servers and two background workers on loopback, sharing one PostgreSQL database and one Redis
database, under a bounded load of residents submitting the public form (and Open311), while a staff user imports
members through the web UI. Prints the figures, checks them, exits non-zero when a check fails.

    .venv/bin/python scripts/soak.py --seconds 60 --clients 200 \
        --database-url postgres://postgres@127.0.0.1:5432/yangguang_soak --redis-url redis://127.0.0.1:6379/15

The database is dropped and created fresh (its name must contain "soak": this script never drops anything else),
migrated and seeded with the small demo district — copied from `<name>_template`, which is migrated and seeded once
and again only when the migrations, the pinned packages or the demo's code change. Every process it starts runs in its own process group and is
stopped on the way out, whatever happens; the whole run is cut off at --seconds + 120 s.

Checks: no 5xx and no transport errors; every accepted submission's case number is in the database exactly once and
no other case was written; the limits count across both servers (one address, one phone, the residents' lookup in
Redis, one challenge token); the import job succeeded with every row counted.

Residents solve the challenge as the test suite does (`cases.challenge.peek_answer`): this script gives the servers
their SECRET_KEY, so it can read the answer the picture shows. Each resident has its own client address, sent in
X-Forwarded-For, which the servers believe because TRUSTED_PROXIES is 127.0.0.1 for this run (apps.core.net); each
address is left before it reaches the hourly limit, so the load is refused only where the limits are checked on purpose.
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

from soak_load import LIMITS, Browser, Run, summarize  # scripts/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HARD_CAP_EXTRA = 120  # seconds beyond --seconds after which everything is stopped, checks or not


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- processes ----

class Topology:
    """Every process this run starts, each in its own process group, stopped by stop() (idempotent)."""

    def __init__(self, var_dir: Path):
        self.var_dir, self.procs, self.lock = var_dir, [], threading.Lock()
        (var_dir / "logs").mkdir(parents=True, exist_ok=True)

    def start(self, name, cmd, env):
        out = open(self.var_dir / "logs" / f"{name}.log", "ab")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        out.close()
        with self.lock:
            self.procs.append((name, proc))
        return proc

    def run(self, name, cmd, env, timeout):
        """A command to its end (its output returned); stopped with the rest if the run is cut off."""
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        with self.lock:
            self.procs.append((name, proc))
        try:
            out, _err = proc.communicate(timeout=max(1, timeout))
        except subprocess.TimeoutExpired:
            self._kill(proc, signal.SIGKILL)
            raise RuntimeError(f"{name}: no answer within {timeout:.0f} s") from None
        text = out.decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed ({proc.returncode}):\n{text[-3000:]}")
        return text

    @staticmethod
    def _kill(proc, sig):
        try:
            os.killpg(proc.pid, sig)  # its own group (start_new_session): gunicorn's workers go with their arbiter
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, grace=15):
        with self.lock:
            procs = list(self.procs)
        for _name, proc in procs:
            if proc.poll() is None:
                self._kill(proc, signal.SIGTERM)
        end = time.monotonic() + grace
        for _name, proc in procs:
            try:
                proc.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            self._kill(proc, signal.SIGKILL)  # the group: a child left behind by a process that already exited
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _quoted(name):
    return '"' + name.replace('"', '""') + '"'


def fingerprint():
    """What the migrated and seeded database depends on: the migrations, the pinned packages, the demo's code."""
    digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes())
    for path in sorted([*ROOT.glob("apps/*/migrations/*.py"), *ROOT.glob("apps/demo/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return "soak " + digest.hexdigest()[:32]


def field_keys(mark):
    """The keys of personal data in the soak database: derived from the template's fingerprint, so that a copy made
    later reads the members the template was seeded with. Demo data on loopback only — never keys for real data."""
    return {name: hashlib.sha256(f"{name}:{mark}".encode()).hexdigest() for name in ("FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY")}


def recreate_database(url, topology, env, timeout, use_template=True):
    """The database dropped and created fresh, migrated and seeded (the small demo district). Migrating and seeding
    take most of a minute on a busy machine, so they are done once into `<name>_template`, marked with the
    fingerprint, and each run copies it (CREATE DATABASE … TEMPLATE); changed migrations, packages or demo code make
    a new template. Without the template (use_template False) the database is migrated and seeded itself."""
    seed = [sys.executable, "manage.py", "seed_demo", "--scale", "small"]
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    parts = urlparse(url)
    name = unquote(parts.path.lstrip("/"))
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or "soak" not in name:
        raise SystemExit(f"soak: the database must be PostgreSQL and its name contain “soak” (it is dropped): {url}")
    template = name + "_template"
    with connect(url, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        if not use_template:
            conn.execute(f"CREATE DATABASE {_quoted(name)}")
            topology.run("migrate", migrate, env, timeout)
            topology.run("seed", seed, env, timeout)
            return "migrated and seeded"
        mark = fingerprint()
        # Two runs with the same template name (parallel CI jobs) build it one at a time.
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            found = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                                 [template]).fetchone()
            how = "copied from " + template
            if found is None or found[0] != mark:
                conn.execute(f"DROP DATABASE IF EXISTS {_quoted(template)} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {_quoted(template)}")
                template_env = {**env, "DATABASE_URL": parts._replace(path="/" + template).geturl()}
                topology.run("migrate", migrate, template_env, timeout)
                topology.run("seed", seed, template_env, timeout)
                conn.execute(f"COMMENT ON DATABASE {_quoted(template)} IS {_literal(mark)}")
                how = f"migrated and seeded into {template}, copied"
            conn.execute(f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(template)}")
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
    return how


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


def connect(url, dbname=None):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=unquote(parts.username or "postgres"),
                           password=unquote(parts.password) if parts.password else None,
                           dbname=dbname or unquote(parts.path.lstrip("/")), autocommit=True)


def drop_database(url):
    name = unquote(urlparse(url).path.lstrip("/"))
    with connect(url, "postgres") as conn:
        conn.execute('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(name.replace('"', '""')))


def member_count(url):
    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM members_member").fetchone()[0]


def verify(url, baseline_case_id, returned):
    """What the database holds: the cases written since the seed against the numbers the servers answered with,
    and the import jobs. Plain SQL on the tables (cases_case, core_job, members_member): no Django start-up."""
    with connect(url) as conn:
        rows = dict(conn.execute("SELECT number, count(*) FROM cases_case WHERE id > %s GROUP BY number",
                                 [baseline_case_id]).fetchall())
        jobs = [{"status": status, "result": {k: v for k, v in result.items() if k != "errors"},
                 "errors": result.get("errors", [])[:5]}
                for status, result in conn.execute("SELECT status, result FROM core_job WHERE kind = 'member_import' "
                                                   "ORDER BY created_at").fetchall()]
        members = conn.execute("SELECT count(*) FROM members_member").fetchone()[0]
    returned = set(returned)
    return {"db_new_rows": sum(rows.values()), "db_duplicates": [n for n, c in rows.items() if c > 1][:20],
            "missing": sorted(n for n in returned if n not in rows)[:20],
            "extra": sorted(n for n in rows if n not in returned)[:20], "members": members, "jobs": jobs}


def clear_redis(url, prefix, flush):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    if flush:
        client.flushdb()  # only the database in the URL
    else:
        for pattern in (f"{prefix}:*", f"{prefix}-[0-9]:*"):  # the run's keys (--split-redis: each server's)
            for key in client.scan_iter(match=pattern, count=1000):
                client.delete(key)


SETUP = r'''
import json, os
from datetime import date, timedelta
from django.db import transaction
from openpyxl import Workbook
from apps.accounts.models import User
from apps.cases import areas
from apps.cases.configuration.services import open311_client_issue
from apps.cases.models import Case, Service
from apps.core.idcard import make_id_number
from apps.members.excel import COLUMNS
from apps.members.models import Member

with transaction.atomic():
    _client, key = open311_client_issue(actor=User.objects.get(username="sysadmin"), name="压力测试接入")
services = [{"pk": s.pk, "code": s.code} for s in Service.objects.filter(is_active=True).prefetch_related("attributes")
            if not any(a.required for a in s.attributes.all())]
towns = [{"pk": t.pk, "code": t.code} for t in areas.townships()]
orgs = sorted(set(Member.objects.values_list("organization__code", flat=True)))
rows = int(os.environ["SOAK_IMPORT_ROWS"])
wb = Workbook()
ws = wb.active
ws.append([h + ("*" if required else "") for h, _k, required, _hint in COLUMNS])
family, given = "赵钱孙李周吴郑王冯陈", "一二三四五六七八九十明华强伟芳娜敏静丽军"
for i in range(rows):
    name = family[i % 10] + given[(i // 10) % 20] + given[(i // 200) % 20]
    id_number = make_id_number("500102", date(1950, 1, 1) + timedelta(days=i), 555)
    values = {"姓名": name, "身份证号": id_number, "所在党组织编码": orgs[i % len(orgs)], "人员类别": "正式党员",
              "入党日期": "2000-07-01", "转正日期": "2001-07-01", "党员状态": "正常", "民族": "汉族"}
    ws.append([values.get(h) for h, _k, _r, _hint in COLUMNS])
wb.save(os.environ["SOAK_IMPORT_FILE"])
print("SOAK_JSON " + json.dumps({
    "open311_key": key, "services": services, "towns": towns,
    "baseline_case_id": Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0}))
'''


def shell_json(topology, name, code, env, timeout):
    out = topology.run(name, [sys.executable, "manage.py", "shell", "-c", code], env, timeout)
    line = next((line for line in reversed(out.splitlines()) if line.startswith("SOAK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"{name}: no result:\n{out[-2000:]}")
    return json.loads(line[len("SOAK_JSON "):])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 60)))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", 200)))
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/yangguang_soak"))
    parser.add_argument("--redis-url", default=os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--flush-redis", action="store_true", help="FLUSHDB the Redis database first (else only this run's keys)")
    parser.add_argument("--ports", default=os.environ.get("SOAK_PORTS", ""), help="two ports, e.g. 8121,8122 (default: free ones)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers per server")
    parser.add_argument("--import-rows", type=int, default=1000)
    parser.add_argument("--drop-database", action="store_true", help="drop the database at the end")
    parser.add_argument("--no-template", action="store_true", help="migrate the database itself (no <name>_template)")
    parser.add_argument("--split-redis", action="store_true",
                        help="each server its own Redis key prefix, as if they shared no Redis: the checks of the limits "
                             "across servers must then fail (a check of the checks)")
    args = parser.parse_args(argv)

    begun = time.monotonic()
    hard_deadline = begun + args.seconds + HARD_CAP_EXTRA
    load_before = os.getloadavg()
    ports = [int(p) for p in args.ports.split(",") if p.strip()] or free_ports(2)
    var_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    topology = Topology(var_dir)
    prefix = f"yg-soak-{os.getpid()}"
    secret_key = secrets.token_urlsafe(48)

    def cut_off():
        log(f"hard cap of {args.seconds + HARD_CAP_EXTRA:.0f} s reached: stopping everything")
        topology.stop(grace=5)
        os._exit(3)

    watchdog = threading.Timer(args.seconds + HARD_CAP_EXTRA, cut_off)
    watchdog.daemon = True
    watchdog.start()
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({
        "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "REDIS_KEY_PREFIX": prefix,
        "SECRET_KEY": secret_key, **field_keys(fingerprint()),
        "VAR_DIR": str(var_dir / "var"), "TRUSTED_PROXIES": "127.0.0.1", "LOG_LEVEL": "WARNING", "DEBUG": "0",
        "WEB_WORKERS": str(args.web_workers), "WEB_GRACEFUL_TIMEOUT": "5", "CASE_CLIENT_HOURLY_MAX": "1000000",
        "SOAK_IMPORT_ROWS": str(args.import_rows), "SOAK_IMPORT_FILE": str(var_dir / "members.xlsx"),
        **{k: str(v) for k, v in LIMITS.items()},
    })
    failures = []
    try:
        how = recreate_database(args.database_url, topology, env, hard_deadline - time.monotonic(), not args.no_template)
        clear_redis(args.redis_url, prefix, args.flush_redis)
        log(f"database {urlparse(args.database_url).path.lstrip('/')} {how} ({time.monotonic() - begun:.1f} s); "
            f"redis {args.redis_url} ({'flushed' if args.flush_redis else 'keys ' + prefix + ':*'})")
        # The servers start up while the key is issued and the import file written.
        for i, port in enumerate(ports):
            own = {"REDIS_KEY_PREFIX": f"{prefix}-{i}"} if args.split_redis else {}
            topology.start(f"web{i + 1}", [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py"],
                           {**env, "PORT": str(port), **own})
            topology.start(f"worker{i + 1}", [sys.executable, "manage.py", "worker"], env)
        setup = shell_json(topology, "setup", SETUP, env, hard_deadline - time.monotonic())
        setup["members"] = member_count(args.database_url)
        log(f"Open311 key issued, import file written ({time.monotonic() - begun:.1f} s): {len(setup['services'])} categories, "
            f"{len(setup['towns'])} townships, import file of {args.import_rows} rows")
        wait_ready(ports, topology, min(hard_deadline, time.monotonic() + 90))
        log(f"ready: servers on 127.0.0.1:{ports[0]} and :{ports[1]}, two workers ({time.monotonic() - begun:.1f} s)")

        run = Run(ports, secret_key, setup)
        limits = run.check_limits()
        log("limits across both servers: " + "; ".join(f"{k} {v[1]}" for k, v in limits.items()))

        load_cap = min(args.seconds, hard_deadline - time.monotonic() - 45)
        staff = {}
        importer = threading.Thread(target=run.staff_import, daemon=True,
                                    args=(var_dir / "members.xlsx", min(2.0, load_cap / 4), hard_deadline - 30, staff))
        log(f"load: {args.clients} residents for {load_cap:.0f} s, a member import of {args.import_rows} rows beside it")
        started, requests_before = time.monotonic(), next(Browser.sent)
        importer.start()
        stuck = run.load(load_cap, args.clients)
        load_seconds, requests = time.monotonic() - started, next(Browser.sent) - requests_before - 1
        load_during = os.getloadavg()
        importer.join(timeout=max(1, hard_deadline - 25 - time.monotonic()))
        dead = [name for name, proc in topology.procs if proc.poll() is not None and name.startswith(("web", "worker"))]

        returned = run.stats.numbers + run.limit_stats.numbers
        db = verify(args.database_url, setup["baseline_case_id"], returned)
        figures = summarize(run, load_seconds)
        job = db["jobs"][-1] if db["jobs"] else {}
        counted = job.get("result", {}).get("created", 0) + job.get("result", {}).get("updated", 0)

        print()
        print(f"== Soak: {args.clients} residents, {load_seconds:.1f} s, two servers × {args.web_workers} workers, two task workers ==")
        print(f"submissions attempted   {figures['attempted']}  (form {figures['by_kind']['form POST'][0]}, "
              f"Open311 {figures['by_kind']['open311 POST'][0]})")
        print(f"accepted (2xx / 302)    {figures['accepted']}")
        print(f"4xx                     {sum(figures['4xx'].values())}" + "".join(f"\n    {n:6d}  {r}" for r, n in figures["4xx"].most_common()))
        print(f"5xx                     {sum(figures['5xx'].values())}" + "".join(f"\n    {n:6d}  {r}" for r, n in figures["5xx"].most_common()))
        print(f"transport errors        {sum(figures['errors'].values())}" + "".join(f"\n    {n:6d}  {r}" for r, n in figures["errors"].most_common(5)))
        refused = Counter(r[3] for r in run.limit_stats.rows if r[1] >= 400)
        print(f"limit checks (before)   {len(run.limit_stats.numbers)} accepted, {sum(refused.values())} refused"
              + "".join(f"\n    {n:6d}  {r}" for r, n in refused.most_common()))
        print(f"throughput              {figures['throughput']:.1f} accepted/s ({figures['attempted'] / load_seconds:.1f} attempted/s)")
        print(f"HTTP requests           {requests} ({requests / load_seconds:.1f}/s: a form submission is GET form, "
              f"POST, GET receipt; the import's requests included)")
        print(f"latency of a submission p50 {figures['p50'] * 1000:.0f} ms, p95 {figures['p95'] * 1000:.0f} ms "
              f"(mean {figures['mean'] * 1000:.0f} ms)")
        for kind, (count, p50, p95) in figures["by_kind"].items():
            print(f"    {kind:14s} n={count:<6d} p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        print(f"load average            before {load_before[0]:.2f}, at the end of the load {load_during[0]:.2f} "
              f"(1 min; {os.cpu_count()} cores, shared)")
        print(f"member import           {staff.get('status')} in {staff.get('seconds', 0):.1f} s (login, upload, job page read {staff.get('polls', 0)}×): "
              f"{staff.get('message', '')}")
        print(f"database                {db['db_new_rows']} new cases for {len(returned)} numbers returned; "
              f"members {setup['members']} → {db['members']}")

        checks = {
            "no 5xx": (not figures["5xx"], dict(figures["5xx"])),
            "no transport errors": (not figures["errors"], dict(figures["errors"].most_common(3))),
            "every resident finished in time": (not stuck, f"{len(stuck)} still running"),
            "something was accepted": (figures["accepted"] > 0, figures["accepted"]),
            "every returned number in the database exactly once": (not db["missing"] and not db["db_duplicates"],
                                                                   f"missing {db['missing']}, duplicated {db['db_duplicates']}"),
            "no case written that was not returned": (not db["extra"] and db["db_new_rows"] == len(set(returned)),
                                                      f"extra {db['extra']}"),
            "no number returned twice": (len(set(returned)) == len(returned), len(returned) - len(set(returned))),
            **{f"limit across servers: {k}": v for k, v in limits.items()},
            "import succeeded (web page)": (staff.get("status") == "succeeded", staff.get("status")),
            "import succeeded (job row), every row counted": (
                job.get("status") == "succeeded" and counted == args.import_rows
                and db["members"] - setup["members"] == job.get("result", {}).get("created", -1),
                f"{job.get('status')} {job.get('result')} {job.get('errors')}"),
            "every server and worker still running": (not dead, dead),
        }
        print("\n== Checks ==")
        for label, (ok, detail) in checks.items():
            print(f"  {'ok  ' if ok else 'FAIL'}  {label}" + ("" if ok else f": {detail}"))
            if not ok:
                failures.append(label)
    except Exception as exc:  # reported as a failed run, after everything is stopped
        failures.append(f"{type(exc).__name__}: {exc}")
        log(f"failed: {type(exc).__name__}: {exc}")
    finally:
        stopping = time.monotonic()
        topology.stop()
        log(f"every process stopped ({time.monotonic() - stopping:.1f} s)")
        try:
            clear_redis(args.redis_url, prefix, flush=False)
            if args.drop_database:
                drop_database(args.database_url)
        except Exception as exc:  # the figures are printed already: leave what could not be removed
            log(f"clean-up: {exc}")
        watchdog.cancel()
        logs = var_dir / "logs"
        if failures:
            log(f"server logs kept in {logs}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    print(f"\n{'FAILED: ' + '; '.join(failures) if failures else 'soak passed'} ({time.monotonic() - begun:.0f} s in all)")
    return 1 if failures else 0


def free_ports(n):
    import socket

    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_ready(ports, topology, deadline):
    waiting = set(ports)
    while waiting:
        for name, proc in topology.procs:
            if proc.poll() is not None and name.startswith(("web", "worker")):
                raise RuntimeError(f"{name} exited with {proc.returncode} (log: {topology.var_dir / 'logs' / name}.log)")
        for port in list(waiting):
            try:
                status, _h, text = Browser("127.0.0.1", timeout=5).request(port, "GET", "/readyz")
                if status == 200 and json.loads(text).get("workers", 0) >= 2:
                    waiting.discard(port)
            except (OSError, http.client.HTTPException, ValueError):
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"not ready in time: ports {sorted(waiting)}")
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
