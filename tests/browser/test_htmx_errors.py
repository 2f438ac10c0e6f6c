"""htmx requests answered with an error show it (static/js/htmx-errors.js): a 4xx is swapped into the target with
its Chinese message, a failed request without an answer shows a message in the page's alert region."""

from playwright.sync_api import expect

from tests.factories import PASSWORD, Tree


def test_a_400_through_htmx_shows_its_message(transactional_db, page, login):
    Tree()
    login(page, "district_admin", PASSWORD)
    page.goto("/members/")
    results = page.locator("#results")
    expect(results.get_by_test_id("member-table")).to_be_visible()
    # The filter form sends what its fields allow; a hand-made value arrives the same way, through htmx.
    with page.expect_response(lambda r: "age_min=" in r.url and r.status == 400):
        page.evaluate("htmx.ajax('GET', '/members/?age_min=abc', {target: '#results', swap: 'innerHTML'})")
    expect(results.locator(".alert-danger")).to_contain_text("输入一个数字")
    expect(page.locator("#htmx-alert")).to_be_hidden()


def test_an_error_page_through_htmx_is_a_message_not_a_page(transactional_db, page, login):
    tree = Tree()
    login(page, "secretary_a", PASSWORD)
    page.goto("/members/")
    with page.expect_response(lambda r: r.status == 404):
        page.evaluate(f"htmx.ajax('GET', '/members/{tree.member_b.pk}/', {{target: '#results', swap: 'innerHTML'}})")
    message = page.locator("#results").get_by_test_id("htmx-error")
    expect(message).to_have_text("页面不存在或您无权查看")
    expect(page.locator("#results nav")).to_have_count(0)  # the fragment, not a whole page inside the page


def test_a_request_without_an_answer_shows_the_alert_region(transactional_db, page, login):
    Tree()
    login(page, "district_admin", PASSWORD)
    page.goto("/members/")
    alert = page.locator("#htmx-alert")
    expect(alert).to_be_hidden()
    page.route("**/members/?broken=1", lambda route: route.abort())
    page.evaluate("() => { htmx.ajax('GET', '/members/?broken=1', {target: '#results'}).catch(() => null); }")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("网络连接失败")
    alert.get_by_role("button", name="关闭").click()
    expect(alert).to_be_hidden()
