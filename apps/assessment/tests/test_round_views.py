"""Pages of rounds: the access matrix of every new route across the tree's roles (404 outside scope, 403 visible but
not allowed; nobody scores their own organization), the main path, bad input (4xx, Chinese, nothing half-saved),
evidence files (private, removed when the write fails) and the results list's query count (5 vs 50 organizations)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.access.models import Role
from apps.assessment import round_services
from apps.assessment.round_models import Round, RoundEntry, Score, ScoreEvidence, ScoreItem
from apps.audit.models import AuditEvent
from tests.factories import make_org, make_user

from .round_helpers import make_round, published, score_of

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b", "member_a",
         "auditor", "sysadmin"]
# The round of 村 assesses both branches; who sees it: the district's staff, and below it whoever has one of them.
SEES_ROUND = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b"}
# Branch A's sheet: the district (the round's organization), branch A's township and its own staff.
SEES_A = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a"}
# Scoring branch A: the superior organizations' administrators only (never branch A's own administrator).
SCORES_A = {"district_admin", "town_a_admin"}
MANAGES = {"district_admin"}


@pytest.fixture
def users(tree):
    return {**tree.users, "handler_b": make_user("handler_b", Role.CASE_HANDLER, tree.town_b),
            "branch_a_admin": make_user("branch_a_admin", Role.ORG_ADMIN, tree.branch_a)}


@pytest.fixture
def rnd(make_system, admin):
    return make_round(admin, published(make_system, admin))


def _expect(role, sees, allowed):
    return "ok" if role in allowed else 403 if role in sees else 404


def _ok(status):
    return status in (200, 302)


def test_access_matrix(client, users, rnd, tree):
    entry_a = rnd.entries.get(organization=tree.branch_a)
    manual = score_of(rnd, tree.branch_a, "民主测评")
    deduction = score_of(rnd, tree.branch_a, "负面清单")
    routes = [
        ("get", f"/assessment/rounds/{rnd.pk}/", {}, SEES_ROUND, SEES_ROUND),
        ("get", f"/assessment/rounds/{rnd.pk}/progress/", {}, SEES_ROUND, SEES_ROUND),
        ("get", f"/assessment/rounds/{rnd.pk}/results/", {}, SEES_ROUND, SEES_ROUND),
        ("get", f"/assessment/rounds/entries/{entry_a.pk}/", {}, SEES_A, SEES_A),
        # one-click steps without confirm: the confirmation page only
        ("post", f"/assessment/rounds/{rnd.pk}/open/", {}, SEES_ROUND, MANAGES),
        ("post", f"/assessment/rounds/{rnd.pk}/close/", {}, SEES_ROUND, MANAGES),
        ("post", f"/assessment/rounds/{rnd.pk}/delete/", {}, SEES_ROUND, MANAGES),
        ("post", f"/assessment/rounds/scores/{manual.pk}/", {"points": "1", "comment": "好"}, SEES_A, SCORES_A),
        ("post", f"/assessment/rounds/scores/{deduction.pk}/items/",
         {"what": "违规", "happened_on": "2026-03-01"}, SEES_A, SCORES_A),
    ]
    for role in ROLES:
        client.force_login(users[role])
        for method, url, data, sees, allowed in routes:
            response = getattr(client, method)(url, data)
            want = _expect(role, sees, allowed)
            if want == "ok":
                assert _ok(response.status_code), (role, url, response.status_code)
            else:
                assert response.status_code == want, (role, url, response.status_code)
    # the list and the create page: by capability
    for role in ROLES:
        client.force_login(users[role])
        listing = client.get("/assessment/rounds/").status_code
        assert listing == (200 if role in SEES_ROUND else 403), role
        create = client.get("/assessment/rounds/new/").status_code
        assert create == (200 if role in MANAGES else 403), role
    # the items added by the two who may: the cap (5 × 1 point) holds them
    assert ScoreItem.objects.filter(score=deduction).count() == 2


def test_scoring_job_scored_run_and_evidence_private(client, users, rnd, tree, types):
    client.force_login(users["district_admin"])
    response = client.post(f"/assessment/rounds/{rnd.pk}/score/")
    assert response.status_code == 302
    rnd.refresh_from_db()
    assert rnd.job.status == "succeeded"
    page = client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    assert "round-progress" in page and "已完成自动计分" in page
    sheet = client.get(f"/assessment/rounds/entries/{rnd.entries.get(organization=tree.branch_a).pk}/").content.decode()
    assert "无数据" in sheet and "/records/?" in sheet and "/cases/?" in sheet
    assert f"org_pk={tree.branch_a.pk}" in sheet
    # evidence: saved through the page, downloaded through the access layer only
    client.force_login(users["town_a_admin"])
    score = score_of(rnd, tree.branch_a, "民主测评")
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(f"/assessment/rounds/scores/{score.pk}/", {"points": "2", "comment": "已核实", "files": pdf},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "材料.pdf" in response.content.decode()
    evidence = ScoreEvidence.objects.get(score=score)
    assert client.get(f"/assessment/rounds/evidence/{evidence.pk}/").status_code == 200
    client.force_login(users["secretary_b"])
    assert client.get(f"/assessment/rounds/evidence/{evidence.pk}/").status_code == 404
    client.force_login(users["secretary_a"])  # branch A's own staff see their result and its evidence
    assert client.get(f"/assessment/rounds/evidence/{evidence.pk}/").status_code == 200
    evidence.file.delete(save=False)


def test_create_round_through_the_page(client, users, make_system, admin, tree):
    system = published(make_system, admin)
    client.force_login(users["district_admin"])
    now = timezone.localtime()
    data = {"system": system.pk, "period_kind": "year", "number": "1", "name": "",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}
    response = client.post("/assessment/rounds/new/", data)
    assert response.status_code == 302
    rnd = Round.objects.get()
    assert rnd.entries.count() == 2 and rnd.name == "村 2026"
    bad = client.post("/assessment/rounds/new/", {**data, "period_kind": "month", "number": "2"})
    assert bad.status_code == 400 and "权重为0" in bad.content.decode()
    bad = client.post("/assessment/rounds/new/", {**data, "closes_at": data["opens_at"]})
    assert bad.status_code == 400 and "截止时间须晚于开始时间" in bad.content.decode()
    bad = client.post("/assessment/rounds/new/", {**data, "number": "99999999999999999999"})
    assert bad.status_code == 400
    bad = client.post("/assessment/rounds/new/", {**data, "name": "a\x00b"})
    assert bad.status_code == 400
    assert Round.objects.count() == 1


@pytest.mark.parametrize("points,message", [("-3", "负数"), ("99999999999999999999999", "不能超过"),
                                            ("1\x00", "不允许的字符"), ("", "此字段"), ("2.5e100", "不能超过")])
def test_bad_manual_points_are_4xx_and_nothing_saved(client, users, rnd, tree, points, message):
    client.force_login(users["district_admin"])
    score = score_of(rnd, tree.branch_a, "民主测评")
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    events = AuditEvent.objects.count()
    response = client.post(f"/assessment/rounds/scores/{score.pk}/", {"points": points, "comment": "说明", "files": pdf})
    assert 400 <= response.status_code < 500
    assert message in response.content.decode() or points == "" and response.status_code == 400
    score.refresh_from_db()
    assert score.points is None and not ScoreEvidence.objects.exists() and AuditEvent.objects.count() == events


def test_evidence_removed_when_the_write_fails(rnd, tree, admin, monkeypatch):
    saved = []
    real_save = ScoreEvidence.save

    def fail_after_file(self, *args, **kwargs):
        saved.append(self.file.name)
        raise RuntimeError("disk full")

    monkeypatch.setattr(ScoreEvidence, "save", fail_after_file)
    score = score_of(rnd, tree.branch_a, "民主测评")
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with pytest.raises(RuntimeError):
        round_services.score_manual(actor=admin, score=score, points="1", comment="材料", files=[pdf])
    monkeypatch.setattr(ScoreEvidence, "save", real_save)
    from django.core.files.storage import default_storage

    assert saved and not default_storage.exists(saved[0])
    score.refresh_from_db()
    assert score.points is None


def test_bad_evidence_and_items(client, users, rnd, tree):
    client.force_login(users["district_admin"])
    score = score_of(rnd, tree.branch_a, "民主测评")
    fake = SimpleUploadedFile("材料.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(f"/assessment/rounds/scores/{score.pk}/", {"points": "1", "comment": "说明", "files": fake})
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    exe = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(f"/assessment/rounds/scores/{score.pk}/", {"points": "1", "comment": "说明", "files": exe})
    assert response.status_code == 400 and "不支持的文件类型" in response.content.decode()
    deduction = score_of(rnd, tree.branch_a, "负面清单")
    for data in ({"what": "x\x00", "happened_on": "2026-03-01"}, {"what": "x", "happened_on": "2026-13-01"},
                 {"what": "", "happened_on": "2026-03-01"}, {"what": "x", "happened_on": "2020-03-01"}):
        response = client.post(f"/assessment/rounds/scores/{deduction.pk}/items/", data)
        assert response.status_code == 400, data
    assert not ScoreItem.objects.exists()
    score.refresh_from_db()
    assert score.points is None


def _round_with(n, make_system, admin, tree, name):
    from apps.assessment import services

    orgs = [make_org(f"{name}{i}村党支部", "branch", tree.town_a, domain="village") for i in range(n)]
    group = services.group_create(actor=admin, organization=tree.district, data={"name": name, "organizations": orgs})
    system = make_system(group="a")
    system.group = group
    system.save(update_fields=["group"])
    system = services.system_publish(actor=admin, system=system)
    return make_round(admin, system)


def test_results_query_count_does_not_grow(client, users, make_system, admin, tree):
    small = _round_with(5, make_system, admin, tree, "五")
    large = _round_with(50, make_system, admin, tree, "五十")
    client.force_login(users["district_admin"])
    counts = []
    for rnd in (small, large):
        client.get(f"/assessment/rounds/{rnd.pk}/results/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/assessment/rounds/{rnd.pk}/results/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert RoundEntry.objects.filter(round=large).count() == 50
    assert Score.objects.filter(entry__round=large).count() == 400


def test_own_staff_see_their_rank_within_the_whole_round(client, users, rnd, tree, admin):
    round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_b, "民主测评"), points="2", comment="测评")
    client.force_login(users["secretary_a"])
    page = client.get(f"/assessment/rounds/{rnd.pk}/results/").content.decode()
    assert f'data-org="{tree.branch_a.pk}"' in page and f'data-org="{tree.branch_b.pk}"' not in page
    row = page.split(f'data-org="{tree.branch_a.pk}"')[1]
    assert row.split("<td>")[1].startswith("2<"), row[:200]


def test_scoring_refused_with_the_reason_on_the_pages(client, users, make_system, admin, tree):
    system = published(make_system, admin)
    draft = make_round(admin, system, open_=False)
    client.force_login(users["town_a_admin"])
    score = score_of(draft, tree.branch_a, "民主测评")
    response = client.post(f"/assessment/rounds/scores/{score.pk}/", {"points": "1", "comment": "说明"})
    assert response.status_code == 400 and "草稿须先开始评分" in response.content.decode()
    client.force_login(users["district_admin"])
    response = client.post(f"/assessment/rounds/{draft.pk}/score/")
    assert response.status_code == 400 and "草稿须先开始评分" in response.content.decode()
    now = timezone.now()
    early = make_round(admin, system, opens=now + timedelta(hours=2), closes=now + timedelta(days=2))
    response = client.post(f"/assessment/rounds/scores/{score_of(early, tree.branch_a, '民主测评').pk}/", {"points": "1", "comment": "说明"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "评分尚未开始" in response.content.decode()
    closed = make_round(admin, system)
    response = client.post(f"/assessment/rounds/{closed.pk}/close/", {"confirmed": "1"})
    assert response.status_code == 302
    response = client.post(f"/assessment/rounds/{closed.pk}/score/")
    assert response.status_code == 400 and "已结束的轮次不能再评分" in response.content.decode()
    response = client.post(f"/assessment/rounds/{closed.pk}/close/", {"confirmed": "1"})
    assert response.status_code == 400 and "只有评分中的轮次可以结束" in response.content.decode()
    assert Score.objects.filter(scored_by__isnull=False).count() == 0


def test_main_path_open_score_close_through_the_pages(client, users, make_system, admin, tree):
    rnd = make_round(admin, published(make_system, admin), open_=False)
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    assert 'data-testid="round-open"' in page and 'data-testid="round-close"' not in page
    assert client.post(f"/assessment/rounds/{rnd.pk}/open/", {"confirmed": "1"}).status_code == 302
    client.force_login(users["town_a_admin"])
    score = score_of(rnd, tree.branch_a, "民主测评")
    response = client.post(f"/assessment/rounds/scores/{score.pk}/", {"points": "2", "comment": "好"})
    assert response.status_code == 302
    client.force_login(users["district_admin"])
    assert client.post(f"/assessment/rounds/{rnd.pk}/close/", {"confirmed": "1"}).status_code == 302
    rnd.refresh_from_db()
    # 2 (民主测评) + 5 (负面清单, none) + 10 (超期诉求, none overdue: the automatic snapshot taken by the close)
    assert rnd.status == "closed" and rnd.entries.get(organization=tree.branch_a).total == 17
    client.force_login(users["secretary_a"])
    sheet = client.get(f"/assessment/rounds/entries/{score.entry_id}/").content.decode()
    assert "好" in sheet and "<form" not in sheet.split('data-testid="sheet"')[1]
    assert 'data-testid="year-total"' in sheet and "17.00" in sheet  # the year's only weight (100 %) is this round
