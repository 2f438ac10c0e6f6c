"""The access matrix over every route: an object of branch A is out of reach of everyone whose scope does not hold it.

Every URL pattern is enumerated from the resolver (nothing listed by hand, so a route is covered the day it is added).
Each pattern with an object in its path (pk, number, token, version …) is filled with an object of branch A — the
branch itself, its member, post, record, plan, file, star, evaluation and participant, a case in its area with a photo
and an extension, the township's handling unit, a job, an account of its secretary, and an assessment group naming it
with a draft indicator system and an indicator — and requested (GET; POST
with no body when the route answers GET with 405) as users whose scope does not hold it: the secretary and a member
of branch B, a case handler of branch B's township, the auditor, the system administrator and an anonymous visitor.

- A signed-in user out of scope gets 404 (the object's existence does not leak) or 403 (a duty the user lacks);
  the admin site sends everyone but staff to its login page.
- An anonymous visitor is sent to the login page; the API answers 401 or 403.
- Public routes (a prefix in PUBLIC) answer without 5xx, and no page of theirs shows the resident's name or phone,
  or a member's 身份证 number.

Then the district administrator, whose scope holds everything, requests every filled route the same way: none answers
404 (so the filling works and the 404s above mean "out of scope", not "no such object"), except those in
NOT_FOUND_FOR_ADMIN; public routes and the admin site are left out of this check.
"""

import io
import re
import uuid
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.access.models import Role
from apps.assessment.tests.pay_helpers import pay_sheet_of
from tests import routes as route_table
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.slow(4)]

# Routes anyone may open, by prefix: the residents' site, the stars page, the published assessment results and honours,
# voting with a one-time code and the ballots' 公示, Open311, health, login, language, static.
PUBLIC = ("report/", "stars/", "results/", "honours/", "funds/", "vote/", "publicity/", "open311/", "healthz", "readyz",
          "accounts/login/", "favicon.ico", "i18n/", "static/")
# Path parameters that name no object: formats, the admin site's catch-all.
NOT_OBJECTS = {"format", "fmt", "app_label", "url"}
# Routes whose object belongs to no branch (the district's own configuration, the admin site's models) are requested
# all the same: a user without the duty is refused. What the system administrator holds in scope by duty: every account and the admin site.
SYSADMIN_DUTY = ("accounts/users/", "system/admin/")
# Routes the district administrator may find "not found" although the object exists, with the reason.
NOT_FOUND_FOR_ADMIN = {
    "jobs/<uuid:pk>/": "a job is its creator's own (the secretary's export), whoever administers the district",
    "jobs/<uuid:pk>/download/": "a job is its creator's own",
    "jobs/<uuid:pk>/errors.xlsx": "a job is its creator's own",
    "jobs/<uuid:pk>/retry/": "a job is its creator's own",
}
# Routes whose secret token in the path is the credential: the QR code shown at the meeting opens the check-in page
# for whoever scans it, signed in. The page shows the meeting's heading (what the poster itself shows) and the
# check-in is refused (4xx) to anyone not on the meeting's roster; both are checked.
BEARER = {"records/checkin/<str:token>/": "签到二维码：持码者可见会议标题，非应到人员签到被拒绝"}
# Out-of-scope answers found to leak (user, route) -> reason; each runs as a strict xfail in test_known_leak.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}
OUT_OF_SCOPE = ["secretary_b", "member_b", "handler_b", "auditor", "sysadmin", "anonymous"]
# Destructive routes run last, so that a refusal that wrongly went through cannot hide the other routes' objects.
LAST = re.compile(r"delete|remove|dissolve|/end/|logout|cancel|archive|merge|finalize|return|reject")


def concrete(route, world):
    """The route's path with its parameters filled by branch A's objects, or None when no path can match it."""
    own = next((v for prefix, v in world["by_route"].items() if route.startswith(prefix)), {})

    def value(name, conv, before):
        if name in own or before in own:
            return str(own.get(name, own.get(before)))
        if name in world["name"]:
            return str(world["name"][name])
        if before in world["segment"]:
            return str(world["segment"][before])
        return str(uuid.uuid4()) if conv == "uuid" else "999999"

    return route_table.concrete(route, value)


def _jpeg(name="photo.jpg"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(tree, settings):
    """Branch A's objects of every kind a route names, and the users out of their scope."""
    from apps.assessment import cross_services
    from apps.assessment import services as assessment
    from apps.cases import services as cases
    from apps.cases.intake import Intake, case_submit
    from apps.cases.models import HandlingUnit, Open311Client, RoutingRule, Service, ServiceAttribute, UnitKind
    from apps.core.models import Job
    from apps.evaluations.services import evaluation_open
    from apps.orgs.models import Cluster, CommitteePost
    from apps.records import services as records
    from apps.records.defaults import ensure_default_types
    from apps.records.models import ActivityType

    settings.CASE_AUTO_DISPATCH = True
    secretary, admin = tree.users["secretary_a"], tree.users["district_admin"]
    HandlingUnit.objects.create(name="区群众工作中心", kind=UnitKind.DISTRICT, organization=tree.district)
    unit_a = HandlingUnit.objects.create(name="甲镇", kind=UnitKind.TOWNSHIP, organization=tree.town_a, sort_order=1)
    HandlingUnit.objects.create(name="乙镇", kind=UnitKind.TOWNSHIP, organization=tree.town_b, sort_order=2)
    service = Service.objects.create(code="env", name="环境卫生", group="城乡建设")
    attribute = ServiceAttribute.objects.create(service=service, code="size", description="面积")
    rule = RoutingRule.objects.create(to_area_unit=True, note="属地办理")
    # A case in branch A's area, dispatched by the rules to 甲镇, signed there, with a photo and a pending extension.
    case, _code = case_submit(intake=Intake(service=service, description="小区门口垃圾堆积多日无人清运", area=tree.branch_a,
                                            contact_name="杨学伦", phone="13900000001", photos=[_jpeg()]), ip="10.0.0.1")
    town_staff = tree.users["town_a_admin"]
    case = cases.case_sign(actor=town_staff, case=case, unit=unit_a)
    extension = cases.case_request_extension(actor=town_staff, case=case, unit=unit_a, reason="需协调环卫公司",
                                             until=case.deadline + timedelta(days=3))
    ensure_default_types()
    theme = ActivityType.objects.get(code="theme_day")
    today = timezone.localdate()
    data = {"held_on": today, "starts_at": time(9, 0), "ends_at": time(11, 0), "place": "党员活动室", "topic": "学习",
            "host": "张书记", "recorder": "李委员", "minutes": "会议学习了文件。", "content_items": "集中学习"}
    # A record with a photo, submitted, changed after (version 1 kept), and picked by 甲镇 as a star of the month.
    record = records.record_create(actor=secretary, organization=tree.branch_a, activity_type=theme, data=data)
    photo = records.record_file_add(actor=secretary, record=record, kind="photo", upload=_jpeg())
    records.record_update(actor=secretary, record=record, data=data, attendance=[(tree.member_a.pk, "present", "")])
    record = records.record_submit(actor=secretary, record=record)
    record = records.record_update(actor=secretary, record=record, data={**data, "topic": "学习文件"})
    star = records.star_pick(actor=town_staff, record=record, chosen_by_org=tree.town_a)
    plan = records.plan_create(actor=secretary, organization=tree.branch_a,
                               data={"activity_type": theme, "planned_on": today, "starts_at": time(9, 0),
                                     "place": "活动室", "topic": "计划"})
    evaluation = evaluation_open(actor=admin, organization=tree.branch_a, year=today.year)
    post = CommitteePost.objects.create(organization=tree.branch_a, member=tree.member_a, post="secretary",
                                        term_start=date(2024, 1, 1))
    cluster = Cluster.objects.create(name="东片区")
    job = Job.objects.create(kind="member_export", title="导出", created_by=secretary)
    client = Open311Client.objects.create(name="市民App", key_prefix="abcd1234", key_hash="0" * 64)
    # 考核评价: a group of branch A (named in it) with a draft system and an indicator.
    group = assessment.group_create(actor=admin, organization=tree.district,
                                    data={"name": "甲村专项", "organizations": [tree.branch_a]})
    system = assessment.system_create(actor=admin, group=group, data={"year": today.year, "name": "党建工作考核"})
    indicator = assessment.indicator_create(actor=admin, system=system,
                                            data={"name": "基础工作", "max_points": Decimal(100), "method": "manual"})
    # A round of it (a published copy), open, branch A's manual score with an evidence file.
    rnd_entry, rnd_score, rnd_evidence = _assessment_round(admin, system)
    campaign, honour_kind, nomination, honour_file = _honours(tree)
    # Its cross-assessment groups: township A a member of the second (the first is deleted by its route first).
    cross_group = cross_services.group_create(actor=admin, round=rnd_entry.round, name="第一组")
    cross_member = cross_services.member_add(actor=admin, organization=tree.town_a, group=cross_services.group_create(
        actor=admin, round=rnd_entry.round, name="第二组"))
    duty_list, inspection, inspection_evidence = _duties(admin, tree, today)
    # Cadres' pay: a scheme of its group and year, the sheet of a closed round of the published copy.
    pay_scheme, pay_sheet = pay_sheet_of(admin, rnd_entry.round.system)
    sanshu_subject, report_file = _ballot_reports(tree)
    dues_payment = _dues_payment(tree, today)
    survey_routes = _survey(tree)
    hardship = _dues_hardship(tree)
    fund, fund_entry = _care_fund(tree)
    dues_books = _dues_books(tree)
    transfer, letter, document = _transfers(tree)
    status_change = _status_change(tree)
    discipline = _discipline(tree)
    users = dict(tree.users)
    users["member_b"] = make_user("member_b", Role.MEMBER, tree.branch_b, member=tree.member_b)
    users["handler_b"] = make_user("handler_b", Role.CASE_HANDLER, tree.town_b)
    by_segment = {
        "orgs": tree.branch_a.pk, "posts": post.pk, "members": tree.member_a.pk, "records": record.pk, "plans": plan.pk,
        "types": theme.pk, "evaluations": evaluation.pk, "participants": evaluation.participants.first().pk,
        "cases": case.pk, "units": unit_a.pk, "rules": rule.pk, "services": service.pk, "attributes": attribute.pk,
        "jobs": job.pk, "users": secretary.pk, "cluster": cluster.pk, "activity-types": theme.pk, "files": photo.pk,
        "stars": star.pk, "extensions": extension.pk, "open311client": client.pk,
        "groups": group.pk, "systems": system.pk, "indicators": indicator.pk,
        "rounds": rnd_entry.round_id, "entries": rnd_entry.pk, "scores": rnd_score.pk, "evidence": rnd_evidence.pk,
        "honours": campaign.pk, "kinds": honour_kind.pk, "nominations": nomination.pk,
        "cross-groups": cross_group.pk, "cross-members": cross_member.pk,
        "duties": duty_list.pk, "items": duty_list.items.get().pk, "org": tree.branch_a.pk, "inspections": inspection.pk,
        "schemes": pay_scheme.pk, "sheets": pay_sheet.pk, "subjects": sanshu_subject.pk, "hardship": hardship.pk,
        "funds": fund.pk,
        "transfers": transfer.pk, "letters": letter.pk, "documents": document.pk,
        "status-changes": status_change.pk, "discipline": discipline.pk,
    }
    by_name = {"number": case.number, "service_request_id": case.number, "service_code": "env", "month": f"{today:%Y-%m}",
               "token": record.checkin_token, "version": record.versions.get().version, "service_pk": service.pk,
               "participant_pk": by_segment["participants"], "format": "json", "fmt": "json", "app_label": "orgs",
               "content_type_id": 1, "url": "nothing"}
    # Parameters a route's own prefix decides: photos of a case and of a starred record share a segment name, and
    # the admin site's "view on site" names an object by its content type.
    by_route = {"cases/photos/": {"photos": case.photos.get().pk}, "report/photos/": {"photos": case.photos.get().pk},
                "stars/photos/": {"photos": photo.pk}, "assessment/honours/files/": {"files": honour_file.pk},
                "assessment/inspections/evidence/": {"evidence": inspection_evidence.pk},
                "ballots/reports/": {"files": report_file.pk, "kind": "duty"},
                "system/admin/r/": {"content_type_id": ContentType.objects.get_for_model(tree.branch_a).pk,
                                    "object_id": tree.branch_a.pk},
                "dues/payments/member/": {"member": tree.member_a.pk}, "dues/payments/": {"payments": dues_payment.pk},
                "ballots/surveys/": survey_routes, "dues/funds/entries/": {"entries": fund_entry.pk}, **_ballot_routes(tree),
                **dues_books, **_admission_routes(tree), **_flow_routes(tree)}
    # What no public page may show: the resident's name and phone, a member's 身份证 number.
    private = ("杨学伦", "13900000001", tree.member_a.id_number)
    return {"segment": by_segment, "name": by_name, "by_route": by_route, "users": users, "private": private}


def _dues_hardship(tree):
    """党费: member A's standard and a hardship decision the branch has agreed to (its steps' routes)."""
    from apps.dues import standard_services

    admin = tree.users["district_admin"]
    standard_services.standard_set(actor=admin, member=tree.member_a, category="in_service", base=Decimal("4200"),
                                   effective_from=date(2026, 1, 1), note="")
    decision = standard_services.hardship_apply(actor=admin, member=tree.member_a, first_month=date(2026, 3, 1),
                                                last_month=None, monthly_amount=Decimal(0), reason="困难")
    return standard_services.hardship_agree(actor=admin, decision=decision)


def _care_fund(tree):
    """Branch A's care fund with a posted income and a pending spending for member A (entered by township A's
    administrator, so the district administrator may decide it)."""
    from apps.dues import fund_services

    fund = fund_services.fund_open(actor=tree.users["district_admin"], organization=tree.branch_a, name="甲村关怀基金",
                                   opened_on=date(2026, 1, 1))
    today = timezone.localdate()
    income = fund_services.fund_entry_create(actor=tree.users["town_a_admin"], fund=fund, direction="income",
                                             kind="donation", amount=Decimal(500), occurred_on=today, reason="捐赠")
    fund_services.fund_entry_approve(actor=tree.users["district_admin"], entry=income)
    entry = fund_services.fund_entry_create(actor=tree.users["town_a_admin"], fund=fund, direction="spending",
                                            kind="emergency_aid", amount=Decimal(50), occurred_on=today,
                                            beneficiary=tree.member_a, reason="应急救助")
    return fund, entry
def _dues_books(tree):
    """党费 books of branch A: a voluntary payment waiting to go to the Centre, a remittance to 甲镇, a statement."""
    from apps.dues import book_services
    from apps.dues.models import PaymentKind, StatementImport
    from apps.dues.tests.books_helpers import JAN, pay

    admin = tree.users["district_admin"]
    big = pay(admin, tree.member_a, "1500.00", kind=PaymentKind.VOLUNTARY, remit_in_full=True)
    remittance = book_services.remittance_record(actor=admin, organization=tree.branch_a, month=JAN,
                                                 amount=Decimal("10"), remitted_on=date(2026, 2, 1))
    statement = StatementImport.objects.create(
        organization=tree.branch_a, method="bank", first_day=date(2026, 1, 1), last_day=date(2026, 1, 31),
        file_name="s.csv", line_count=0, line_total=0, recorded_count=0, recorded_total=0, matched=True,
        imported_by=admin)
    return {"dues/books/remittances/": {"remittances": remittance.pk}, "dues/books/full/": {"full": big.pk},
            "dues/statements/": {"statements": statement.pk}}


def _admission_routes(tree):
    """An applicant of branch A with a document on its talk (issue 15: admission)."""
    from apps.core.idcard import make_id_number
    from apps.membership import admission_services
    from apps.membership.admission_models import AdmissionDocument

    applicant = admission_services.applicant_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
        "name": "申请人甲", "id_number": make_id_number("500102", date(1990, 1, 1), 75), "applied_on": date(2024, 1, 2)})
    pdf = SimpleUploadedFile("谈话.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    step = admission_services.step_record(actor=tree.users["secretary_a"], applicant=applicant, number=2, uploads=[pdf],
                                          data={"done_on": date(2024, 1, 20), "talk_partner": tree.member_a})
    document = AdmissionDocument.objects.get(step=step)
    return {"membership/admission/documents/": {"pk": document.pk},
            "membership/admission/": {"pk": applicant.pk, "kind": "receipt"}}


def routes(world):
    """(route, path) for every pattern with an object parameter; destructive ones last."""
    found, unmatched = [], []
    for route, _pattern in route_table.patterns():
        if not set(route_table.params(route)) - NOT_OBJECTS:
            continue
        path = concrete(route, world)
        (unmatched if path is None else found).append((route, path))
    # Only a regex alternative the resolver lists behind an earlier twin may fail to match a path of its own.
    assert len(unmatched) <= 3, unmatched
    found.sort(key=lambda r: bool(LAST.search(r[0])))
    return found


def request(client, path):
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path)
    return response


def _login_redirect(response):
    return response.status_code == 302 and "login" in response.get("Location", "")


def refusal(world, user, route, response):
    """Why the answer is not an out-of-scope refusal, or None when it is one."""
    status = response.status_code
    if route.startswith(PUBLIC):
        if status >= 500:
            return f"public route answers {status}"
        body = response.content.decode("utf-8", "replace") if "text" in response.get("Content-Type", "") or \
            "json" in response.get("Content-Type", "") else ""
        shown = [s for s in world["private"] if s in body]
        return f"public route shows {shown}" if shown else None
    if user == "anonymous":
        if route.startswith("api/"):
            return None if status in (401, 403) else f"API answers {status} to anonymous"
        return None if _login_redirect(response) else f"anonymous gets {status} {response.get('Location', '')}"
    if route in BEARER and status == 200:
        body = response.content.decode("utf-8", "replace")
        return "bearer page shows the roster" if "张三" in body else None
    if route.startswith("system/admin/"):
        return None if _login_redirect(response) else f"admin site answers {status} to a non-staff user"
    return None if status in (403, 404) else f"answers {status}"


def _client(world, user):
    client = Client(raise_request_exception=False)
    if user != "anonymous":
        client.force_login(world["users"][user])
    return client


@pytest.mark.parametrize("user", OUT_OF_SCOPE)
def test_branch_a_objects_are_out_of_reach(world, user):
    client = _client(world, user)
    checked, failures = 0, []
    for route, path in routes(world):
        if user == "sysadmin" and route.startswith(SYSADMIN_DUTY):
            continue
        if (user, route) in KNOWN_LEAKS:
            continue
        response = request(client, path)
        checked += 1
        why = refusal(world, user, route, response)
        if route in BEARER and user != "anonymous" and not why:
            act = client.post(path)  # the act behind the token: refused to a user out of scope
            why = None if 400 <= act.status_code < 500 else f"POST answers {act.status_code}"
            checked += 1
        if why:
            failures.append(f"{route} ({path}): {why}")
    assert checked > 80
    assert failures == [], f"{user}:\n" + "\n".join(failures)


@pytest.mark.parametrize(("user", "route"), [pytest.param(u, r, marks=pytest.mark.xfail(strict=True, reason=why))
                                             for (u, r), why in KNOWN_LEAKS.items()])
def test_known_leak(world, user, route):
    path = dict(routes(world))[route]
    assert refusal(world, user, route, request(_client(world, user), path)) is None


def test_the_district_administrator_finds_every_object(world):
    """The filling is right: the district administrator, whose scope holds everything, finds every object the routes
    above were refused (not 404, on GET or on the POST of a POST-only route), so their 404s mean "out of scope"."""
    client = _client(world, "district_admin")
    checked, failures = 0, []
    for route, path in routes(world):
        if route in NOT_FOUND_FOR_ADMIN or route.startswith(("system/admin/", *PUBLIC)):
            continue
        response = request(client, path)
        checked += 1
        if response.status_code == 404 or response.status_code >= 500:
            failures.append(f"{route} ({path}): {response.status_code}")
    assert checked > 60
    assert failures == [], "\n".join(failures)


def _ballot_reports(tree):
    """A 三述一评 of township A in 述职 over branch A's secretary (secretary_a writes), a report with an attachment."""
    from apps.ballots import report_services
    from apps.ballots import services as ballots
    from tests.factories import make_member

    poll = ballots.poll_create(actor=None, organization=tree.town_a, kind="sanshu", data={"year": 2026, "title": "三述一评"})
    subject = ballots.subject_add(actor=None, poll=poll, name="甲村书记", organization=tree.branch_a,
                                  member=make_member(tree.branch_a, "甲村书记"), reporter=tree.users["secretary_a"])
    ballots.poll_start_reports(actor=None, poll=poll)
    pdf = SimpleUploadedFile("述职.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    report = report_services.report_save(actor=None, subject=subject, kind="duty", text="述职报告", files=[pdf])
    return subject, report.files.get()


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


def _ballot_routes(tree):
    """民主测评 polls of branch A: a draft (its set-up pages, steps and removals), an open one (the slips) and a counted,
    published one (results, export, an objection)."""
    from apps.ballots import publicity_services
    from apps.ballots import services as ballots
    from apps.ballots.models import PollKind, VoterKind

    def poll(title, status):
        p = ballots.poll_create(actor=None, organization=tree.branch_a, kind=PollKind.TWO_WAY,
                                data={"year": 2026, "title": title})
        ballots.subject_add(actor=None, poll=p, name="甲村党支部委员会", organization=tree.branch_a)
        ballots.voter_add(actor=None, poll=p, kind=VoterKind.INVITED, name="代表")
        if status != "draft":
            p = ballots.poll_open(actor=None, poll=p)
        if status == "published":
            p = publicity_services.poll_publish(actor=None, poll=ballots.poll_close(actor=None, poll=p))
        return p

    draft, opened, published = poll("准备中", "draft"), poll("测评中", "open"), poll("公示中", "published")
    objection = publicity_services.objection_submit(poll=published, text="异议")
    return {"ballots/<int:pk>/results": {"pk": published.pk}, "ballots/<int:pk>/slips/": {"pk": opened.pk},
            "ballots/<int:pk>/step/": {"pk": draft.pk, "name": "open"}, "ballots/<int:pk>/": {"pk": draft.pk},
            "ballots/subjects/": {"pk": draft.subjects.get().pk}, "ballots/items/": {"pk": draft.items.first().pk},
            "ballots/voters/": {"pk": draft.voters.get().pk}, "ballots/objections/": {"pk": objection.pk}}


def _honours(tree):
    """示范创建: a campaign of 甲镇 (out of branch B's sight, unlike a district-wide one every branch sees to nominate),
    its kind, a nomination of branch A with an evidence file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.assessment import honour_services

    campaign = honour_services.campaign_create(actor=None, organization=tree.town_a, data={"year": 2026, "name": "甲镇示范"})
    kind = campaign.kinds.get(name="五好示范党支部")
    pdf = SimpleUploadedFile("事迹.pdf", b"%PDF-1.4 deeds", content_type="application/pdf")
    nomination = honour_services.nomination_create(actor=None, kind=kind, nominated_by_org=tree.town_a,
                                                   nominee_org=tree.branch_a, reasons="事迹突出", files=[pdf])
    return campaign, kind, nomination, nomination.files.get()
def _transfers(tree):
    """组织关系转接 of branch A: a transfer to another branch of township A (out of branch B's sight), a 介绍信 and a
    党员证明信 of a member of branch A."""
    from apps.membership import transfer_services
    from tests.factories import make_member, make_org, refresh

    secretary = tree.users["secretary_a"]
    branch_c = make_org("丙村党支部", "branch", refresh(tree.town_a), code="A0000019", domain="village")
    transfer = transfer_services.transfer_issue(actor=secretary, member=make_member(tree.branch_a, "转接人"),
                                                to_organization=branch_c, reason="工作调动")
    letter = transfer_services.letter_issue(actor=secretary, member=tree.member_a, destination="外地某党支部")
    document = transfer_services.document_issue(actor=secretary, member=tree.member_a, kind="certificate")
    return transfer, letter, document


def _flow_routes(tree):
    """流动党员 of branch A: member A away (流出), a member from elsewhere attached to township A's flowing-member
    branch (流入), a member of branch A out of contact (失联)."""
    from apps.core.idcard import make_id_number
    from apps.membership import flow_services
    from tests.factories import make_member, make_org, refresh

    secretary = tree.users["secretary_a"]
    flow_branch = make_org("甲镇流动党员党支部", "branch", refresh(tree.town_a), code="A0000059", is_flowing=True)
    out = flow_services.flow_out_open(actor=secretary, member=tree.member_a, place="上海市", since=date(2025, 1, 1))
    flow_in = flow_services.flow_in_register(actor=secretary, organization=flow_branch, data={
        "name": "外来党员", "id_number": make_id_number("430102", date(1991, 2, 3), 17), "home_organization": "外地",
        "since": date(2025, 5, 1)})
    lost = flow_services.lost_contact_open(actor=secretary, member=make_member(tree.branch_a, "失联人"),
                                           lost_on=date(2025, 8, 1))
    return {"membership/flows/out/": {"pk": out.pk}, "membership/flows/in/": {"pk": flow_in.pk},
            "membership/flows/lost/": {"pk": lost.pk}}


def _status_change(tree):
    """党籍变动 of a member of branch A (停止党籍, recorded by township A's administrator)."""
    from apps.membership import status_services
    from tests.factories import make_member

    return status_services.status_change_record(
        actor=tree.users["town_a_admin"], member=make_member(tree.branch_a, "停籍人"), kind="suspend",
        effective_on=timezone.localdate(), reason="失联", approved_by_name="中共甲镇委员会", document_number="甲组1号")


def _discipline(tree):
    """党纪处分 of a member of branch A (留党察看, open, recorded by township A's administrator)."""
    from apps.membership import discipline_services
    from tests.factories import make_member

    return discipline_services.discipline_record_register(
        actor=tree.users["town_a_admin"], member=make_member(tree.branch_a, "受处分人"), kind="probation",
        starts_on=timezone.localdate(), reason="违纪", approved_by_name="中共甲镇纪律检查委员会", document_number="甲纪1号")


def _duties(admin, tree, today):
    """Branch A's own duty list with an item, and its inspection of last quarter with an evidence file."""
    from apps.assessment import duty_selectors, duty_services

    lst = duty_services.duty_list_create(actor=admin, organization=tree.branch_a,
                                         data={"post": "organization", "name": "甲村清单"})
    item = duty_services.duty_item_add(actor=admin, duty_list=lst, data={"kind": "duty", "text": "按时开展组织生活"})
    key = duty_selectors.previous_quarter(today)
    pdf = SimpleUploadedFile("检查.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    inspection = duty_services.inspection_create(actor=admin, organization=tree.branch_a, data={
        "period_key": key, "inspected_on": today}, results={item.pk: ("not_done", "")}, files={item.pk: [pdf]})
    return lst, inspection, inspection.results.get().evidence.get()


def _dues_payment(tree, today):
    """Branch A's member's dues standard and this month's payment (党费)."""
    from apps.dues import payment_services
    from apps.dues.models import DuesStandard

    DuesStandard.objects.create(member=tree.member_a, category="farmer", effective_from=date(2025, 1, 1),
                                monthly_amount=Decimal("0.50"), recorded_by=tree.users["secretary_a"])
    return payment_services.payment_record(actor=tree.users["secretary_a"], member=tree.member_a,
                                           month=today.replace(day=1), amount="0.50", method="cash", paid_on=today)


def _survey(tree):
    """群众满意度测评: the district's open survey of branch A's village, with a batch of codes (the survey pages' ids)."""
    from apps.ballots import services as ballots
    from apps.ballots.models import PollKind

    survey = ballots.poll_create(actor=None, organization=tree.district, kind=PollKind.SURVEY,
                                 data={"year": 2026, "title": "群众满意度测评"})
    subject = ballots.subject_add(actor=None, poll=survey, name=tree.branch_a.name, organization=tree.branch_a)
    survey = ballots.poll_open(actor=None, poll=survey)
    batch = ballots.batch_create(actor=None, poll=survey, subject=subject, size=2)
    return {"pk": survey.pk, "subject": subject.pk, "item": survey.items.first().pk, "batch": batch.pk}
