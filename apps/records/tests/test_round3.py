"""Round-3 fixes of organizational life (issue 9): one confirmation mechanism for deleting a draft and one
source for the submit question, the record's states asked through the model, 全部出席 as a form method, one
way of answering a bad month, the 党员参与 page's figures and periods, the version page in English, and the
follow-up list's drill-down above a large subtree."""

import re
from datetime import date

import pytest
from django.utils import translation

from apps.core.periods import period_containing
from apps.records import selectors, services, versions, watch_views
from apps.records.forms import RecordForm
from apps.records.models import ActivityRecord, RecordVersion

pytestmark = pytest.mark.django_db


# ---- the confirmation of irreversible actions ----

def test_delete_draft_asks_before_acting(tree, make_record, client):
    draft = make_record("theme_day", submit=False)
    client.force_login(tree.users["secretary_a"])
    detail = client.get(f"/records/{draft.pk}/").content.decode()
    assert "onsubmit=" not in detail
    form = re.search(r'<form[^>]*action="/records/%d/delete/"[^>]*>' % draft.pk, detail).group(0)
    assert 'data-confirm="确定删除这份草稿？"' in form
    asked = client.post(f"/records/{draft.pk}/delete/")  # one click without the script: asked, nothing deleted
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.content.decode()
    assert ActivityRecord.objects.filter(pk=draft.pk).exists()
    assert client.post(f"/records/{draft.pk}/delete/", {"confirmed": "1"}).status_code == 302
    assert not ActivityRecord.objects.filter(pk=draft.pk).exists()


def test_submit_question_has_one_source(tree, make_record, client):
    record = make_record("theme_day", submit=False)
    client.force_login(tree.users["secretary_a"])
    detail = client.get(f"/records/{record.pk}/")
    question = selectors.submit_question(record)
    assert detail.context["submit_question"] == question
    assert question.startswith("确定提交这份纪实？") and "实到 1 人 / 应到 1 人" in question
    assert all(str(note) in question for note in selectors.submit_notes(record))
    asked = client.post(f"/records/{record.pk}/submit/")
    assert asked.context["message"] == selectors.SUBMIT_QUESTION
    assert asked.context["details"] == selectors.submit_notes(record)


def test_record_states_are_asked_through_the_model(tree, make_record):
    record = make_record("theme_day", submit=False)
    assert record.can_submit and not record.is_returned and record.submit_label == "提交纪实"
    services.record_submit(actor=tree.users["secretary_a"], record=record)
    record.refresh_from_db()
    assert not record.can_submit
    services.record_return(actor=tree.users["district_admin"], record=record, reason="请补充会议记录")
    record.refresh_from_db()
    assert record.can_submit and record.is_returned and record.submit_label == "修改后重新提交"


def test_all_present_keeps_the_typing_through_the_form(tree, make_record):
    record = make_record("theme_day", submit=False)
    bound = RecordForm({"topic": "改过的主题", "place": "村委会"}, instance=record, activity_type=record.activity_type)
    typed = bound.as_typed()
    assert not typed.is_bound and typed.instance == record
    assert typed.initial["topic"] == "改过的主题" and typed.initial["place"] == "村委会"
    assert typed.initial["host"] == ""  # not posted: shown as posted (empty), not the stored value


@pytest.mark.parametrize("url", [
    "/records/calendar/?month=2026-99",
    "/records/stars/manage/?month=2026-13",
    "/records/new/?org={branch}&period=2026-13",
])
def test_a_bad_month_answers_400_one_way(tree, client, url):
    client.force_login(tree.users["district_admin"])
    response = client.get(url.format(branch=tree.branch_a.pk))
    assert response.status_code == 400
    assert "core/error.html" in [t.name for t in response.templates]  # apps.core.errors.bad_request
    assert "月份" in response.content.decode() or "期间" in response.content.decode()


# ---- the 党员参与 page ----

def test_participation_figures_have_thousands_separators(tree, client, monkeypatch):
    monkeypatch.setattr(selectors, "subtree_record_figures",
                        lambda org, start, end: {"records": 1234, "late": 0, "expected": 1970, "present": 1687})
    client.force_login(tree.users["district_admin"])
    body = client.get("/records/attendance/", {"org": tree.branch_a.pk, "period": "2026-01"}).content.decode()
    assert "已提交纪实 1,234 份，出勤 1,687 人次 / 应到 1,970 人次" in body


def test_participation_default_period_is_the_last_complete_month_early_in_a_month():
    assert watch_views._participation_default(date(2026, 12, 2)).key == "2026-11"
    assert watch_views._participation_default(date(2026, 1, 9)).key == "2025-12"
    assert watch_views._participation_default(date(2026, 12, 10)).key == "2026-12"


def test_next_period_link_stops_at_the_current_period(tree, client):
    client.force_login(tree.users["district_admin"])
    current = period_containing("month", date.today())
    now = client.get("/records/attendance/", {"org": tree.branch_a.pk, "period": current.key})
    assert now.context["next"] is None and 'data-testid="period-next"' not in now.content.decode()
    before = client.get("/records/attendance/", {"org": tree.branch_a.pk, "period": current.previous().key})
    assert before.context["next"].key == current.key and f"period={current.key}" in before.content.decode()


# ---- the version page in English ----

def test_version_note_and_attendance_lines_are_translated_when_shown(tree, make_record, client, monkeypatch):
    record = make_record("theme_day")
    with translation.override("en"):  # an editor using English still stores the source text
        services.record_update(actor=tree.users["secretary_a"], record=record, data={"place": "村委会"},
                               attendance=[(tree.member_a.pk, "leave", "生病")])
    kept = RecordVersion.objects.get(record=record, version=1)
    assert kept.note == RecordVersion.DEFAULT_NOTE
    with translation.override("en"):
        assert kept.note_display == "Edited after submission"
    client.force_login(tree.users["district_admin"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(f"/records/{record.pk}/versions/1/").content.decode()
    assert 'lang="en"' in body and "提交后修改" not in body and "Edited after submission" in body
    # The attendance change is one translatable format string (no full-width colon built in the template).
    english = {"{member}：{old} → {new}": "{member}: {old} → {new}", "{status}（{reason}）": "{status} ({reason})"}
    monkeypatch.setattr(versions, "_", lambda text: english.get(text, text))
    line = versions.compare(kept.data, versions.version_data(record))["attendance"][0]["line"]
    assert line.startswith("张三: ") and line.endswith("(生病)")


# ---- the follow-up list above a large subtree ----

def test_follow_up_over_a_large_subtree_asks_for_a_lower_organization(tree, client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(selectors, "ATTENDANCE_MEMBERS_MAX_ORGS", 2)
    client.force_login(tree.users["district_admin"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/records/attendance/follow-up/", {"org": tree.district.pk})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="followup-table"' not in body
    assert 'data-testid="followup-children"' in body and f"?org={tree.town_a.pk}" in body
    member_table = selectors.Member._meta.db_table
    assert not [q["sql"] for q in queries.captured_queries if f'"{member_table}"' in q["sql"]
                and "records_attendance" in q["sql"]]  # no per-member check over the subtree
    small = client.get("/records/attendance/follow-up/", {"org": tree.branch_a.pk})
    assert 'data-testid="followup-table"' in small.content.decode()
