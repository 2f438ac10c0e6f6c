"""Issue 15's admission in the browser: the demo secretary registers an application and walks the applicant through
the 25 steps' pages with dates in the past (so the time rules hold), the township administrator taking the higher
committee's steps (13, 16, 17, 18, 24). On the way two refusals are seen on the page in Chinese and corrected: a
development target less than a year after becoming an activist, and an introducer under 留党察看. Step 19 puts the
applicant in the registry as 预备党员, step 24 (按期转正) makes them 正式党员 — both read on the member page."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.core.dates import add_months
from apps.core.idcard import make_id_number
from apps.demo.membership_seed import schedule
from apps.members.models import Member, MemberCategory, MemberStatus
from apps.membership import admission_rules as rules
from apps.membership.admission_models import Applicant, DisciplineKind, DisciplineRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _record(page, number, data, *, refused=None):
    """Fill the step form of `number` with `data` and send it; the success message, or the refusal on the page."""
    form = page.get_by_test_id("step-form")
    expect(form.locator("h2")).to_contain_text(f"第{number}步")
    for name, value in data.items():
        field = form.locator(f"[name={name}]")
        if isinstance(value, list):
            field.select_option([str(v) for v in value])
        elif field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(f"{value:%Y-%m-%d}" if isinstance(value, date) else str(value))
    with page.expect_navigation():
        form.get_by_role("button", name="记录").click()
    if refused:
        expect(page.locator("main")).to_contain_text(refused)
        expect(page.get_by_test_id("step-form").locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    else:
        expect(page.locator("main")).to_contain_text(f"已记录第{number}步")


def _as_form(number, plan, people):
    data = {k: v for k, v in plan[number].items() if k != "note"}
    if number == 2:
        data["talk_partner"] = people[0]
    if number == 5:
        data["contacts"] = [people[0]]
    if number == 9:
        data["introducers"] = people[1:3]
    if number in (15, 23):
        data.update(entitled=9, present=8, votes_for=8, votes_against=0, votes_abstain=0)
    if number == 24:
        data["outcome"] = "on_time"
    return data


def test_secretary_and_town_walk_an_applicant_to_full_membership(demo, new_page, login, shot):
    branch = RoleAssignment.objects.select_related("organization").get(user__username="secretary").organization
    disciplined = DisciplineRecord.objects.get(member__organization=branch, kind=DisciplineKind.PROBATION).member
    people = list(Member.objects.filter(organization=branch, category=MemberCategory.FULL, status=MemberStatus.NORMAL)
                  .exclude(pk=disciplined.pk).order_by("pk").values_list("pk", flat=True)[:3])
    today = date.today()
    applied = add_months(today, -32)
    plan = schedule(applied)
    assert plan[24]["done_on"] <= today

    secretary = new_page(viewport={"width": 1280, "height": 900})
    town = new_page(viewport={"width": 1280, "height": 900})
    login(secretary, "secretary")
    login(town, "town_admin")

    # Step 1: the application, received 32 months ago.
    secretary.goto("/membership/admission/new/")
    form = secretary.get_by_test_id("applicant-form")
    form.locator("[name=organization]").select_option(str(branch.pk))
    form.locator("[name=name]").fill("林晓东")
    form.locator("[name=id_number]").fill(make_id_number("500198", date(1996, 3, 14), 321))
    form.locator("[name=unit]").fill("村便民服务中心工作人员")
    form.locator("[name=applied_on]").fill(f"{applied:%Y-%m-%d}")
    with secretary.expect_navigation():
        form.get_by_role("button", name="保存").click()
    expect(secretary.get_by_test_id("applicant-stage")).to_have_text("入党申请人")
    applicant = Applicant.objects.get(name="林晓东")
    url = f"/membership/admission/{applicant.pk}/"

    last = secretary  # on the applicant's page after step 1
    for number in range(2, 25):
        page = town if number in rules.HIGHER_STEPS else secretary
        if page is not last:  # the other side acted since: this side's page is stale
            page.goto(url)
        last = page
        data = _as_form(number, plan, people)
        if number == 7:
            # Half a year as activist only: refused (细则第十三条), with the earliest day; then the right date.
            early = add_months(plan[3]["done_on"], 6)
            _record(page, 7, {**data, "done_on": early, "publicity_from": early - timedelta(days=20)},
                    refused="确定为入党积极分子满1年后方可确定为发展对象")
            expect(page.locator("main")).to_contain_text(f"最早{rules.target_earliest(plan[3]['done_on']):%Y-%m-%d}")
            shot(page, "membership_admission_refused_activist_year")
        if number == 9:
            # An introducer under 留党察看: refused by name (细则第十五条); then two full members in good standing.
            _record(page, 9, {**data, "introducers": [disciplined.pk, people[1]]},
                    refused=f"{disciplined.name}正受留党察看处分，不能作入党介绍人")
            shot(page, "membership_admission_refused_introducer")
        if number == 13:
            # The branch sees the step is the township's: no form for it.
            expect(secretary.get_by_test_id("step-form")).to_have_count(0)
            expect(secretary.get_by_test_id("timeline")).to_contain_text("13. 上级党委预审")
        _record(page, number, data)
        if number == 19:
            member = Applicant.objects.get(pk=applicant.pk).member
            secretary.goto(f"/members/{member.pk}/")
            expect(secretary.locator("main h1")).to_contain_text("预备党员")
            shot(secretary, "membership_admission_member_probationary")
            last = None

    expect(town.get_by_test_id("applicant-stage")).to_have_text("已转正")
    expect(town.get_by_test_id("timeline")).to_contain_text("按期转正")
    shot(town, "membership_admission_full")
    member = Member.objects.get(pk=Applicant.objects.get(pk=applicant.pk).member_id)
    assert member.category == MemberCategory.FULL and member.full_member_on == rules.probation_end(plan[15]["done_on"])
    secretary.goto(f"/members/{member.pk}/")
    expect(secretary.locator("main h1")).to_contain_text("正式党员")
    shot(secretary, "membership_admission_member_full")
