"""An ID number typed into the member search never appears in any URL the browser requests (nor in its history)."""

from playwright.sync_api import expect

from apps.members.models import CURRENT_STATUSES, Member


def test_id_and_phone_searches_keep_numbers_out_of_urls(demo, page, login):
    member = Member.objects.filter(status__in=CURRENT_STATUSES).exclude(phone="").order_by("pk").first()
    number, phone = member.id_number, member.phone
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, "district_admin")
    page.goto("/members/")
    expect(page.get_by_test_id("search-help")).to_have_text("身份证号和手机号需完整输入，精确匹配")
    box = page.locator("input[name=q]")
    for value in (number, phone):
        box.fill("")
        with page.expect_response(lambda r: "qk=" in r.url and r.request.headers.get("hx-request") == "true"):
            box.press_sequentially(value, delay=5)
        rows = page.get_by_test_id("member-table").locator("tbody tr")
        expect(rows.filter(has_text=member.name).first).to_be_visible()
        assert "qk=" in page.url
    # Submitting the form without htmx (Enter) goes the same way.
    box.fill(number)
    with page.expect_navigation():
        box.press("Enter")
    expect(page.get_by_test_id("member-table").locator("tbody tr").filter(has_text=member.name).first).to_be_visible()
    page.get_by_test_id("export-link").click()
    expect(page.get_by_test_id("job-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("job-message")).to_have_text("已导出1名党员")
    history = page.evaluate("history.length")
    assert history > 1
    leaked = [url for url in requested if number[:10] in url or phone[:7] in url]
    assert leaked == [], leaked
