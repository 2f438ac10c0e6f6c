"""三述一评's reports in the browser: the demo secretary, the leader being evaluated, writes 述职 (with an attachment),
述学 and 述廉 on a 390 px phone and sees them listed; the demo township administrator reads them, writes the leader's
comment (领导点评), and the page prints on A4."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.ballots import services
from apps.ballots.models import PollKind
from apps.members.models import Member
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import _check_print_view

REPORTS = {"duty": "一年来，本人带领支部班子规范“三会一课”，领办合作社，村集体经济收入增长。",
           "study": "系统学习党的二十大精神，参加镇党委集中轮训三次，撰写学习心得五篇。",
           "integrity": "严格遵守中央八项规定精神，未收受礼品礼金，本人及亲属未承揽村内工程。"}
TITLE = "2026年度村党组织书记三述一评（补充）"  # the demo holds the township's own 三述一评 too
COMMENT = "该同志政治坚定，履职尽责，希望在培养后备力量上下更大功夫。"


@pytest.mark.django_db(transaction=True)
def test_write_the_three_reports_and_the_leader_comment(demo, new_page, login, shot, tmp_path):
    town_admin, secretary = User.objects.get(username="town_admin"), User.objects.get(username="secretary")
    town = town_admin.roles.get().organization
    branch = secretary.roles.get().organization
    leader = Member.objects.current().filter(organization=branch, category="full").order_by("id").first()
    poll = services.poll_create(actor=town_admin, organization=town, kind=PollKind.SANSHU,
                                data={"year": 2026, "title": TITLE})
    subject = services.subject_add(actor=town_admin, poll=poll, name=leader.name, organization=branch, member=leader,
                                   post="党支部书记", reporter=secretary)
    services.poll_start_reports(actor=town_admin, poll=poll)
    attachment = tmp_path / "述职报告（签字版）.pdf"
    attachment.write_bytes(b"%PDF-1.4\n%%EOF\n")

    page = new_page(**PHONE)
    login(page, "secretary")
    page.goto("/ballots/reports/")
    mine = page.get_by_test_id("my-subject").filter(has_text=TITLE)
    expect(mine).to_have_count(1)
    for kind, text in REPORTS.items():
        mine.get_by_test_id(f"edit-{kind}").click()
        page.locator("textarea[name=text]").fill(text)
        if kind == "duty":
            page.locator("input[name=files]").set_input_files(str(attachment))
        page.get_by_test_id("report-submit").click()
        expect(page.locator(".alert-success")).to_contain_text("已保存")
        expect(mine.get_by_test_id(f"report-row-{kind}")).to_contain_text("已提交")
    expect(mine.get_by_test_id("report-row-duty")).to_contain_text("1个附件")
    expect(mine).to_contain_text("已提交 3/3")
    _no_horizontal_scroll(page)
    shot(page, "ballots-reports-mine")

    admin = new_page()
    login(admin, "town_admin")
    admin.goto(f"/ballots/reports/subjects/{subject.pk}/")
    expect(admin.get_by_test_id("report-study")).to_contain_text(REPORTS["study"])
    expect(admin.get_by_test_id("report-file")).to_contain_text("述职报告（签字版）.pdf")
    admin.locator("form[data-testid=comment-form] textarea[name=text]").fill(COMMENT)
    admin.get_by_test_id("comment-submit").click()
    expect(admin.locator(".alert-success")).to_contain_text("已保存领导点评")
    expect(admin.get_by_test_id("leader-comment")).to_contain_text(COMMENT)
    shot(admin, "ballots-reports-comment")
    _check_print_view(admin, "ballots-reports", leader.name, town.name)

    page.goto(f"/ballots/reports/subjects/{subject.pk}/")  # the leader reads the comment
    expect(page.get_by_test_id("leader-comment")).to_contain_text(COMMENT)
