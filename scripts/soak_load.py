"""The load of `make soak` (scripts/soak.py): residents as browsers (cookies, the form's CSRF token and challenge),
Open311 clients, a staff user importing members through the web UI, the limits hammered through both servers, and
the figures. Standard library only, besides `cryptography` to read the challenge's answer as the test suite does."""

import base64
import hashlib
import http.client
import itertools
import json
import re
import secrets
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

# The servers get these limits (their defaults, set explicitly so the checks know them).
LIMITS = {"CASE_IP_HOURLY_MAX": 20, "CASE_PHONE_DAILY_MAX": 5, "CASE_OPEN_PER_PHONE_MAX": 5, "CASE_LOOKUP_FAILURES_MAX": 10}
OPEN311_EVERY = 4  # every 4th submission of a resident goes through Open311 instead of the form
STAFF = ("district_admin", "Yangguang2026")  # the demo district's administrator (apps.demo.seed)

_INPUT = re.compile(r'<input[^>]*name="(csrfmiddlewaretoken|challenge_token)"[^>]*value="([^"]*)"')
_SERVICE_OPTION = re.compile(r'<option value="(\d+)"')
_RECEIPT = re.compile(r'data-testid="receipt-number">([^<]+)<')
_JOB_STATUS = re.compile(r'data-testid="job-status" data-status="(\w+)"')
_JOB_MESSAGE = re.compile(r'data-testid="job-message">([^<]*)<')
_ERROR_TEXT = re.compile(r'(?:data-testid="form-errors"|class="alert alert-danger"|class="invalid-feedback d-block"[^>]*)'
                         r'>([^<]+)<')


# ---- HTTP as a browser does it ----

def multipart(fields, files=()):
    boundary = "soak" + secrets.token_hex(12)
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content, content_type in files:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One visitor: its cookies (shared by both servers, as a browser shares them across ports of one host) and the
    client address it is counted under."""

    sent = itertools.count(1)  # every request of the run (next() on a count is atomic in CPython)

    def __init__(self, ip, timeout=30):
        self.ip, self.timeout, self.cookies = ip, timeout, {}

    def request(self, port, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        next(Browser.sent)
        sent = {"X-Forwarded-For": self.ip, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent.setdefault("Origin", f"http://127.0.0.1:{port}")
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for morsel in SimpleCookie(header).values():
                self.cookies[morsel.key] = morsel.value
        return response.status, response.headers, data.decode("utf-8", errors="replace")

    def post_form(self, port, path, fields, files=(), headers=None):
        body, content_type = multipart(fields, files)
        return self.request(port, "POST", path, body, {"Content-Type": content_type, **(headers or {})})


def challenge_answer(secret_key, token):
    """What the challenge picture asks (cases.challenge.peek_answer, with the servers' key)."""
    from cryptography.fernet import Fernet

    box = Fernet(base64.urlsafe_b64encode(hashlib.sha256((secret_key + ":case-challenge").encode()).digest()))
    return json.loads(box.decrypt(token.encode()))["a"]


def error_reason(status, text):
    found = _ERROR_TEXT.search(text) or re.search(r'"(?:description)"\s*:\s*"([^"]+)"', text)
    reason = (found.group(1).strip() if found else "")[:60]
    return f"{status} {reason}".strip()


# ---- the run ----

class Stats:
    def __init__(self):
        self.lock, self.rows, self.numbers = threading.Lock(), [], []

    def add(self, kind, status, seconds, reason="", number=None):
        with self.lock:
            self.rows.append((kind, status, seconds, reason))
            if number:
                self.numbers.append(number)


class Run:
    def __init__(self, ports, secret_key, setup):
        self.ports, self.secret_key, self.setup = ports, secret_key, setup
        self.stats, self.limit_stats = Stats(), Stats()  # the load's figures; the limit checks' (their numbers count too)
        self._ips, self._phones, self._lock = 0, 0, threading.Lock()
        self.service_pks = {str(s["pk"]) for s in setup["services"]}

    def next_ip(self):
        with self._lock:
            self._ips += 1
            n = self._ips
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    def next_phone(self, prefix="139"):
        with self._lock:
            self._phones += 1
            return f"{prefix}{self._phones:08d}"

    def submit_form(self, browser, get_port, post_port, phone, stats, token=None, form=None):
        """GET the form, answer its challenge, POST it; (status, case number or None, reason)."""
        if form is None:
            status, _h, page = browser.request(get_port, "GET", "/report/")
            if status != 200:
                stats.add("form GET", status, 0, error_reason(status, page))
                return status, None, f"form GET {status}"
            values = dict(_INPUT.findall(page))
            services = [pk for pk in _SERVICE_OPTION.findall(page) if pk in self.service_pks]
            form = {"csrfmiddlewaretoken": values["csrfmiddlewaretoken"], "challenge_token": values["challenge_token"],
                    "service": services[hash(phone) % len(services)]}
        token = token or form["challenge_token"]
        town = self.setup["towns"][hash(phone) % len(self.setup["towns"])]
        fields = {**form, "challenge_token": token, "challenge_answer": str(challenge_answer(self.secret_key, token)),
                  "description": f"压力测试：村口路灯坏了，晚上看不清路（{phone[-6:]}）", "township": town["pk"],
                  "village": "", "address": "村委会门口", "contact_name": "王先生", "phone": phone, "website": ""}
        started = time.monotonic()
        status, headers, page = browser.post_form(post_port, "/report/", fields)
        took = time.monotonic() - started
        if status != 302:
            reason = error_reason(status, page)
            stats.add("form POST", status, took, reason)
            return status, None, reason
        status2, _h, page = browser.request(post_port, "GET", headers.get("Location") or "/report/done/")
        found = _RECEIPT.search(page)
        number = found.group(1).strip() if found else None
        stats.add("form POST", 302, took, "" if number else f"no receipt ({status2})", number)
        if not number:
            stats.add("done GET", status2, 0, "no receipt")
        return 302, number, ""

    def submit_open311(self, browser, port, phone, stats):
        town = self.setup["towns"][hash(phone) % len(self.setup["towns"])]
        service = self.setup["services"][hash(phone) % len(self.setup["services"])]
        body = urlencode({"api_key": self.setup["open311_key"], "service_code": service["code"],
                          "address_id": town["code"], "description": f"压力测试：小区门口积水（{phone[-6:]}）",
                          "first_name": "先生", "last_name": "李", "phone": phone})
        started = time.monotonic()
        status, _h, text = browser.request(port, "POST", "/open311/v2/requests.json", body,
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        took = time.monotonic() - started
        number = None
        if status == 200:
            try:
                number = json.loads(text)[0]["service_request_id"]
            except (ValueError, KeyError, IndexError):
                pass
        stats.add("open311 POST", status, took, "" if number else error_reason(status, text), number)
        return status, number

    # -- the load --

    def resident(self, index, stop_at):
        browser, sent_from_ip, n = Browser(self.next_ip()), 0, 0
        budget = LIMITS["CASE_IP_HOURLY_MAX"] - 1  # a resident moves to a new address before its limit
        while time.monotonic() < stop_at:
            port = self.ports[(index + n) % 2]
            phone = self.next_phone()
            try:
                if n % OPEN311_EVERY == OPEN311_EVERY - 1:
                    self.submit_open311(browser, port, phone, self.stats)
                else:
                    self.submit_form(browser, port, port, phone, self.stats)
                    sent_from_ip += 1
            except Exception as exc:  # a transport error, or a page without its form: counted, never fatal
                self.stats.add("error", 0, 0, f"{type(exc).__name__}: {str(exc)[:60]}")
                time.sleep(0.2)
            n += 1
            if sent_from_ip >= budget:
                browser, sent_from_ip = Browser(self.next_ip()), 0

    def load(self, seconds, clients):
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=self.resident, args=(i, stop_at), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1, stop_at - time.monotonic() + 60))
        return [t for t in threads if t.is_alive()]

    # -- the member import by a staff user --

    def staff_import(self, import_file, delay, deadline, out):
        time.sleep(delay)  # once the residents are at it
        port = self.ports[1]
        browser = Browser("203.0.113.10")
        started = time.monotonic()
        try:
            browser.request(port, "GET", "/accounts/login/")
            status, headers, _page = browser.post_form(port, "/accounts/login/", {
                "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""), "username": STAFF[0], "password": STAFF[1]})
            if status != 302:
                raise RuntimeError(f"login answered {status}")
            status, _h, page = browser.request(port, "GET", "/members/import/")
            token = dict(_INPUT.findall(page)).get("csrfmiddlewaretoken", browser.cookies.get("csrftoken", ""))
            content = Path(import_file).read_bytes()
            status, headers, page = browser.post_form(port, "/members/import/", {"csrfmiddlewaretoken": token}, [
                ("file", "members.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")])
            if status != 302 or "/jobs/" not in (headers.get("Location") or ""):
                raise RuntimeError(f"upload answered {status}: {error_reason(status, page)}")
            job_url = headers["Location"]
            out["job"] = job_url
            while time.monotonic() < deadline:
                status, _h, page = browser.request(self.ports[out.setdefault("polls", 0) % 2], "GET", job_url,
                                                   headers={"HX-Request": "true"})
                out["polls"] += 1
                found = _JOB_STATUS.search(page)
                if status != 200 or not found:
                    raise RuntimeError(f"job page answered {status}")
                if found.group(1) in ("succeeded", "rejected", "failed"):
                    out["status"] = found.group(1)
                    message = _JOB_MESSAGE.search(page)
                    out["message"] = message.group(1).strip() if message else ""
                    break
                time.sleep(1)
            else:
                out["status"] = "still running at the deadline"
        except (OSError, http.client.HTTPException, RuntimeError) as exc:
            out["status"] = f"error: {exc}"
        out["seconds"] = time.monotonic() - started

    # -- limits across both servers --

    def check_limits(self):
        """Each limit hammered through both servers at once: it must hold at its configured total, not per server."""
        a, b = self.ports
        results = {}
        pool = ThreadPoolExecutor(max_workers=10)

        # One client address, a fresh phone each time, the form fetched from one server and posted to the other.
        ip_limit = LIMITS["CASE_IP_HOURLY_MAX"]
        one_ip = "198.51.100.7"
        futures = [pool.submit(self.submit_form, Browser(one_ip), (a, b)[i % 2], (b, a)[i % 2],
                               self.next_phone("137"), self.limit_stats) for i in range(ip_limit + 10)]
        answers = Counter(f.result()[0] for f in futures)
        results["one address"] = (answers[302] == ip_limit and answers[429] == 10, f"{dict(answers)} (limit {ip_limit})")

        # One phone from many addresses.
        phone_limit = min(LIMITS["CASE_PHONE_DAILY_MAX"], LIMITS["CASE_OPEN_PER_PHONE_MAX"])
        phone = self.next_phone("136")
        futures = [pool.submit(self.submit_form, Browser(f"198.51.101.{i + 1}"), (a, b)[i % 2], (a, b)[i % 2], phone,
                               self.limit_stats) for i in range(phone_limit + 3)]
        answers = Counter(f.result()[0] for f in futures)
        results["one phone"] = (answers[302] == phone_limit and answers[429] == 3, f"{dict(answers)} (limit {phone_limit})")

        # Wrong query codes on the residents' lookup from one address (counted in Redis).
        number = self.limit_stats.numbers[0] if self.limit_stats.numbers else "X"
        lookup_limit = LIMITS["CASE_LOOKUP_FAILURES_MAX"]

        def wrong_code(i):
            browser = Browser("198.51.100.9")
            port = (a, b)[i % 2]
            browser.request(port, "GET", "/report/track/")
            status, _h, page = browser.post_form(port, "/report/track/", {
                "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""), "number": number, "code": "WRONG0"})
            self.limit_stats.add("lookup POST", status, 0, error_reason(status, page))
            return status

        answers = Counter(pool.map(wrong_code, range(lookup_limit + 4)))
        results["wrong query codes"] = (answers[400] == lookup_limit and answers[429] == 4,
                                        f"{dict(answers)} (limit {lookup_limit})")

        # One challenge token posted four times at once, twice to each server: one guess only.
        browser = Browser(self.next_ip())
        status, _h, page = browser.request(a, "GET", "/report/")
        values = dict(_INPUT.findall(page))
        services = [pk for pk in _SERVICE_OPTION.findall(page) if pk in self.service_pks]
        form = {"csrfmiddlewaretoken": values["csrfmiddlewaretoken"], "challenge_token": values["challenge_token"],
                "service": services[0]}
        futures = [pool.submit(self.submit_form, browser, a, (a, b)[i % 2], self.next_phone("135"), self.limit_stats,
                               form=form) for i in range(4)]
        answers = Counter(f.result()[0] for f in futures)
        results["one challenge token"] = (answers[302] == 1 and answers[400] == 3, str(dict(answers)))
        pool.shutdown()
        return results


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summarize(run, load_seconds):
    rows = run.stats.rows
    posts = [r for r in rows if r[0] in ("form POST", "open311 POST")]
    accepted = [r for r in posts if r[1] in (200, 302) and not r[3]]
    latencies = [r[2] for r in posts]
    by_kind = {}
    for kind in ("form POST", "open311 POST"):
        these = [r[2] for r in posts if r[0] == kind]
        by_kind[kind] = (len(these), percentile(these, 50), percentile(these, 95))
    return {
        "attempted": len(posts), "accepted": len(accepted),
        "4xx": Counter(r[3] for r in rows if 400 <= r[1] < 500),
        "5xx": Counter(r[3] for r in rows if r[1] >= 500),
        "errors": Counter(r[3] for r in rows if r[1] == 0 or (r[1] in (200, 302) and r[3])),
        "throughput": len(accepted) / load_seconds if load_seconds else 0.0,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
        "mean": statistics.fmean(latencies) if latencies else 0.0, "by_kind": by_kind,
    }
