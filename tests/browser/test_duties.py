"""职责清单 in the browser: an inspected branch's whole list prints on A4 (letterhead, no buttons, nothing past the
margin); the district administrator enters a quarterly inspection on a 390 px phone without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from apps.assessment import duty_selectors
from apps.assessment.duty_models import Inspection
from apps.orgs.models import Organization
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import _check_print_view


@pytest.mark.django_db(transaction=True)
def test_print_a_duty_list_and_inspect_on_a_phone(demo, page, new_page, login, shot):
    inspected = Inspection.objects.select_related("organization").order_by("organization__path").first()
    org = inspected.organization
    login(page, "district_admin")
    page.goto(f"/assessment/duties/org/{org.pk}/")
    expect(page.get_by_test_id("post-secretary")).to_contain_text("不得违规发展党员")
    expect(page.get_by_test_id("org-inspections")).to_contain_text(inspected.period_key)
    _check_print_view(page, "duties", "职责清单", org.name)

    # a branch not inspected yet, this quarter's inspection from a phone
    other = (Organization.objects.filter(kind="branch", is_active=True).exclude(pk__in=Inspection.objects.values("organization_id"))
             .order_by("path").first())
    items = duty_selectors.applicable_items(other)
    phone = new_page(**PHONE)
    login(phone, "district_admin")
    phone.goto(f"/assessment/duties/org/{other.pk}/inspect/")
    expect(phone.get_by_test_id("inspect-items")).to_be_visible()
    _no_horizontal_scroll(phone)
    for item in items:
        phone.locator(f"#o-{item.pk}-d").check()
    phone.locator(f"#o-{items[-1].pk}-n").check()
    phone.locator(f"input[name=note-{items[-1].pk}]").fill("发现问题")
    phone.get_by_test_id("save-inspection").click()
    expect(phone.get_by_test_id("results")).to_contain_text("发现问题")
    _no_horizontal_scroll(phone)
    shot(phone, "duties-inspection-phone")
    assert Inspection.objects.get(organization=other).results.filter(outcome="not_done").count() == 1
