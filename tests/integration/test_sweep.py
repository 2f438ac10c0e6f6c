"""The bad-input sweep: every route of the URL resolver, with hostile values, never answers 5xx.

Every URL pattern is enumerated from the resolver (nothing listed by hand, so a new route is swept the day it is
added). Path parameters are filled with existing objects of the `tree` fixture plus a case, a record, a plan, an
evaluation, a cluster, a job and an assessment group with a draft system and an indicator made here; a parameter
with no object behind it (a photo, an extension) gets an id that does not exist, which sweeps the route's not-found
path. Then, for the district administrator, the system
administrator (admin site and user pages) and an anonymous visitor:

- GET with every query parameter any page of the sweep renders set to each bad value (NUL, control and direction
  characters, months and dates out of range, negative and huge numbers, digits of other scripts, 10 000 characters, a
  formula);
- POST with each bad value in every field of the form the page renders (a POST-only route gets every field name
  seen anywhere), checking that a refused POST (4xx) saved nothing;
- a JSON body nested 1 000 levels deep, refused with 400 on every route (the API's above all).

At the end no text column of any table holds a character the input guard refuses. Destructive routes (delete,
dissolve, logout …) run last, so they cannot hide the other routes' objects. The sweep is one test per visitor and
part of the routes (SHARES), each from a fresh world, so that the parts run in parallel.
"""

import re
import uuid
from datetime import date, time
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone

from apps.assessment.tests.pay_helpers import pay_sheet_of
from apps.core import inputguard
from tests import routes as route_table

# NUL and the other characters the input guard refuses cost nothing to sweep (refused at the door), the others reach
# the views: they are what a form or filter must turn into a 4xx. Digits of other scripts ("²", "٣", "１２": `isdigit()`
# is true, `int()` fails or reads them) stand for every id and number read from a request (`apps.core.lookups.parse_pk`);
# they carry invisible characters, which the guard removes everywhere (none may be stored, see `unsafe_text`).
UNICODE_DIGITS = ["²", "٣\u200b", "\u202a１２\u202c"]
GET_VALUES = ["\x00", "\x07\u202e", "2026-13", "-1", "9" * 30, "x" * 10_000, "=1+1", "9999-12-31", *UNICODE_DIGITS]
POST_VALUES = ["\x00", "\x1b\u202e", "99999-99", "-1", "9" * 30, "x" * 10_000, "=1+1", "0001-01-01", *UNICODE_DIGITS]
DEEP_JSON = "[" * 1000 + "]" * 1000
# Parameter names every list, filter and period page reads, besides those found in rendered forms.
QUERY_NAMES = {"q", "page", "month", "period", "org", "year", "sort", "status", "date_from", "date_to", "format",
               "start_date", "end_date", "service_code", "unmask", "group", "within", "next", "photos", "kind", "plan",
               "area", "township", "service", "queue", "tab", "domain", "type", "all", "cap", "kinds", "field", "active",
               "state", "t", "number", "order", "limit", "offset", "search", "ordering"}
LAST = re.compile(r"delete|remove|dissolve|/end/|logout|cancel|archive|merge|finalize|return|reject|password_change")


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea", "button") and attrs.get("name") and attrs.get("type") != "file":
            self.names.add(attrs["name"])


def form_fields(html: str) -> set[str]:
    parser = _Fields()
    parser.feed(html)
    return parser.names - {"csrfmiddlewaretoken"}


@pytest.fixture
def world(tree):
    """The tree plus one object of every kind a route names."""
    from apps.assessment import services as assessment
    from apps.audit.models import AuditEvent  # noqa: F401 (imported for the model registry)
    from apps.cases.intake import Intake, case_submit
    from apps.cases.models import HandlingUnit, RoutingRule, Service, ServiceAttribute, UnitKind
    from apps.core.models import Job
    from apps.evaluations.services import evaluation_open
    from apps.orgs.models import Cluster, CommitteePost
    from apps.records import services as records
    from apps.records.defaults import ensure_default_types
    from apps.records.models import ActivityType

    admin = tree.users["district_admin"]
    unit = HandlingUnit.objects.create(name="区群众工作中心", kind=UnitKind.DISTRICT, organization=tree.district)
    HandlingUnit.objects.create(name="甲镇", kind=UnitKind.TOWNSHIP, organization=tree.town_a, sort_order=1)
    service = Service.objects.create(code="env", name="环境卫生", group="城乡建设")
    attribute = ServiceAttribute.objects.create(service=service, code="size", description="面积")
    rule = RoutingRule.objects.create(to_area_unit=True, note="属地办理")
    case, _code = case_submit(intake=Intake(service=service, description="小区门口垃圾堆积多日无人清运", area=tree.branch_a,
                                            contact_name="杨学伦", phone="13900000001"), ip="10.0.0.1")
    ensure_default_types()
    theme = ActivityType.objects.get(code="theme_day")
    today = timezone.localdate()
    record = records.record_create(actor=tree.users["secretary_a"], organization=tree.branch_a, activity_type=theme, data={
        "held_on": today, "starts_at": time(9, 0), "ends_at": time(11, 0), "place": "党员活动室", "topic": "学习", "host": "张书记", "recorder": "李委员",
        "minutes": "会议学习了文件。", "content_items": "集中学习"})
    plan = records.plan_create(actor=tree.users["secretary_a"], organization=tree.branch_a,
                               data={"activity_type": theme, "planned_on": today, "starts_at": time(9, 0),
                                     "place": "活动室", "topic": "计划"})
    evaluation = evaluation_open(actor=admin, organization=tree.branch_a, year=today.year)
    post = CommitteePost.objects.create(organization=tree.branch_a, member=tree.member_a, post="secretary",
                                        term_start=date(2024, 1, 1))
    cluster = Cluster.objects.create(name="东片区")
    job = Job.objects.create(kind="member_export", title="导出", created_by=admin)
    group = assessment.group_create(actor=admin, organization=tree.district, data={"name": "村", "domains": ["village"]})
    system = assessment.system_create(actor=admin, group=group, data={"year": today.year, "name": "党建工作考核"})
    indicator = assessment.indicator_create(actor=admin, system=system,
                                            data={"name": "基础工作", "max_points": Decimal(100), "method": "manual"})
    # A round of it (a published copy), open, branch A's manual score with an evidence file.
    rnd_entry, rnd_score, rnd_evidence = _assessment_round(admin, system)
    # Cadres' pay: a scheme of its group and year, the sheet of a closed round of the published copy.
    pay_scheme, pay_sheet = pay_sheet_of(admin, rnd_entry.round.system)
    by_segment = {
        "orgs": tree.branch_a.pk, "posts": post.pk, "members": tree.member_a.pk, "records": record.pk, "plans": plan.pk,
        "types": theme.pk, "evaluations": evaluation.pk, "participants": evaluation.participants.first().pk,
        "cases": case.pk, "units": unit.pk, "rules": rule.pk, "services": service.pk,
        "attributes": attribute.pk, "jobs": job.pk, "users": tree.users["secretary_a"].pk,
        "cluster": cluster.pk, "activity-types": theme.pk,
        "groups": group.pk, "systems": system.pk, "indicators": indicator.pk,
        "rounds": rnd_entry.round_id, "entries": rnd_entry.pk, "scores": rnd_score.pk, "evidence": rnd_evidence.pk,
        "schemes": pay_scheme.pk, "sheets": pay_sheet.pk,
    }
    by_name = {"number": case.number, "service_request_id": case.number, "service_code": "env", "month": f"{today:%Y-%m}",
               "token": record.checkin_token, "version": 1, "service_pk": service.pk, "participant_pk": by_segment["participants"],
               "format": "json", "fmt": "json", "app_label": "orgs", "content_type_id": 1, "url": "nothing"}
    return {"segment": by_segment, "name": by_name, "tree": tree}


def concrete(route: str, world) -> str | None:
    """A path for the pattern with its parameters filled, or None when the pattern cannot be turned into one."""

    def value(name, conv, before):
        if name in world["name"]:
            return str(world["name"][name])
        if conv == "uuid":
            return str(uuid.uuid4()) if before != "jobs" else str(world["segment"]["jobs"])
        if before in world["segment"]:
            return str(world["segment"][before])
        return "999999"  # nothing of this kind exists here: the route's not-found answer is swept

    return route_table.concrete(route, value)


def table_counts():
    """Rows of every table the sweep could write to, in one query. Left out: sessions, and what a refusal records
    on purpose — refused attempts and logins in the audit trail, failed-login and rate-limit counters."""
    from django.db import connection

    from apps.audit.models import AuditEvent

    tables = [m._meta.db_table for m in apps.get_models() if m._meta.app_label not in ("sessions", "admin")
              and m is not AuditEvent and not re.search(r"attempt|throttle|lock|limit|counter", m._meta.model_name)]
    quote = connection.ops.quote_name
    audit = AuditEvent.objects.exclude(action__startswith="login").exclude(action__endswith="refused")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        return (*cursor.fetchone(), audit.count())


def unsafe_text():
    """(model, field, pk) of any stored text holding a character the input guard refuses or removes."""
    found = []
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if not fields or model._meta.app_label == "sessions":
            continue
        for row in model._default_manager.values("pk", *fields):
            for name in fields:
                value = row[name]
                if isinstance(value, str) and (inputguard.first_unsafe(value) or inputguard.strip_invisible(value) != value):
                    found.append((model._meta.label, name, row["pk"]))
    return found


def sweep(client, login, world, routes, *, anonymous=False, share=(0, 1)):
    """GET and POST every route with bad values; returns the failures (route, method, value, status).

    Every route is read first (the field names of every page feed the POST-only routes); the bad values then go to
    this test's share of the routes, `share=(k, n)`: the k-th of n interleaved parts, so the parts run in parallel.
    """
    failures = []
    seen_names = set(QUERY_NAMES)
    pages = {}
    for route, path in routes:
        login()
        response = client.get(path)
        if response.status_code >= 500:
            failures.append((route, "GET", "", response.status_code))
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            pages[route] = form_fields(response.content.decode("utf-8", "replace"))
            seen_names |= pages[route]
    query_names = sorted(seen_names)
    k, n = share
    for route, path in routes[k::n]:  # interleaved: the destructive routes, sorted last, stay last in every part
        login()  # once per route: the destructive routes (logout among them) run last
        for bad in GET_VALUES:
            response = client.get(path, {name: bad for name in query_names})
            if response.status_code >= 500:
                failures.append((route, "GET", bad[:12], response.status_code))
        if anonymous and route not in pages:
            continue  # anonymous POSTs are swept on the pages a visitor reaches
        fields = pages.get(route) or seen_names
        counts = None  # the rows of every table just before the next POST (still true after a refused one)
        for bad in POST_VALUES:
            before = counts if counts is not None else table_counts()
            response = client.post(path, {name: bad for name in fields})
            status = response.status_code
            counts = table_counts() if 400 <= status < 500 else None
            if status >= 500 or (counts is not None and counts != before):
                failures.append((route, "POST", bad[:12], status))
            if bad == "\x00" and status != 400:  # refused at the door, whatever the route or the user
                failures.append((route, "POST NUL not refused", "", status))
        response = client.post(path, DEEP_JSON, content_type="application/json")
        if response.status_code != 400:
            failures.append((route, "deep JSON", "", response.status_code))
    return failures, pages


# (user, k, n): the sweep for one kind of visitor over the k-th of n parts of the routes, so that xdist spreads it.
# Longest first (conftest.py hands `slow` tests out first, in this order).
SHARES = [("district_admin", 0, 3), ("district_admin", 1, 3), ("district_admin", 2, 3), ("anonymous", 0, 2),
          ("anonymous", 1, 2), ("sysadmin", 0, 1)]


@pytest.mark.slow(40)
@pytest.mark.django_db
@pytest.mark.parametrize("visitor,k,n", SHARES, ids=[f"{v}-{k + 1}of{n}" for v, k, n in SHARES])
def test_every_route_survives_bad_input(world, visitor, k, n):
    tree = world["tree"]
    routes, skipped = [], []
    for route, _pattern in route_table.patterns():
        path = concrete(route, world)
        if path is None:
            skipped.append(route)
        else:
            routes.append((route, path))
    # Only patterns that no concrete path can match (a regex alternative the resolver lists but that has an earlier
    # twin) may be skipped; a route whose object is missing is still swept, for its not-found answer.
    assert len(skipped) <= 3, skipped
    assert len(routes) > 150
    routes.sort(key=lambda r: bool(LAST.search(r[0])))
    client = Client(raise_request_exception=False)

    def as_user(name):
        return lambda: client.force_login(tree.users[name])

    if visitor == "district_admin":
        failures, pages = sweep(client, as_user("district_admin"), world, routes, share=(k, n))
        assert len(pages) > 60  # the sweep reached the pages themselves, not only a login redirect
    elif visitor == "sysadmin":
        staff_routes = [r for r in routes if r[0].startswith(("system/admin/", "accounts/"))]
        failures, pages = sweep(client, as_user("sysadmin"), world, staff_routes, share=(k, n))
        assert any(route.startswith("system/admin/orgs/cluster/") for route in pages)  # the admin's own forms were swept
    else:
        failures, pages = sweep(client, lambda: None, world, routes, anonymous=True, share=(k, n))
        assert "report/" in pages and "accounts/login/" in pages
    assert failures == [], "\n".join(map(repr, failures))
    assert unsafe_text() == []


def _assessment_round(admin, system):
    """An open round of a published copy of `system`; its first entry, that entry's score and an evidence file."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from apps.assessment import round_services, services

    published = services.system_publish(actor=admin, system=services.system_copy(actor=admin, system=system, year=system.year))
    now = timezone.now()
    rnd = round_services.round_create(actor=admin, system=published, data={
        "period_kind": "year", "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=10)})
    rnd = round_services.round_open(actor=admin, round=rnd)
    entry = rnd.entries.order_by("organization__path").first()
    score = entry.scores.select_related("entry__round", "indicator").get()
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    round_services.score_manual(actor=admin, score=score, points="90", comment="查阅会议记录", files=[pdf])
    return entry, score, score.evidence.get()
