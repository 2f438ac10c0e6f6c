"""The meeting's QR code as a browser shows it: the image renders (not its alt text) and a real decoder reads
the check-in URL off a screenshot of it. Also the two scripts of the record pages: 全部出席 marks everyone
present in the page, and 提交纪实 asks before posting."""

import io
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.records import services
from apps.records.defaults import ensure_default_types
from apps.records.models import ActivityRecord, ActivityType
from apps.records.tests.conftest import record_data
from tests.factories import PASSWORD, Tree


@pytest.fixture
def tree(transactional_db):
    ensure_default_types()  # the data migration's rows are gone after a transactional test's flush
    return Tree()


def _meeting_now(tree, **overrides):
    now = timezone.localtime()
    start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0, second=0, microsecond=0)).time()
    end = min(now + timedelta(minutes=60), now.replace(hour=23, minute=59, second=0, microsecond=0)).time()
    data = record_data(held_on=now.date(), starts_at=time(start.hour, start.minute), ends_at=time(end.hour, end.minute),
                       **overrides)
    return services.record_create(actor=tree.users["secretary_a"], organization=tree.branch_a,
                                  activity_type=ActivityType.objects.get(code="theme_day"), data=data)


def test_qr_code_renders_and_decodes_to_the_check_in_url(tree, page, login, live_server, shot):
    import zxingcpp
    from PIL import Image

    record = _meeting_now(tree)
    login(page, "secretary_a", PASSWORD)
    page.goto(f"/records/{record.pk}/qr/")
    image = page.get_by_test_id("qr")
    expect(image).to_be_visible()
    # A broken SVG leaves the <img> with no natural size and the alt text in its place.
    width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 100, "the QR image did not render"
    shot(page, "qr-checkin", full_page=False)
    pixels = Image.open(io.BytesIO(image.screenshot()))
    decoded = [r.text for r in zxingcpp.read_barcodes(pixels)]
    assert decoded == [f"{live_server.url}/records/checkin/{record.checkin_token}/"]
    expect(page.locator("body")).to_contain_text(decoded[0])  # the same URL printed under the code


def test_all_present_and_confirmed_submit_in_the_browser(tree, page, login):
    record = _meeting_now(tree)
    login(page, "secretary_a", PASSWORD)
    page.goto(f"/records/{record.pk}/edit/")
    rows = page.locator("tr[data-member]")
    assert rows.count() == 1 and not rows.first.locator("input[value=present]").is_checked()
    page.get_by_test_id("all-present").click()  # in the page: no request, nothing saved yet
    expect(rows.first.locator("input[value=present]")).to_be_checked()
    assert page.url.endswith(f"/records/{record.pk}/edit/")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("attendance-figures")).to_contain_text("1")

    # 提交纪实 asks first: declining leaves the draft alone, agreeing submits.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="提交纪实").click()
    page.wait_for_timeout(300)
    assert questions and "确定提交" in questions[0]
    assert ActivityRecord.objects.get(pk=record.pk).status == "draft"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交纪实").click()
    expect(page.get_by_test_id("record-status")).to_contain_text("已提交")
