"""考核评价's main paths in the browser, on the demo district (its 村 group has last quarter's round closed and this
quarter's open, apps.demo.assessment_seed):

a. the district administrator copies last year's system of a group to this year, publishes the copy, creates and
   opens a quarterly round of it and runs the automatic scoring — on PostgreSQL through a `manage.py worker`, the
   round's page showing the job's progress (htmx polling) until the results are there;
b. the township's assessor (town_admin) scores a manual indicator of one of its villages with an evidence file;
c. after the close, a branch secretary opens their organization's result and follows an automatic score to the
   meeting records behind it: the records list filtered to exactly those records."""

import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from apps.assessment.models import IndicatorSystem, SystemStatus
from apps.assessment.round_models import Round, RoundEntry, ScoreEvidence
from apps.records.models import ActivityRecord

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _worker(settings, tmp_path):
    """On PostgreSQL a real worker (another process) runs the job; SQLite's test database lives in this process's
    memory, so there the immediate backend runs it during the request."""
    if connection.vendor == "sqlite":
        return None
    from apps.core.tests.test_jobs_worker import DB_BACKEND, _env

    settings.TASKS = DB_BACKEND
    settings.JOBS_DIR = tmp_path / "var" / "jobs"
    return subprocess.Popen([sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=django_settings.BASE_DIR,
                            env=_env(settings, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_copy_publish_open_and_score_a_round(demo, page, login, shot, settings, tmp_path):
    school = IndicatorSystem.objects.get(group__name="学校", year=timezone.localdate().year - 1)
    this_year = timezone.localdate().year
    login(page, "district_admin")
    page.goto(f"/assessment/systems/{school.pk}/")
    page.get_by_test_id("copy").click()
    page.locator("input[name=year]").first.fill(str(this_year))
    page.get_by_test_id("copy-submit").click()
    expect(page.get_by_test_id("system-status")).to_contain_text("草稿")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("system-status")).to_contain_text("使用中")
    copy = IndicatorSystem.objects.get(group__name="学校", year=this_year, status=SystemStatus.IN_USE)
    assert copy.version == 2 and copy.copied_from_id == school.pk  # the seeded version 1 of this year is retired

    page.goto("/assessment/rounds/new/")
    page.locator("select[name=system]").select_option(str(copy.pk))
    page.locator("select[name=period_kind]").select_option("quarter")
    page.locator("input[name=number]").fill(str((timezone.localdate().month - 1) // 3 + 1))
    now = timezone.now()
    page.locator("input[name=opens_at]").fill(_local(now - timedelta(hours=1)))
    page.locator("input[name=closes_at]").fill(_local(now + timedelta(days=10)))
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_test_id("round-open")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("round-open").click()
    expect(page.get_by_test_id("run-scoring")).to_be_visible()
    rnd = Round.objects.get(system=copy)
    assert rnd.status == "open" and rnd.entries.count() > 0

    worker = _worker(settings, tmp_path)
    try:
        polls = []
        page.on("request", lambda r: polls.append(r.url) if "/progress/" in r.url else None)
        page.get_by_test_id("run-scoring").click()
        progress = page.get_by_test_id("round-progress")
        first = progress.get_attribute("data-status")
        if first in ("queued", "running"):
            expect(progress).to_contain_text("自动计分")  # the job's status and phase, the bar
            shot(page, "assessment-round-scoring")
        expect(progress).to_have_attribute("data-status", "succeeded", timeout=30_000)
        if first != "succeeded":
            assert polls  # the result came by htmx polling
    finally:
        if worker is not None:
            worker.kill()
            worker.wait(10)
    expect(progress).to_contain_text("已完成自动计分")
    # Whatever status was seen first, the finished job's progress says every organization was scored: N/N.
    n = rnd.entries.count()
    expect(progress).to_have_attribute("data-done", str(n))
    expect(progress).to_have_attribute("data-total", str(n))
    expect(progress.get_by_test_id("progress-count")).to_have_text(f"{n}/{n} 个组织已计分")
    expect(progress).to_contain_text(f"已完成自动计分：{n}个组织")
    rnd.refresh_from_db()
    assert rnd.scored_at is not None and rnd.job.result["scored"] == rnd.job.result["organizations"] == n
    page.get_by_role("link", name="考核结果").first.click()
    best = RoundEntry.objects.filter(round=rnd).order_by("-total", "organization__path").select_related("organization").first()
    expect(page.locator("table").first).to_contain_text(best.organization.name)
    expect(page.locator("table").first).to_contain_text(str(best.total))
    shot(page, "assessment-round-results")


def test_township_assessor_scores_with_evidence(demo, page, login, shot):
    rnd = Round.objects.get(pk=demo["open_rounds"][0])
    login(page, "town_admin")
    page.get_by_role("link", name="考核评价").click()
    page.get_by_role("link", name="考核轮次").click()
    page.locator("tr", has_text=rnd.name).get_by_role("link", name="查看").click()
    entries = page.get_by_test_id("round-entries")
    entries.get_by_role("link", name="评分表").first.click()
    expect(page.get_by_test_id("sheet")).to_be_visible()
    line = page.locator(".list-group-item", has_text="班子建设").filter(has=page.locator("input[name=points]"))
    line.locator("input[name=points]").fill("8.5")
    line.locator("input[name=comment]").fill("查阅支委会记录，班子健全")
    line.locator("input[type=file]").set_input_files(files=[{"name": "班子建设检查记录.pdf", "mimeType": "application/pdf",
                                                            "buffer": PDF}])
    line.get_by_role("button", name="保存").click()
    scored = page.locator("[id^=score-]", has_text="班子建设")
    expect(scored.get_by_role("link", name="班子建设检查记录.pdf")).to_be_visible()
    expect(scored).to_contain_text("8.50")
    evidence = ScoreEvidence.objects.get(name="班子建设检查记录.pdf")
    assert evidence.score.points == 8.5 and evidence.score.scored_by.username == "town_admin"
    assert evidence.score.entry.round_id == rnd.pk and evidence.file.read(5) == b"%PDF-"
    shot(page, "assessment-score-evidence")
    with page.expect_download() as info:
        scored.get_by_role("link", name="班子建设检查记录.pdf").click()
    assert info.value.suggested_filename == "班子建设检查记录.pdf"


def test_secretary_follows_an_automatic_score_to_the_records(demo, page, login, shot):
    rnd = Round.objects.get(pk=demo["closed_rounds"][0])
    login(page, "secretary")
    page.goto("/assessment/rounds/")
    page.locator("tr", has_text=rnd.name).get_by_role("link", name="查看").click()
    entries = page.get_by_test_id("round-entries")
    expect(entries.locator("tbody tr")).to_have_count(1)  # their own organization only
    entries.get_by_role("link", name="评分表").click()
    entry = RoundEntry.objects.select_related("organization").get(round=rnd, organization__name=page.locator("h1").inner_text().split(" 评分表")[0])
    expect(page.get_by_test_id("entry-total")).to_have_text(str(entry.total))
    shot(page, "assessment-secretary-sheet")
    line = page.locator("[id^=score-]", has_text="组织生活完成率")
    line.get_by_test_id("evidence-link").click()
    expect(page).to_have_url(re.compile(r"/records/\?"))
    org = entry.organization
    expected = ActivityRecord.objects.filter(organization__path__startswith=org.path, held_on__gte=rnd.period_start,
                                             held_on__lte=rnd.period_end, status="submitted")
    assert expected.exists()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(expected.count())
    for record in expected:
        expect(page.locator("table tbody")).to_contain_text(record.topic)
    shot(page, "assessment-secretary-records")
