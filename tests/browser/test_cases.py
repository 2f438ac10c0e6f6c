"""群工系统 end to end: a resident on a phone submits a case and gets a number; the township's staff sign for it and
resolve it; the resident rates it from the status page, and the rankings move. A wrongly routed case is returned
by the township and redispatched by the dispatcher to the department, which signs for it."""

import re

from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.cases import challenge
from apps.cases.areas import place_name
from apps.cases.models import Case


def _township():
    return RoleAssignment.objects.get(user__username="town_admin").organization


def _ranking_row(page, label):
    page.goto("/cases/rankings/")
    row = page.get_by_test_id(f"row-{label}")
    expect(row).to_be_visible()
    return int(row.get_attribute("data-received")), int(row.get_attribute("data-rated"))


def _submit_on_phone(phone, shot, town, service, description, name):
    phone.goto("/report/")
    expect(phone.get_by_test_id("report-form")).to_be_visible()
    phone.get_by_label("反映问题类别").select_option(label=service)
    phone.get_by_label("问题描述").fill(description)
    phone.get_by_label("乡镇（街道）").select_option(value=str(town.pk))
    village = phone.locator("#id_village option").nth(1)
    expect(village).to_be_attached()  # htmx has loaded the township's villages
    phone.locator("#id_village").select_option(index=1)
    phone.get_by_label("详细地址").fill("3组12号")
    phone.get_by_label("您的称呼").fill(name)
    phone.get_by_label("联系电话").fill("13912340000")
    phone.get_by_label("不公开我的姓名").check()
    token = phone.locator("input[name=challenge_token]").input_value()
    expect(phone.get_by_test_id("challenge-image")).to_be_visible()
    phone.get_by_label("验证题：请计算算式的结果（图片或文字题）").fill(str(challenge.peek_answer(token)))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the form scrolls sideways on a phone: {width}px"
    shot(phone, "cases-01-phone-form")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_test_id("receipt")).to_contain_text("已收到您反映的问题")
    number = phone.get_by_test_id("receipt-number").inner_text().strip()
    return Case.objects.get(number=number)


def test_resident_to_rating_and_the_rankings_move(demo, page, new_page, login, shot):
    from tests.browser.conftest import PHONE

    town = _township()
    unit_name = place_name(town)
    login(page, "district_admin")
    received, rated = _ranking_row(page, unit_name)

    # A resident on a phone reports a problem and gets a number and a query code.
    phone = new_page(**PHONE)
    case = _submit_on_phone(phone, shot, town, "环境卫生", "村口垃圾池满了一个星期没有清运，气味很大。", "杨学伦")
    assert re.fullmatch(r"[A-Z2-9]{8}", phone.get_by_test_id("receipt-code").inner_text().strip())
    expect(phone.get_by_test_id("receipt")).to_contain_text(f"已转交{unit_name}办理")
    shot(phone, "cases-02-phone-receipt", full_page=False)

    # The township's staff find it among what they must sign for, sign, and resolve it with an answer.
    staff = new_page(viewport={"width": 1280, "height": 900})
    login(staff, "town_admin")
    staff.get_by_role("link", name="群众诉求", exact=True).click()
    staff.get_by_test_id("queue-to_sign").click()
    staff.get_by_role("link", name=case.number).click()
    expect(staff.get_by_test_id("case-status")).to_have_text("待签收")
    staff.get_by_test_id("action-sign").get_by_role("button", name="签收").click()
    expect(staff.get_by_test_id("case-status")).to_have_text("办理中")
    staff.get_by_test_id("action-note").get_by_label("办理进展").fill("已通知环卫所，今天下午清运。")
    staff.get_by_test_id("action-note").get_by_label("向群众公开此条进展").check()
    staff.get_by_test_id("action-note").get_by_role("button", name="保存进展").click()
    staff.get_by_test_id("action-resolve").get_by_label("答复群众").fill("环卫所已于当日清运，并增加每周两次清运。")
    staff.once("dialog", lambda dialog: dialog.accept())  # 办结 asks for confirmation
    staff.get_by_test_id("action-resolve").get_by_role("button", name="办结", exact=True).click()
    expect(staff.get_by_test_id("case-status")).to_have_text("已办结")
    shot(staff, "cases-03-staff-resolved")

    # The resident follows the case from the phone and rates it.
    phone.goto(f"/report/track/{case.number}/")
    expect(phone.get_by_test_id("public-answer")).to_contain_text("环卫所已于当日清运")
    expect(phone.get_by_test_id("public-timeline")).to_contain_text("已通知环卫所")
    expect(phone.get_by_test_id("public-unit")).to_have_text(unit_name)
    phone.locator("label[for=r-solved-1]").click()  # large buttons: 已解决
    phone.locator("label[for=r-rating-satisfied]").click()  # 满意
    expect(phone.get_by_label("满意", exact=True)).to_be_checked()
    phone.get_by_label("意见和建议").fill("处理很及时，谢谢！")
    shot(phone, "cases-04-phone-rating")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_test_id("public-rating")).to_contain_text("满意")
    expect(phone.get_by_test_id("rating-form")).to_have_count(0)  # once only
    shot(phone, "cases-05-phone-rated", full_page=False)

    # The rankings move: one more case received and one more rating for the township.
    assert _ranking_row(page, unit_name) == (received + 1, rated + 1)
    shot(page, "cases-06-rankings")
    page.goto("/report/rankings/")
    expect(page.get_by_test_id(f"row-{unit_name}").first).to_be_visible()
    shot(page, "cases-07-public-rankings")


def test_wrongly_routed_case_is_returned_and_redispatched(demo, new_page, login, shot):
    from apps.cases.models import HandlingUnit
    from tests.browser.conftest import PHONE

    town = _township()
    department = HandlingUnit.objects.get(organization=RoleAssignment.objects.get(user__username="dept_handler").organization)
    phone = new_page(**PHONE)
    case = _submit_on_phone(phone, shot, town, "环境卫生", "我家房屋墙体开裂，下雨漏水，担心垮塌，请帮忙鉴定。", "李大妈")

    # The township finds it is the housing department's and returns it, with a reason.
    staff = new_page(viewport={"width": 1280, "height": 900})
    login(staff, "town_admin")
    staff.goto(f"/cases/{case.pk}/")
    staff.get_by_test_id("action-return").get_by_label("理由").fill(f"属于危房鉴定，应由{department.name}办理")
    staff.get_by_test_id("action-return").get_by_role("button", name="退回调度员").click()
    expect(staff.get_by_test_id("case-status")).to_have_text("待派单")

    # The dispatcher sees it waiting, with the reason, and dispatches it to the department.
    dispatcher = new_page(viewport={"width": 1280, "height": 900})
    login(dispatcher, "dispatcher")
    dispatcher.goto("/cases/?queue=to_dispatch")
    dispatcher.get_by_role("link", name=case.number).click()
    expect(dispatcher.get_by_test_id("timeline")).to_contain_text("属于危房鉴定")
    dispatcher.get_by_test_id("action-dispatch").get_by_label("牵头单位").select_option(label=department.name)
    dispatcher.get_by_test_id("action-dispatch").get_by_label("派单说明").fill("改由住建委鉴定")
    dispatcher.get_by_test_id("action-dispatch").get_by_role("button", name="派单").click()
    expect(dispatcher.get_by_test_id("case-status")).to_have_text("待签收")
    shot(dispatcher, "cases-08-redispatched")

    # The department signs for it and owns it from then on.
    handler = new_page(viewport={"width": 1280, "height": 900})
    login(handler, "dept_handler")
    handler.goto(f"/cases/{case.pk}/")
    handler.get_by_test_id("action-sign").get_by_role("button", name="签收").click()
    expect(handler.get_by_test_id("case-status")).to_have_text("办理中")
    case.refresh_from_db()
    assert case.lead_unit == department and case.owner_unit == department and case.return_count == 1

    # The township may not return it a second time once it is dispatched back there.
    dispatcher.get_by_test_id("action-dispatch").get_by_label("牵头单位").select_option(label=place_name(town))
    dispatcher.get_by_test_id("action-dispatch").get_by_role("button", name="派单").click()
    staff.goto(f"/cases/{case.pk}/")
    staff.get_by_test_id("action-return").get_by_label("理由").fill("再次退回")
    staff.get_by_test_id("action-return").get_by_role("button", name="退回调度员").click()
    expect(staff.locator(".alert-danger")).to_contain_text("不能再次退单")
    shot(staff, "cases-09-second-return-refused")


def test_public_pages_on_a_phone(demo, phone_page, shot):
    for url, name in (("/report/cases/", "cases-10-public-list"), ("/report/rankings/", "cases-11-public-rankings-phone"),
                      ("/report/track/", "cases-12-track")):
        phone_page.goto(url)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{url} scrolls sideways on a phone: {width}px"
        shot(phone_page, name, full_page=False)
