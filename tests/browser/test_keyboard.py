"""Keyboard only (WCAG 2.1.1, 2.4.1, 2.4.3): a resident submits a report to the end with the Tab, arrow and Enter keys,
answering the challenge in words (what a screen reader reads) — solved here from the text alone, never from the
picture; a secretary enters an organizational-life record the same way. Every page visited passes axe-core."""

import re

from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.cases.models import Case
from apps.records.models import ActivityRecord

from .axe import audit, blocking, describe

DIGITS = "零一二三四五六七八九"


def _number(words):
    """十二 → 12, 二十一 → 21, 七 → 7 (the numerals the worded challenge uses)."""
    if "十" not in words:
        return DIGITS.index(words)
    tens, _sep, ones = words.partition("十")
    return (DIGITS.index(tens) if tens else 1) * 10 + (DIGITS.index(ones) if ones else 0)


def solve(question):
    """The worded challenge's answer from its text only."""
    n = "[零一二三四五六七八九十]+"
    for pattern, sign in ((rf"({n})加上?({n})", 1), (rf"比({n})多({n})", 1), (rf"({n})减({n})", -1),
                          (rf"从({n})里减去({n})", -1), (rf"比({n})少({n})", -1)):
        m = re.search(pattern, question)
        if m:
            return _number(m.group(1)) + sign * _number(m.group(2))
    raise AssertionError(f"cannot read the question: {question}")


def focused(page, selector, text=None) -> bool:
    return page.evaluate("([s, t]) => { const e = document.activeElement; return !!e && e.matches(s) && "
                         "(t === null || e.textContent.trim() === t); }", [selector, text])


def tab_to(page, selector, text=None, limit=120):
    """Press Tab until the element matching `selector` (with that text) has the focus: reachable by the keyboard."""
    for _i in range(limit):
        if focused(page, selector, text):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} {text or ''} never got the keyboard focus")


def arrow_to(page, value, limit=60):
    """On a focused <select>: press ArrowDown until `value` is chosen."""
    for _i in range(limit):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value} not reached")


def accessible(page):
    bad = blocking(audit(page))
    assert not bad, describe(bad)


def test_a_resident_reports_with_the_keyboard_and_the_worded_challenge(demo, page, shot):
    page.goto("/report/")
    page.keyboard.press("Tab")
    assert focused(page, ".skip-link"), "the first Tab reaches the skip link"
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    assert focused(page, "#main")

    # Sent empty first: the error summary takes the focus and names the fields; its link leads to the field.
    tab_to(page, "form[data-testid=report-form] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page, "[data-error-summary]")
    assert page.title().startswith("错误：")
    expect(page.locator("[data-error-summary]")).to_contain_text("反映问题类别：此项为必填项")
    assert page.locator("#id_service").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_service").get_attribute("aria-describedby") == "id_service_error"
    accessible(page)
    tab_to(page, "[data-error-summary] a[href='#id_service']")
    page.keyboard.press("Enter")
    assert focused(page, "#id_service")

    service = page.locator("#id_service option:not([value=''])").first.get_attribute("value")
    with page.expect_response(lambda r: "/report/attributes/" in r.url):  # the category's own questions (htmx)
        arrow_to(page, service)
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
    for i in range(page.locator("#case-attributes select[required]").count()):
        question = page.locator("#case-attributes select[required]").nth(i)
        tab_to(page, f"#{question.get_attribute('id')}")
        arrow_to(page, question.locator("option:not([value=''])").first.get_attribute("value"))
    tab_to(page, "#id_description")
    page.keyboard.type("楼道灯坏了一个月，晚上老人上下楼很不方便，请尽快修理。")
    tab_to(page, "#id_township")
    town = page.locator("#id_township option:not([value=''])").first.get_attribute("value")
    arrow_to(page, town)
    expect(page.locator("#id_village option").nth(1)).to_be_attached()  # the township's villages, loaded by htmx
    tab_to(page, "#id_contact_name")
    page.keyboard.type("张阿姨")
    tab_to(page, "#id_phone")
    page.keyboard.type("13912340000")

    # The challenge without the picture: "改用文字题" reads the question out; the focus follows it.
    tab_to(page, "[data-testid=challenge-words]")
    page.keyboard.press("Enter")
    question = page.get_by_test_id("challenge-text")
    expect(question).to_contain_text("文字题")
    assert focused(page, "#challenge-text")
    described = page.locator("#id_challenge_answer").get_attribute("aria-describedby")
    assert "challenge-text" in described.split()
    tab_to(page, "#id_challenge_answer")
    page.keyboard.type(str(solve(question.inner_text())))
    shot(page, "keyboard-01-report-worded-challenge")
    accessible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a text field sends the form
    summary = page.locator("[data-error-summary]")
    assert summary.count() == 0, summary.inner_text()
    expect(page.get_by_test_id("receipt")).to_contain_text("已收到您反映的问题")
    number = page.get_by_test_id("receipt-number").inner_text().strip()
    assert Case.objects.filter(number=number, contact_name="张阿姨").exists()
    accessible(page)


def test_new_challenge_keeps_the_focus(demo, page):
    page.goto("/report/")
    tab_to(page, "[data-challenge-refresh]")
    old = page.locator("input[name=challenge_token]").input_value()
    page.keyboard.press("Enter")
    expect(page.locator("input[name=challenge_token]")).not_to_have_value(old)
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('[data-challenge-refresh]')")


def test_a_secretary_enters_a_record_with_the_keyboard(demo, page, login, shot):
    login(page, "secretary")
    page.goto("/records/new/")
    if page.locator("#id_activity_type").count() == 0:  # the organization is chosen first, in the picker
        branch = RoleAssignment.objects.filter(user__username="secretary").first().organization
        tab_to(page, "#id_org")
        page.keyboard.type(branch.name)
        expect(page.locator("[data-org-option]").first).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.locator("input[name=org_pk]")).not_to_have_value("")
        tab_to(page, "form[data-testid=pick-org] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    tab_to(page, "#id_activity_type")
    arrow_to(page, page.locator("#id_activity_type option:not([value=''])").first.get_attribute("value"))
    before = ActivityRecord.objects.count()
    for selector, text in (("#id_place", "村党员活动室"), ("#id_topic", "学习党的二十届四中全会精神"),
                           ("#id_host", "王书记"), ("#id_recorder", "李委员")):
        tab_to(page, selector)
        page.keyboard.type(text)
    shot(page, "keyboard-02-record-entry")
    accessible(page)
    tab_to(page, "form button[type=submit]", "保存")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if ActivityRecord.objects.count() == before:  # something was missing: the summary says what, with the focus on it
        assert focused(page, "[data-error-summary]"), page.content()[:2000]
        accessible(page)
        raise AssertionError(page.locator("[data-error-summary]").inner_text())
    expect(page.get_by_text("学习党的二十届四中全会精神").first).to_be_visible()
