"""The state table (apps.cases.states) is the one statement of the chain: every service refuses exactly the statuses
the table does not allow, the staff page offers what the table offers, templates spell out no status, and a merged
submission is open exactly when the case it joined is."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.cases import services, states
from apps.cases.models import Case, CaseExtension, RatedVia, Status

pytestmark = pytest.mark.django_db

TEMPLATES = Path(states.__file__).parent / "templates"


class _Undo(Exception):
    pass


def _services(cases, other):
    """For every step of the table, the service call that takes it (on a case routed to 甲镇)."""
    disp, town = cases.users["dispatcher"], cases.users["town_a_admin"]
    unit = cases.town_a

    def decide(approve):
        def run(case):
            extension = CaseExtension.objects.create(case=case, unit=unit, until=case.deadline + timedelta(days=2),
                                                     reason="需协调多个部门")
            services.case_decide_extension(actor=disp, extension=extension, approve=approve, note="" if approve else "不必")
        return run

    return {
        "accept": lambda c: services.case_accept(actor=disp, case=c),
        "reclassify": lambda c: services.case_reclassify(actor=disp, case=c, service=cases.services["env"],
                                                         urgency="general", is_public=True),
        "reject": lambda c: services.case_reject(actor=disp, case=c, reason="不属于受理范围"),
        "dispatch": lambda c: services.case_dispatch(actor=disp, case=c, lead=unit),
        "sign": lambda c: services.case_sign(actor=town, case=c, unit=unit),
        "return": lambda c: services.case_return(actor=town, case=c, unit=unit, reason="派单有误"),
        "note": lambda c: services.case_note(actor=town, case=c, unit=unit, text="已到现场", public=True),
        "extension": lambda c: services.case_request_extension(actor=town, case=c, unit=unit,
                                                               until=c.deadline + timedelta(days=1), reason="需协调"),
        "decide_extension": decide(False),
        "approve_extension": decide(True),
        "resolve": lambda c: services.case_resolve(actor=town, case=c, unit=unit, answer="已清运"),
        "rate": lambda c: services.case_rate(case=c, rating="satisfied", solved=True),
        "callback": lambda c: services.case_rate(case=c, rating="satisfied", solved=True, via=RatedVia.PHONE, actor=disp),
        "reopen": lambda c: services.case_reopen(actor=disp, case=c, reason="群众反映仍未解决"),
        "archive": lambda c: services.case_archive(actor=disp, case=c),
        "merge": lambda c: services.case_merge(actor=disp, case=c, master=other),
    }


# A phone callback is a rating too: the table's rule for rating holds for it as well.
_ALSO = {"callback": ("rate",)}


def test_every_service_refuses_exactly_what_the_table_does_not_allow(cases, submit):
    """From every status, each step: refused with the table's reason where the table does not allow it, taken where it
    does (every other condition of the step is met)."""
    case, _ = submit()
    other, _ = submit(description="另一处路灯不亮已经一周")
    Case.objects.filter(pk=other.pk).update(status=Status.SUBMITTED)
    other.refresh_from_db()
    calls = _services(cases, other)
    assert set(calls) == set(states.STEPS), "a step of the table without its service, or a service step not in the table"
    long_ago = timezone.now() - timedelta(days=30)
    for status in Status.values:
        for name, call in calls.items():
            Case.objects.filter(pk=case.pk).update(status=status, master=other if status == Status.MERGED else None,
                                                   resolved_at=long_ago, rating="", rating_round=0,
                                                   rating_solved=False)
            case.refresh_from_db()
            names = (name, *_ALSO.get(name, ()))
            allowed = all(states.allows(n, case) for n in names)
            refusals = {states.refusal(n) for n in names}
            messages = []
            try:
                with transaction.atomic():
                    call(case)
                    raise _Undo
            except ValidationError as exc:
                messages = exc.messages
            except _Undo:
                pass
            refused = bool(refusals & set(messages))
            assert refused == (not allowed), f"{name} from {status}: {messages}"
            # Everything else about the fixture is in order: a step the table allows is taken.
            assert not (allowed and messages), f"{name} from {status} refused: {messages}"


def test_each_step_leads_where_the_table_says(cases, submit):
    disp, town, unit = cases.users["dispatcher"], cases.users["town_a_admin"], cases.town_a
    case, _ = submit()
    case.refresh_from_db()
    assert case.status == states.STEPS["dispatch"].leads_to
    services.case_sign(actor=town, case=case, unit=unit)
    case.refresh_from_db()
    assert case.status == states.STEPS["sign"].leads_to
    services.case_resolve(actor=town, case=case, unit=unit, answer="已清运")
    case.refresh_from_db()
    assert case.status == states.STEPS["resolve"].leads_to
    services.case_rate(case=case, rating="unsatisfied", solved=False)
    case.refresh_from_db()
    assert case.status == states.STEPS["rate"].leads_to
    services.case_reopen(actor=disp, case=case, reason="仍未清运")
    case.refresh_from_db()
    assert case.status == states.STEPS["reopen"].leads_to
    services.case_return(actor=town, case=case, unit=unit, reason="派单有误")
    case.refresh_from_db()
    assert case.status == states.STEPS["return"].leads_to


def test_the_staff_page_offers_what_the_table_offers(cases, submit, client):
    case, _ = submit()
    client.force_login(cases.users["dispatcher"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    offered = states.available(case, cases.users["dispatcher"])
    for name in ("dispatch", "reclassify", "reject", "merge"):
        assert offered[name] and f"/cases/{case.pk}/{name}/" in page
    for name in ("accept", "reopen", "callback", "archive", "resolve", "sign"):
        assert not offered[name] and f"/cases/{case.pk}/{name}/" not in page
    assert offered["redispatch"] and "改派" in page
    # The unit's staff: sign (and note, return), nothing of the dispatcher's.
    town = cases.users["town_a_admin"]
    offered = states.available(case, town)
    assert offered["sign"] and offered["note"] and offered["return"] and not offered["resolve"]
    assert not any(offered[n] for n in ("accept", "dispatch", "reject", "merge", "reopen", "archive"))


_IF_TAG = re.compile(r"{%-?\s*(?:el)?if\b(.*?)-?%}", re.S)


def test_case_templates_spell_out_no_status():
    """Templates ask the table (case_actions, states' filters), never compare statuses themselves."""
    values = "|".join(re.escape(v) for v in Status.values)
    literal = re.compile(rf"""["']({values})["']|\bStatus\.|\bstatus\s*==""")
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for condition in _IF_TAG.findall(path.read_text()):
            if literal.search(condition):
                found.append(f"{path.relative_to(TEMPLATES)}: {{% if{condition}%}}")
    assert not found, "status literals in templates:\n" + "\n".join(found)


def test_the_template_check_catches_a_status_literal(tmp_path):
    values = "|".join(re.escape(v) for v in Status.values)
    literal = re.compile(rf"""["']({values})["']|\bStatus\.|\bstatus\s*==""")
    conditions = _IF_TAG.findall('{% if case.status == "signed" %}x{% elif s == \'merged\' %}y{% endif %}')
    assert len(conditions) == 2 and all(literal.search(c) for c in conditions)


def test_a_merged_case_is_open_exactly_when_its_master_is(cases, submit):
    master, _ = submit()
    merged, _ = submit(description="门口的垃圾一直没人清运")
    services.case_merge(actor=cases.users["dispatcher"], case=merged, master=master)
    for status in [s for s in Status.values if s != Status.MERGED]:  # a merge target is never merged itself
        Case.objects.filter(pk=master.pk).update(status=status)
        merged = Case.objects.select_related("master").get(pk=merged.pk)
        opened = set(Case.objects.filter(states.open_q()).values_list("pk", flat=True))
        closed = set(Case.objects.filter(states.closed_q()).values_list("pk", flat=True))
        assert states.outcome(merged).pk == master.pk
        assert states.is_open(merged) == (status in states.OPEN_STATUSES) == (merged.pk in opened)
        assert (merged.pk in closed) == (merged.pk not in opened)
        assert (master.pk in opened) != (master.pk in closed)
