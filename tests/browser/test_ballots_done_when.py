"""Issue 13's "Done when", walked through the pages as the people would (only the set-up is made through services):

1. a 三述一评 held by township A: the branch secretary, the leader evaluated, submits 述职、述学、述廉 on
   /ballots/reports/; the township administrator writes the leader's comment and opens the vote (confirmed);
2. the administrator prints the slips and the codes are read off the printed sheet;
3. voters cast ballots with them at /vote/ (one on a 390 px phone), reading the reports above the grades; a code used
   twice is refused with its reason;
4. before the close nothing is counted anywhere: no results page, no 公示, no counts on the poll page;
5. the administrator closes the vote (the figures and the reconciled turnout) and publishes it: the public page shows
   the result and the turnout to anyone;
6. the external evaluator enters a paper answer sheet of a resident survey with a code of a batch and sees only the
   surveys.
"""

import re

import pytest
from playwright.sync_api import expect

from apps.access.models import Role
from apps.ballots import services
from apps.ballots.models import Channel, Code, CodeState, PollKind, PollStatus
from apps.records.defaults import ensure_default_types
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.factories import PASSWORD, Tree, make_member, make_user

TITLE = "2026年度村党组织书记三述一评"
SURVEY = "2026年度群众满意度测评"
REPORTS = {"duty": "带领支部班子规范“三会一课”，领办合作社，村集体经济收入增长。",
           "study": "系统学习党的二十大精神，参加镇党委集中轮训三次。",
           "integrity": "严格遵守中央八项规定精神，本人及亲属未承揽村内工程。"}
COMMENT = "该同志政治坚定，履职尽责，希望在培养后备力量上下更大功夫。"


@pytest.fixture
def tree(transactional_db):
    ensure_default_types()  # the data migration's rows are gone after a transactional test's flush
    return Tree()


def _sanshu(tree):
    """Set-up (not part of the path): township A's 三述一评 of branch A's secretary, three paper voters, in 述职."""
    admin = tree.users["town_a_admin"]
    poll = services.poll_create(actor=admin, organization=tree.town_a, kind=PollKind.SANSHU,
                                data={"year": 2026, "title": TITLE})
    services.subject_add(actor=admin, poll=poll, name=tree.member_a.name, organization=tree.branch_a,
                         member=tree.member_a, post="党支部书记", reporter=tree.users["secretary_a"])
    voters = [make_member(tree.branch_a, f"党员{i}") for i in range(3)]
    services.voters_add_members(actor=admin, poll=poll, members=voters, channel=Channel.PAPER)
    return services.poll_start_reports(actor=admin, poll=poll)


def _survey(tree):
    """Set-up: the district's open resident survey over both villages, a batch of codes for 甲村."""
    make_user("evaluator", Role.SURVEY_EVALUATOR, tree.district)
    poll = services.poll_create(actor=None, organization=tree.district, kind=PollKind.SURVEY,
                                data={"year": 2026, "title": SURVEY})
    village = services.subject_add(actor=None, poll=poll, name="甲村", organization=tree.branch_a)
    services.subject_add(actor=None, poll=poll, name="乙村", organization=tree.branch_b)
    poll = services.poll_open(actor=None, poll=poll)
    services.batch_create(actor=None, poll=poll, subject=village, size=3)
    return poll


def _step(page, name, done):
    """A step button of the poll page: its dialog accepted, the step done."""
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"step-{name}").click()
    expect(page.locator(".alert-success")).to_contain_text(done)


def _vote(page, code, grade, comment=""):
    page.goto("/vote/")
    page.get_by_label("测评码").fill(code)
    page.get_by_test_id("code-submit").click()
    form = page.get_by_test_id("ballot-form")
    if grade is None:
        return form
    groups = form.locator("fieldset")
    expect(groups).to_have_count(5)  # 德、能、勤、绩、廉
    for n in range(groups.count()):
        groups.nth(n).locator("label", has_text=re.compile(f"^{grade}$")).click()
    if comment:
        form.locator("textarea").first.fill(comment)
    form.get_by_test_id("ballot-submit").click()
    expect(page.get_by_test_id("vote-done")).to_contain_text("投票成功")
    return form


def test_done_when_from_the_reports_to_the_public_result(tree, new_page, login, shot):
    poll = _sanshu(tree)
    leader = tree.member_a.name
    vote_page = poll.get_absolute_url()

    # 1. The leader (branch A's secretary) writes the three reports on a phone.
    secretary = new_page(**PHONE)
    login(secretary, "secretary_a", PASSWORD)
    secretary.goto("/ballots/reports/")
    mine = secretary.get_by_test_id("my-subject")
    expect(mine).to_contain_text(TITLE)
    expect(mine).to_contain_text("已提交 0/3")
    for kind, text in REPORTS.items():
        secretary.get_by_test_id(f"edit-{kind}").click()
        secretary.locator("textarea[name=text]").fill(text)
        secretary.get_by_test_id("report-submit").click()
        expect(secretary.locator(".alert-success")).to_contain_text("已保存")
        expect(secretary.get_by_test_id(f"report-row-{kind}")).to_contain_text("已提交")
    expect(mine).to_contain_text("已提交 3/3")
    _no_horizontal_scroll(secretary)

    # The township administrator: the vote may not open before the comment; the comment; the vote opened.
    admin = new_page(viewport={"width": 1280, "height": 900})
    login(admin, "town_a_admin", PASSWORD)
    admin.goto(vote_page)
    expect(admin.get_by_test_id("subjects")).to_contain_text(leader)
    expect(admin.get_by_test_id("subjects")).to_contain_text("未点评")
    admin.get_by_role("link", name="查看、打印述职述学述廉报告").click()
    expect(admin.get_by_test_id("report-integrity")).to_contain_text(REPORTS["integrity"])
    admin.locator("form[data-testid=comment-form] textarea[name=text]").fill(COMMENT)
    admin.get_by_test_id("comment-submit").click()
    expect(admin.locator(".alert-success")).to_contain_text("已保存领导点评")
    expect(admin.get_by_test_id("leader-comment")).to_contain_text(COMMENT)
    admin.goto(vote_page)
    expect(admin.get_by_test_id("subjects")).not_to_contain_text("未点评")
    _step(admin, "open", "已开始测评")
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN
    expect(admin.get_by_test_id("fingerprint")).to_contain_text("应参评人数：3")

    # 2. The printed sheet of slips: the codes are read off it.
    admin.get_by_test_id("slips-link").click()
    expect(admin.get_by_test_id("slip")).to_have_count(3)
    expect(admin.get_by_test_id("slips")).to_contain_text("一码一票")
    printed = [c.strip() for c in admin.locator("[data-testid=slip] .slip-code").all_inner_texts()]
    assert len(set(printed)) == 3 and all(re.fullmatch(r"[A-Z2-9]{4}[ -]?[A-Z2-9]{4}", c) for c in printed), printed
    assert sorted(re.sub(r"[ -]", "", c) for c in printed) == sorted(services.slip_codes(poll))
    shot(admin, "done-when-slips")

    # 3. Voters: one on a phone (lower case, as typed), one at a desk; the reports are read above the grades.
    phone = new_page(**PHONE)
    form = _vote(phone, printed[0].lower(), None)
    expect(form).to_contain_text(leader)
    summary = form.get_by_test_id("report-summary")
    summary.locator("summary").first.click()
    summary.get_by_test_id("report-duty").locator("summary").click()
    expect(summary.get_by_test_id("report-duty")).to_contain_text(REPORTS["duty"])
    expect(summary.get_by_test_id("report-duty").get_by_text(REPORTS["duty"])).to_be_visible()
    above = form.evaluate("""f => {
        const s = f.querySelector('[data-testid=report-summary]'), g = f.querySelector('fieldset');
        return !!(s.compareDocumentPosition(g) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    assert above, "the reports come before the grades"
    _no_horizontal_scroll(phone)
    shot(phone, "done-when-ballot-phone")
    groups = form.locator("fieldset")
    for n in range(groups.count()):
        groups.nth(n).locator("label", has_text=re.compile("^好$")).click()
    form.locator("textarea").first.fill("希望多下基层")
    form.get_by_test_id("ballot-submit").click()
    expect(phone.get_by_test_id("vote-done")).to_contain_text("投票成功")

    desk = new_page(viewport={"width": 1280, "height": 900})
    _vote(desk, printed[1], "一般")
    _vote(desk, printed[0], None)  # the first slip again
    expect(desk.get_by_test_id("code-form")).to_contain_text("该测评码已经投过票")
    expect(desk.get_by_test_id("ballot-form")).to_have_count(0)
    assert Code.objects.filter(poll=poll, state=CodeState.USED).count() == 2

    # 4. Before the close: no results, no 公示, no counts on the poll page.
    assert admin.goto(f"/ballots/{poll.pk}/results/").status == 404
    visitor = new_page(viewport={"width": 1280, "height": 900})
    assert visitor.goto(f"/publicity/{poll.pk}/").status == 404
    admin.goto(vote_page)
    expect(admin.get_by_test_id("turnout")).to_have_count(0)
    expect(admin.get_by_test_id("results-link")).to_have_count(0)
    expect(admin.locator("main")).not_to_contain_text("有效票")

    # 5. Closed and counted: each subject's figures and the turnout, reconciled; then 公示.
    _step(admin, "close", "已结束并计票")
    admin.get_by_test_id("results-link").click()
    results = admin.get_by_test_id("results")
    expect(results).to_contain_text(leader)
    expect(results.get_by_test_id("subject-score")).to_contain_text("综合得分 80.00")  # (100 + 60) / 2
    expect(results.get_by_test_id("subject-score")).to_contain_text("有效票 2")
    expect(results).to_contain_text("希望多下基层")
    cells = admin.get_by_test_id("turnout").locator("tbody td")
    expect(cells).to_have_text([re.compile(r"^3$"), re.compile(r"^3$"), re.compile(r"^0$"),
                                re.compile(r"^2（66\.7%）$"), re.compile(r"^2$"), re.compile("已使用测评码数与选票数一致")])
    expect(admin.get_by_test_id("reconciled")).to_contain_text("✓")
    shot(admin, "done-when-results")

    admin.goto(vote_page)
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("#publish-note").fill("测评结果经核对无误，现予公示。")
    admin.get_by_test_id("step-publish").click()
    expect(admin.locator(".alert-success")).to_contain_text("公示")
    poll.refresh_from_db()
    assert poll.status == PollStatus.PUBLISHED

    visitor.goto("/publicity/")
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_test_id("public-subject")).to_contain_text(leader)
    expect(visitor.get_by_test_id("score")).to_have_text("80.00")
    expect(visitor.get_by_test_id("good-rate")).to_have_text(re.compile(r"^50(\.00)?%$"))
    expect(visitor.get_by_test_id("ballots")).to_have_text("2")
    expect(visitor.get_by_test_id("turnout")).to_contain_text("应参评人数")
    expect(visitor.get_by_test_id("reconciled")).to_contain_text("一致")
    expect(visitor.get_by_test_id("result-note")).to_contain_text("现予公示")
    expect(visitor.locator("main")).not_to_contain_text("希望多下基层")  # comments stay internal
    shot(visitor, "done-when-publicity")

    # 6. The external evaluator: a paper answer sheet of the survey, with a code of a batch; nothing else.
    survey = _survey(tree)
    evaluator = new_page(viewport={"width": 1280, "height": 900})
    login(evaluator, "evaluator", PASSWORD)
    expect(evaluator).to_have_url(re.compile(r"/ballots/surveys/$"))
    nav = evaluator.locator("#mainnav ul.navbar-nav.me-auto > li")
    expect(nav).to_have_count(1)
    expect(nav).to_contain_text("满意度测评")
    expect(evaluator.locator("main")).not_to_contain_text(TITLE)  # the township's 三述一评 is not theirs
    evaluator.get_by_role("link", name=SURVEY).click()
    evaluator.get_by_role("link", name="测评码批次").click()
    evaluator.get_by_test_id("print-batch-1").click()
    code = evaluator.get_by_test_id("slip-code").first.inner_text().strip()
    evaluator.goto(f"/ballots/surveys/{survey.pk}/")
    evaluator.get_by_test_id("tab-paper").click()
    expect(evaluator.get_by_test_id("entered")).to_contain_text("0 张")
    evaluator.locator("input[name=code]").fill(code)
    boxes = evaluator.locator("input[inputmode=numeric]")
    expect(boxes).to_have_count(4)
    for box in boxes.all():
        box.fill("1")
    evaluator.get_by_test_id("paper-save").click()
    expect(evaluator.get_by_test_id("entered")).to_contain_text("1 张")
    assert Code.objects.filter(poll=survey, state=CodeState.USED).count() == 1
    shot(evaluator, "done-when-survey-paper")
    assert evaluator.goto("/members/").status == 403
    assert evaluator.goto(f"/ballots/{poll.pk}/").status in (403, 404)
