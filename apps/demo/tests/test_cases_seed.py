"""The demo's citizen requests keep every rule the services keep: flags agree with timestamps, states with fields,
assignments and the timeline, numbers run on per day. `case_problems` is the checker (also run over a seeded
district by hand: `from apps.demo.tests.test_cases_seed import case_problems`)."""

from collections import Counter, defaultdict
from datetime import datetime, time

import pytest
from django.db.models import F
from django.utils import timezone

from apps.access.models import Role, RoleAssignment
from apps.cases import deadlines, numbers, search
from apps.cases.models import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseExtension,
    CaseNumberCounter,
    EventKind,
    ExtensionStatus,
    HandlingUnit,
    Status,
    Triage,
    UnitKind,
)
from apps.core.crypto import keyed_hash
from apps.core.text import mask_phone

CASE_FIELDS = ("id", "number", "status", "triage", "urgency", "channel", "submitted_at", "accept_due", "accepted_at",
               "accept_on_time", "dispatched_at", "sign_due", "signed_at", "sign_on_time", "deadline", "extended",
               "resolved_at", "resolved_on_time", "handling_minutes", "rating", "rated_at", "rating_solved", "archived_at",
               "reopen_count", "return_count", "updated_at", "master_id", "lead_unit_id", "owner_unit_id", "contact_name",
               "query_code_hash", "rating_round", "ever_late")
CURRENT = (AssignmentStatus.DISPATCHED, AssignmentStatus.SIGNED)


def case_problems(now=None, limit=50):
    """What is wrong with the stored cases, as lines "number: problem" (at most `limit`)."""
    from apps.demo.cases_seed import DEMO_QUERY_CODE

    now = now or timezone.now()
    problems = []

    def bad(case, text):
        if len(problems) < limit:
            problems.append(f"{case['number']}: {text}")

    cases = {c["id"]: c for c in Case.objects.values(*CASE_FIELDS)}
    kinds = dict(HandlingUnit.objects.values_list("pk", "kind"))
    events, assignments = defaultdict(list), defaultdict(list)
    for row in CaseEvent.objects.values("case_id", "kind", "at", "is_public", "text", "unit_id").order_by("at", "id"):
        events[row["case_id"]].append(row)
    for row in CaseAssignment.objects.values("case_id", "unit_id", "role", "status", "dispatched_at", "signed_at",
                                             "returned_at", "return_reason"):
        assignments[row["case_id"]].append(row)
    extensions = defaultdict(list)
    for row in CaseExtension.objects.values("case_id", "status", "until", "decided_at", "requested_at"):
        extensions[row["case_id"]].append(row)
    code_hash = numbers.hash_code(DEMO_QUERY_CODE)

    for c in cases.values():
        evs, mine = events[c["id"]], assignments[c["id"]]
        kinds_of = Counter(e["kind"] for e in evs)
        status = c["status"]
        if c["query_code_hash"] != code_hash:
            bad(c, "query code is not the demo code")
        if not evs or evs[0]["kind"] != EventKind.SUBMITTED or evs[0]["at"] != c["submitted_at"]:
            bad(c, "the timeline does not start with the submission")
        moments = [c[k] for k in ("submitted_at", "accepted_at", "dispatched_at", "signed_at", "resolved_at", "rated_at",
                                  "archived_at", "updated_at")]
        if any(m is not None and m > now for m in moments) or any(e["at"] > now for e in evs):
            bad(c, "a moment in the future")
        # on-time flags ⇔ timestamps
        if c["accepted_at"] is None:
            if c["accept_on_time"] is not None:
                bad(c, "accept_on_time without acceptance")
        elif kinds_of[EventKind.ACCEPTED]:
            if c["accept_on_time"] != (c["accept_due"] is None or c["accepted_at"] <= c["accept_due"]):
                bad(c, "accept_on_time disagrees with accepted_at/accept_due")
        elif status != Status.MERGED or c["accept_on_time"] is not None:
            bad(c, "accepted_at without an acceptance")  # only a merge sets it without accepting
        if c["signed_at"] is None:
            if c["sign_on_time"] is not None:
                bad(c, "sign_on_time without signing")
        elif c["sign_on_time"] != (c["sign_due"] is None or c["signed_at"] <= c["sign_due"]):
            bad(c, "sign_on_time disagrees with signed_at/sign_due")
        if c["resolved_at"] is None:
            if c["resolved_on_time"] is not None or c["handling_minutes"] is not None:
                bad(c, "resolution figures without resolution")
        else:
            if c["resolved_on_time"] != (c["deadline"] is None or c["resolved_at"] <= c["deadline"]):
                bad(c, "resolved_on_time disagrees with resolved_at/deadline")
            if c["handling_minutes"] != int((c["resolved_at"] - c["submitted_at"]).total_seconds() // 60):
                bad(c, "handling_minutes")
        # the deadline: from acceptance (or the last reopening), or the approved extension
        if c["accepted_at"] is not None and kinds_of[EventKind.ACCEPTED]:
            reopened = [e["at"] for e in evs if e["kind"] == EventKind.REOPENED]
            approved = sorted((x for x in extensions[c["id"]] if x["status"] == ExtensionStatus.APPROVED),
                              key=lambda x: x["decided_at"])
            if c["extended"]:
                expected = approved[-1]["until"] if approved else None
            else:
                expected = (reopened[-1] if reopened else c["accepted_at"]) + deadlines.handling_limit(c["urgency"])
            if c["deadline"] != expected:
                bad(c, f"deadline {c['deadline']} ≠ {expected}")
        if sum(1 for x in extensions[c["id"]] if x["status"] == ExtensionStatus.PENDING) > 1:
            bad(c, "two pending extensions")
        # counts ⇔ timeline and assignments
        if c["reopen_count"] != kinds_of[EventKind.REOPENED]:
            bad(c, "reopen_count ≠ reopened events")
        returned = sum(1 for a in mine if a["status"] == AssignmentStatus.RETURNED)
        if not c["return_count"] == kinds_of[EventKind.RETURNED] == returned:
            bad(c, "return_count ≠ returned events/assignments")
        if any(a["status"] == AssignmentStatus.RETURNED and not (a["return_reason"] and a["returned_at"]) for a in mine):
            bad(c, "a return without its reason")
        if kinds_of[EventKind.DISPATCHED] != len({a["dispatched_at"] for a in mine}):
            bad(c, "dispatch events ≠ dispatches")
        current = [a for a in mine if a["status"] in CURRENT]
        leads = [a for a in current if a["role"] == AssignmentRole.LEAD]
        # the state ⇔ its fields
        if status in (Status.SUBMITTED, Status.ACCEPTED, Status.REJECTED, Status.MERGED) and current:
            bad(c, f"{status} with current assignments")
        if status == Status.SUBMITTED and (c["accepted_at"] or c["lead_unit_id"]):
            bad(c, "submitted but accepted or led")
        if status == Status.ACCEPTED and (c["accepted_at"] is None or c["lead_unit_id"] or c["dispatched_at"] or c["triage"]):
            bad(c, "accepted with a dispatch")
        if status in (Status.DISPATCHED, Status.SIGNED, *RESOLVED_STATUSES):
            if len(leads) != 1 or leads[0]["unit_id"] != c["lead_unit_id"]:
                bad(c, f"{status}: {len(leads)} current lead assignment(s)")
            lead_kind = kinds.get(c["lead_unit_id"])
            expected = (Triage.DISTRICT if lead_kind == UnitKind.DISTRICT
                        else Triage.JOINT if any(a["role"] == AssignmentRole.ASSIST for a in current) else Triage.SINGLE)
            if c["triage"] != expected:
                bad(c, f"triage {c['triage']} ≠ {expected}")
            if c["dispatched_at"] is None or c["sign_due"] != c["dispatched_at"] + deadlines.sign_limit():
                bad(c, "sign_due ≠ dispatched_at + CASE_SIGN_HOURS")
        if status == Status.DISPATCHED and (c["signed_at"] or leads and leads[0]["status"] != AssignmentStatus.DISPATCHED):
            bad(c, "dispatched but signed")
        if status in (Status.SIGNED, *RESOLVED_STATUSES):
            if c["signed_at"] is None or c["owner_unit_id"] != c["lead_unit_id"]:
                bad(c, "signed: no signature, or the owner is not the lead")
        if (status in RESOLVED_STATUSES) != (c["resolved_at"] is not None) and status not in (Status.REJECTED, Status.MERGED):
            bad(c, "resolved_at ⇎ a resolved status")
        if status == Status.RESOLVED and c["rating"] and c["rating_round"] >= c["reopen_count"]:
            bad(c, "rated this round but not visited")
        if c["resolved_on_time"] is False and not c["ever_late"]:
            bad(c, "resolved late, not marked ever_late")
        if status == Status.VISITED and (not c["rating"] or c["archived_at"]):
            bad(c, "visited without rating, or archived")
        if (status == Status.ARCHIVED) != (c["archived_at"] is not None):
            bad(c, "archived_at ⇎ archived")
        if c["accepted_at"] is not None and c["owner_unit_id"] is None and status != Status.MERGED:
            bad(c, "accepted without an owner (首接)")
        # merged ⇒ a master that is not merged, whose lead it follows
        if status == Status.MERGED:
            master = cases.get(c["master_id"])
            if master is None or master["status"] == Status.MERGED:
                bad(c, "merged without a proper master")
            elif c["lead_unit_id"] != master["lead_unit_id"]:
                bad(c, "merged: lead ≠ the master's")
        elif c["master_id"] is not None:
            bad(c, "a master but not merged")
        # ratings only on an outcome
        if c["rating"]:
            outcome = cases.get(c["master_id"]) if status == Status.MERGED else c
            earlier_round = outcome is not None and c["rating_round"] < outcome["reopen_count"]  # kept after 重办
            if outcome is None or c["rated_at"] is None or (
                    outcome["status"] not in RESOLVED_STATUSES and not earlier_round):
                bad(c, "a rating without an outcome")
            elif not earlier_round and c["rated_at"] < outcome["resolved_at"]:
                bad(c, "rated before the resolution")
        elif c["rated_at"] is not None or c["rating_solved"] is not None:
            bad(c, "rating fields without a rating")
        # updated_at: the last step that saved the case (merged cases also follow their master)
        saved = max(e["at"] for e in evs if e["kind"] != EventKind.EXTENSION_REQUESTED) if evs else None
        if status == Status.MERGED and not (saved and c["updated_at"] >= saved) or status != Status.MERGED and \
                c["updated_at"] != saved:
            bad(c, f"updated_at {c['updated_at']} ≠ last event {saved}")
        # no personal names in public texts
        if c["contact_name"] and any(e["is_public"] and c["contact_name"] in e["text"] for e in evs):
            bad(c, "the resident's name in a public event")

    by_day = defaultdict(list)
    for c in cases.values():
        by_day[timezone.localdate(c["submitted_at"])].append(c)
    counters = dict(CaseNumberCounter.objects.values_list("day", "last"))
    for day, items in by_day.items():
        items.sort(key=lambda c: (c["submitted_at"], c["number"]))
        expected = [f"QG{day:%Y%m%d}{n:05d}" for n in range(1, len(items) + 1)]
        if [c["number"] for c in items] != expected:
            problems.append(f"{day}: numbers are not consecutive in submission order")
        if counters.get(day) != len(items):
            problems.append(f"{day}: counter {counters.get(day)} ≠ {len(items)}")
    for case in Case.objects.order_by("pk")[:300]:  # what intake stores, on a sample
        if case.phone_hash != (keyed_hash(case.contact_phone) if case.contact_phone else "") or \
                case.phone_masked != mask_phone(case.contact_phone):
            problems.append(f"{case.number}: phone hash or mask")
        # case_reopen keeps the last answer (and its tokens) until the next resolve replaces it
        parts = (case.description, case.address, case.answer) if case.answer else (case.description, case.address)
        if case.search_tokens != search.index_text(*parts):
            problems.append(f"{case.number}: search tokens")
    return problems[:limit]


def _seed(**kwargs):
    from apps.demo.seed import seed_demo

    lines = []
    seed_demo(scale="small", log=lines.append, **kwargs)
    return lines


@pytest.mark.django_db
def test_seeded_cases_keep_the_invariants_of_the_services():
    from apps.demo.cases_seed import DEMO_QUERY_CODE

    lines = _seed()
    assert 250 <= Case.objects.count() <= 350
    assert case_problems() == []
    assert DEMO_QUERY_CODE in lines[-1]
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.ARCHIVED] > Case.objects.count() / 2
    for status in (Status.DISPATCHED, Status.SIGNED, Status.REJECTED, Status.MERGED):
        assert statuses[status], status
    assert Case.objects.filter(return_count=1).exists() and Case.objects.filter(reopen_count=1).exists()
    assert CaseEvent.objects.filter(kind=EventKind.NOTE, is_public=True).exists()


@pytest.mark.django_db
def test_first_dispatches_follow_the_routing_rules():
    from apps.cases.routing import route

    _seed()
    ruled = ("按派单规则自动派单", "按派单规则派单", "无匹配派单规则，转区级统筹")
    checked = 0
    for event in CaseEvent.objects.filter(kind=EventKind.DISPATCHED).select_related("case__service", "case__area"):
        if event.data.get("note") in ruled:
            placed = route(event.case.service, event.case.area)
            assert (event.data["lead"], event.data["assisting"]) == (placed.lead.name, [u.name for u in placed.assisting])
            checked += 1
    assert checked > 200


@pytest.mark.django_db
def test_demo_accounts_and_the_town_admins_queues():
    from apps.accounts.models import User
    from apps.cases import selectors
    from apps.demo.seed import DEMO_ACCOUNTS

    _seed()
    assert {u for u, _, _ in DEMO_ACCOUNTS} >= {"dispatcher", "dept_handler"}
    dispatcher = RoleAssignment.objects.get(user__username="dispatcher")
    assert dispatcher.role == Role.CASE_DISPATCHER and dispatcher.organization.depth == 1
    handler = RoleAssignment.objects.get(user__username="dept_handler")
    assert handler.role == Role.CASE_HANDLER
    # The small district has no housing department: the handler works for its one department with a unit.
    unit = HandlingUnit.objects.get(organization=handler.organization)
    assert unit.kind == UnitKind.DEPARTMENT
    town_admin = User.objects.get(username="town_admin")
    now = timezone.now()
    for queue in ("to_sign", "overdue", "handling"):
        assert selectors.queue_counts(town_admin, now)[queue] > 0, queue


@pytest.mark.django_db
def test_new_cases_continue_the_numbering():
    from apps.cases.intake import Intake, case_submit
    from apps.cases.models import Service

    _seed()
    town = HandlingUnit.objects.filter(kind=UnitKind.TOWNSHIP).first().organization
    service = Service.objects.get(code="sanitation")
    busiest = CaseNumberCounter.objects.order_by("-last", "day").first()
    evening = timezone.make_aware(datetime.combine(busiest.day, time(23)))
    today = timezone.localdate()
    before = CaseNumberCounter.objects.filter(day=today).values_list("last", flat=True).first() or 0
    for n, now in enumerate((evening, None)):
        intake = Intake(service=service, description="小区门口垃圾堆积多日无人清运", area=town, contact_name="杨学伦",
                        phone=f"1390000{n:04d}")
        case, _code = case_submit(intake=intake, ip=f"10.9.9.{n + 1}", now=now)
        day, last = (busiest.day, busiest.last) if now else (today, before)
        assert case.number == f"QG{day:%Y%m%d}{last + 1:05d}"
        case.refresh_from_db()  # case_submit returns the instance it created; the routing steps saved their own copy
        assert case.status == Status.DISPATCHED  # routed like the demo's own cases


@pytest.mark.django_db
def test_without_auto_dispatch_web_cases_wait_for_a_dispatcher(settings):
    settings.CASE_AUTO_DISPATCH = False
    _seed()
    assert case_problems() == []
    web = Case.objects.filter(channel="web").exclude(status=Status.MERGED)
    assert web.filter(accept_on_time=False).exists()
    assert not web.filter(accepted_at=F("submitted_at")).exists()
    assert Case.objects.filter(status__in=OPEN_STATUSES).exists()
