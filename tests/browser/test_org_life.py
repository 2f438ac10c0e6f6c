"""Organizational life, end to end: a secretary records this month's 主题党日, a member checks in from a
phone by the meeting's QR code, the district administrator sees the branch move from missing to done,
returns the record for correction and sees the new version beside the kept one."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.records.models import ActivityRecord, ActivityType


def _missing_names(page, period, theme):
    page.goto(f"/records/compliance/missing/?period={period}&type={theme.pk}")
    return page.get_by_test_id("missing-table").inner_text()


def test_theme_day_from_record_to_return(demo, page, new_page, login, shot):
    from tests.browser.conftest import PHONE

    branch = RoleAssignment.objects.get(user__username="secretary").organization
    theme = ActivityType.objects.get(code="theme_day")
    period = f"{timezone.localdate():%Y-%m}"

    # The district administrator: this month's 主题党日 of the branch is missing.
    admin = page
    login(admin, "district_admin")
    admin.get_by_role("link", name="组织生活", exact=True).click()
    admin.get_by_role("link", name="完成情况").click()
    expect(admin.get_by_test_id("compliance-table")).to_be_visible()
    shot(admin, "org-life-01-compliance-before")
    assert branch.name in _missing_names(admin, period, theme)

    # The secretary: the due list names the branch; record the meeting, held now.
    secretary = new_page(viewport={"width": 1280, "height": 900})
    login(secretary, "secretary")
    secretary.get_by_role("link", name="组织生活", exact=True).click()
    expect(secretary.get_by_test_id("due-items")).to_contain_text("主题党日")
    expect(secretary.get_by_test_id("due-items")).to_contain_text(branch.name)
    shot(secretary, "org-life-02-due")
    secretary.get_by_test_id("due-items").get_by_role("link", name="记录").first.click()
    now = timezone.localtime()
    # A meeting on now's date that is on now: just after midnight it starts at 00:00, near midnight it ends at 23:59.
    start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0, second=0, microsecond=0))
    end = min(now + timedelta(minutes=60), now.replace(hour=23, minute=59, second=0, microsecond=0))
    secretary.get_by_label("活动类型").select_option(label="主题党日")
    secretary.get_by_label("活动日期").fill(now.strftime("%Y-%m-%d"))
    secretary.get_by_label("开始时间").fill(start.strftime("%H:%M"))
    secretary.get_by_label("结束时间").fill(end.strftime("%H:%M"))
    secretary.get_by_label("地点").fill("村党员活动室")
    secretary.locator("#id_topic").fill("重温入党誓词 践行初心使命")
    secretary.get_by_label("主持人").fill("王书记")
    secretary.get_by_label("记录人").fill("李委员")
    secretary.get_by_label("活动内容").fill("重温入党誓词\n集中学习\n志愿服务")
    secretary.get_by_label("会议记录").fill("王书记领学文件，党员交流发言。")
    secretary.get_by_label("活动简介").fill("支部党员重温入党誓词并开展志愿服务。")
    secretary.get_by_role("button", name="保存").click()
    expect(secretary.get_by_test_id("record-status")).to_contain_text("草稿")
    record = ActivityRecord.objects.get(organization=branch, activity_type=theme, topic="重温入党誓词 践行初心使命")

    # The QR code for the meeting; a member scans it on a phone, logs in and checks in.
    secretary.get_by_role("link", name="签到二维码").click()
    expect(secretary.get_by_test_id("qr")).to_be_visible()
    shot(secretary, "org-life-03-qr")
    checkin_url = re.search(r"https?://[^\s<\"]+/records/checkin/[^\s<\"/]+/", secretary.content()).group(0)
    phone = new_page(**PHONE)
    phone.goto(checkin_url)
    login(phone, "member")
    expect(phone.get_by_role("button", name="签到")).to_be_visible()
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_test_id("checked-in")).to_contain_text("您已签到")
    shot(phone, "org-life-04-phone-checkin", full_page=False)
    expect(secretary.get_by_test_id("checked-in-count")).to_contain_text("已签到 1", timeout=12_000)

    # Hand-marked attendance for the others, then submit.
    secretary.goto(f"/records/{record.pk}/edit/")
    rows = secretary.locator("tr[data-member]")
    count = rows.count()
    assert count >= 8
    for i in range(count):
        row = rows.nth(i)
        if row.locator("input[value=present]").is_checked():
            continue  # the member who scanned
        if i == 1:
            row.locator("input[value=leave]").check()
            row.locator("input[type=text]").fill("外出务工")
        else:
            row.locator("input[value=present]").check()
    secretary.get_by_role("button", name="保存").click()
    expect(secretary.get_by_test_id("attendance-figures")).to_contain_text(str(count))
    secretary.once("dialog", lambda dialog: dialog.accept())  # 提交纪实 asks for confirmation
    secretary.get_by_role("button", name="提交纪实").click()
    expect(secretary.get_by_test_id("record-status")).to_contain_text("已提交")
    shot(secretary, "org-life-05-submitted")

    # The district administrator: the branch has moved from missing to done.
    assert branch.name not in _missing_names(admin, period, theme)
    admin.goto(f"/records/compliance/missing/?period={period}&type={theme.pk}&all=1&org={branch.pk}")
    expect(admin.get_by_test_id("missing-table")).to_contain_text("已完成")

    # …returns the record with a reason.
    admin.goto(f"/records/{record.pk}/")
    admin.get_by_role("link", name="退回修改").click()
    admin.get_by_label("退回原因").fill("请补充党员交流发言的主要内容")
    admin.get_by_role("button", name="退回修改").click()
    expect(admin.get_by_test_id("returned-reason")).to_contain_text("请补充党员交流发言的主要内容")
    assert branch.name in _missing_names(admin, period, theme)

    # The secretary corrects it (a new version) and submits again.
    secretary.goto("/records/due/")
    secretary.get_by_role("link", name=re.compile("重温入党誓词")).first.click()
    expect(secretary.get_by_test_id("returned-reason")).to_be_visible()
    secretary.get_by_role("link", name="修改（生成新版本）").click()
    secretary.get_by_label("会议记录").fill("王书记领学文件。张三、李四等党员结合工作交流发言，表示要带头服务群众。")
    secretary.get_by_label("修改说明").fill("按退回意见补充交流发言")
    secretary.get_by_role("button", name="保存").click()
    secretary.once("dialog", lambda dialog: dialog.accept())
    secretary.get_by_role("button", name="修改后重新提交").click()
    expect(secretary.get_by_test_id("record-status")).to_contain_text("第2版")

    # The administrator sees the new version and the kept one.
    admin.goto(f"/records/{record.pk}/")
    expect(admin.get_by_test_id("record-status")).to_contain_text("已提交")
    expect(admin.get_by_test_id("versions")).to_contain_text("第1版")
    shot(admin, "org-life-06-new-version")
    admin.get_by_test_id("versions").get_by_role("link", name="第1版").click()
    expect(admin.get_by_test_id("version-minutes")).to_have_text("王书记领学文件，党员交流发言。")
    assert branch.name not in _missing_names(admin, period, theme)
    shot(admin, "org-life-07-compliance-after")


def test_calendar_stars_and_follow_up_pages(demo, page, login, shot):
    login(page, "district_admin")
    page.goto("/records/calendar/")
    expect(page.get_by_test_id("calendar")).to_be_visible()
    shot(page, "org-life-calendar-district")
    page.goto("/records/attendance/follow-up/")
    # A whole district is too large for the per-member list: it asks for a lower organization, down to one that fits.
    for _level in range(4):
        children = page.get_by_test_id("followup-children")
        if not children.count():
            break
        shot(page, "org-life-follow-up-choose")
        children.get_by_role("link").first.click()
    expect(page.get_by_test_id("followup-table")).to_be_visible()
    shot(page, "org-life-follow-up")
    page.goto("/records/compliance/?group=domain&period=" + str(timezone.localdate().year))
    expect(page.get_by_test_id("compliance-table")).to_be_visible()
    shot(page, "org-life-compliance-year-by-domain")
    page.goto("/stars/")
    shot(page, "org-life-stars-public")


def test_compliance_on_a_phone(demo, phone_page, login, shot):
    login(phone_page, "town_admin")
    phone_page.goto("/records/compliance/")
    expect(phone_page.get_by_test_id("compliance-table")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the page scrolls sideways on a phone: {width}px"
    shot(phone_page, "org-life-phone-compliance")
