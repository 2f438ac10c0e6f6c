"""组织关系介绍信: numbering, validity defaults, the PDF in Chinese (pdftotext), a batch of 50, 套打, the 回执 flag
(boundary days), incoming members, 证明信/活动证, access and bad input."""

import re
import shutil
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.access.models import Role
from apps.members.models import Member
from apps.membership import transfer_pdf
from apps.membership import transfer_selectors as selectors
from apps.membership import transfer_services as services
from apps.membership.transfer_models import IncomingLetter, IntroductionLetter, IssuedDocument, Reach
from tests.factories import make_member, make_org, make_user, refresh

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def world(tree):
    tree.branch_c = make_org("丙村党支部", "branch", refresh(tree.town_a), code="A0000009", domain="village")
    tree.users["secretary_c"] = make_user("secretary_c", Role.SECRETARY, tree.branch_c)
    return tree


def _letter(world, member=None, **kw):
    return services.letter_issue(actor=world.users["secretary_a"], member=member or world.member_a,
                                 destination=kw.pop("destination", "北京市海淀区某某街道党工委"), **kw)


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_numbers_and_validity_defaults(world):
    a = _letter(world)
    b = _letter(world, reach=Reach.OUTSIDE)
    year = a.issued_on.year
    assert a.number == f"介{year}-A0000002-0001" and b.number == f"介{year}-A0000002-0002"
    assert (a.validity_days, b.validity_days) == (10, 30)
    with pytest.raises(ValidationError):
        _letter(world, validity_days=91)
    assert _letter(world, validity_days=90).validity_days == 90
    with pytest.raises(ValidationError):
        _letter(world, destination="  ")


def test_pdf_in_chinese_and_screenshot(world, client, tmp_path):
    from apps.dues.models import DuesStanding

    DuesStanding.objects.create(member=world.member_a, due_from=date(2026, 1, 1), last_covered=date(2026, 9, 1))
    letter = _letter(world)
    assert letter.dues_paid_to == date(2026, 9, 1)
    client.force_login(world.users["secretary_a"])
    r = client.get(reverse("membership:letter_pdf", args=[letter.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _text(r.content, tmp_path)
    assert "张三" in text and "北京市海淀区某某街道党工委" in text and "存根" in text and "回执" in text
    assert "2026年9月" in text and letter.number in text
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (tmp_path / "x.pdf").write_bytes(r.content)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(tmp_path / "x.pdf"),
                        str(SCREENSHOTS / "trf-letter")], check=True)
        assert (SCREENSHOTS / "trf-letter.png").stat().st_size > 1000
    page = client.get(reverse("membership:letter", args=[letter.pk])).content.decode()
    assert "letter-print" in page and "北京市海淀区某某街道党工委" in page
    member = world.member_a
    # the standard wording, each sentence whole (one msgid); the 身份证号 masked
    assert f"兹介绍{member.name}同志（{member.get_sex_display()}，" in page
    assert "，中共正式党员，身份证号" in page and "）前往北京市海淀区某某街道党工委，请转接组织关系。" in page
    assert "该同志党费已交到2026年9月。" in page and "（有效期10天）" in page
    assert member.id_masked in page and member.id_number not in page


def test_batch_of_50_in_a_few_seconds(world, client, tmp_path):
    members = [make_member(world.branch_a, f"赵{i:02d}") for i in range(50)]
    letters = [_letter(world, member=m, destination=f"某某市第{i}党支部") for i, m in enumerate(members)]
    client.force_login(world.users["secretary_a"])
    started = time.monotonic()
    r = client.post(reverse("membership:letter_batch_pdf"), {"ids": [str(x.pk) for x in letters]})
    seconds = time.monotonic() - started
    assert r.status_code == 200
    (tmp_path / "x.pdf").write_bytes(r.content)
    info = subprocess.run(["pdfinfo", str(tmp_path / "x.pdf")], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages == 50
    text = _text(r.content, tmp_path)
    assert "赵00" in text and "赵49" in text and "某某市第49党支部" in text
    print(f"batch of 50 letters: {seconds:.2f} s")
    # Target 3 s (in the request: 50 ≤ LETTER_BATCH_SYNC_MAX); measured 1.1-1.5 s warm, ~2.5 s in a fresh process on
    # the quiet 2-core machine (make bench --only letters). Four times the target: a loaded CI must not fail it.
    assert seconds < 3 * 4


def _pages(pdf: bytes, tmp_path) -> int:
    (tmp_path / "p.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(tmp_path / "p.pdf")], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("count, in_job", [(3, False), (4, True)])  # LETTER_BATCH_SYNC_MAX = 3: of, after
def test_big_batch_runs_as_a_job(world, client, settings, tmp_path, count, in_job):
    from apps.audit.models import AuditEvent
    from apps.core.models import Job

    settings.LETTER_BATCH_SYNC_MAX = 3
    members = [make_member(world.branch_a, f"钱{i:02d}") for i in range(count)]
    letters = [_letter(world, member=m, destination=f"某某县第{i}党支部") for i, m in enumerate(members)]
    client.force_login(world.users["secretary_a"])
    exports = AuditEvent.objects.filter(action="export").count()
    r = client.post(reverse("membership:letter_batch_pdf"), {"ids": [str(x.pk) for x in reversed(letters)]})
    assert AuditEvent.objects.filter(action="export").count() == exports + count  # one row per letter either way
    if not in_job:
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and not Job.objects.exists()
        return
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("core:job", args=[job.pk])
    assert job.kind == "letter_batch_pdf" and job.status == Job.Status.SUCCEEDED
    page = client.get(r["Location"]).content.decode()
    assert "job-download" in page and reverse("membership:letters") in page
    r = client.get(reverse("core:job_download", args=[job.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = b"".join(r.streaming_content)
    assert _pages(pdf, tmp_path) == count
    text = _text(pdf, tmp_path)
    assert text.index("钱03") < text.index("钱00") and "某某县第3党支部" in text  # in the order chosen
    client.force_login(world.users["town_a_admin"])  # the file is its starter's only
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
    client.force_login(world.users["secretary_a"])
    Job.objects.filter(pk=job.pk).update(finished_at=job.finished_at - timedelta(hours=settings.JOB_FILES_TTL_HOURS))
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 410  # expired like exports


def test_print_all_listed_letters(world, client, settings, tmp_path):
    """The list's 打印全部: every letter the list shows in the user's scope (its filter kept), as a job past
    LETTER_BATCH_SYNC_MAX; refused with a Chinese message past LETTER_BATCH_MAX; another branch's letters never in."""
    from apps.core.models import Job

    settings.LETTER_BATCH_SYNC_MAX, settings.LETTER_BATCH_MAX = 2, 4
    mine = [_letter(world, member=make_member(world.branch_a, f"孙{i}"), destination=f"某地第{i}党支部") for i in range(3)]
    services.letter_issue(actor=world.users["secretary_b"], member=world.member_b, destination="乙支部的去向")
    client.force_login(world.users["secretary_a"])
    page = client.get(reverse("membership:letters")).content.decode()
    assert 'data-testid="print-all"' in page and "3" in page
    r = client.post(reverse("membership:letter_batch_pdf"), {"scope": "all"})
    job = Job.objects.get()
    assert r.status_code == 302 and job.params["ids"] == [x.pk for x in reversed(mine)]
    # The overdue filter kept: none of these is overdue, so nothing to print.
    r = client.post(reverse("membership:letter_batch_pdf"), {"scope": "all", "overdue": "1"})
    assert r.status_code == 400 and "没有可打印的介绍信" in r.content.decode()
    _letter(world, member=make_member(world.branch_a, "孙3"))
    _letter(world, member=make_member(world.branch_a, "孙4"))
    r = client.post(reverse("membership:letter_batch_pdf"), {"scope": "all"})
    assert r.status_code == 400 and "超过4封" in r.content.decode() and Job.objects.count() == 1


def test_batch_reports_progress_part_by_part(world, monkeypatch):
    monkeypatch.setattr(transfer_pdf, "PART", 2)
    letters = [_letter(world, destination=f"某某镇第{i}党支部") for i in range(5)]
    calls = []
    transfer_pdf.render_pdf(letters, progress=lambda done, total, phase, force=False: calls.append((done, total, phase)))
    assert [c[0] for c in calls] == [0, 2, 4, 5] and {c[1] for c in calls} == {5 * 4 // 3 + 1}
    assert [c[2] for c in calls] == ["排版"] * 3 + ["生成PDF文件"]


def test_batch_job_checks_the_scope_again_when_it_runs(world):
    from apps.core import jobs
    from apps.core.models import Job

    letter = _letter(world)
    job = Job.objects.create(kind="letter_batch_pdf", title="x", created_by=world.users["secretary_c"],
                             output_file=str(Path(settings.JOBS_DIR) / "letters-x.pdf"), params={"ids": [letter.pk]})
    job = jobs.run(job, transfer_pdf.letter_batch_job)
    assert job.status == Job.Status.REJECTED and "权限" in job.result["message"]
    assert not Path(job.output_file).exists()


def test_batch_bad_input_and_scope(world, client):
    letter = _letter(world)
    client.force_login(world.users["secretary_c"])
    assert client.post(reverse("membership:letter_batch_pdf"), {"ids": [str(letter.pk)]}).status_code == 404
    assert client.post(reverse("membership:letter_batch_pdf"), {"ids": ["x"]}).status_code == 400
    assert client.post(reverse("membership:letter_batch_pdf"), {}).status_code == 400


def test_overlay_uses_the_district_template(world, client, tmp_path):
    letter = _letter(world)
    client.force_login(world.users["secretary_a"])
    r = client.get(reverse("membership:letter_pdf", args=[letter.pk]) + "?overlay=1")  # no layout set yet
    assert r.status_code == 400 and "尚未设置介绍信套打模板" in r.content.decode()
    client.force_login(world.users["district_admin"])
    url = reverse("membership:letter_template")
    assert client.post(url, {"name": "预印纸", "name_x": "300", "name_y": "10"}).status_code == 400
    assert client.post(url, {"name": "预印纸", "name_x": "40", "name_y": "60.5", "destination_x": "30",
                             "destination_y": "80"}).status_code == 302
    template = selectors.letter_template_for(letter.organization)
    assert template.offsets == {"name": {"x": 40.0, "y": 60.5}, "destination": {"x": 30.0, "y": 80.0}}
    fields = transfer_pdf.overlay_fields(letter, template)
    assert [f["key"] for f in fields] == ["name", "destination"]
    client.force_login(world.users["secretary_a"])
    r = client.get(reverse("membership:letter_pdf", args=[letter.pk]) + "?overlay=1")
    text = _text(r.content, tmp_path)
    assert "张三" in text and "存根" not in text
    client.force_login(world.users["secretary_a"])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("issued, today, flagged", [
    (date(2026, 1, 15), date(2026, 2, 14), False),
    (date(2026, 1, 15), date(2026, 2, 15), False),  # the day the month ends
    (date(2026, 1, 15), date(2026, 2, 16), True),
    (date(2026, 1, 31), date(2026, 2, 28), False),  # month end clamps
    (date(2026, 1, 31), date(2026, 3, 1), True),
    (date(2026, 3, 31), date(2026, 4, 30), False),
    (date(2026, 3, 31), date(2026, 5, 1), True),
])
def test_receipt_flag_boundary(world, issued, today, flagged):
    letter = _letter(world)
    IntroductionLetter.objects.filter(pk=letter.pk).update(issued_on=issued)
    letter.refresh_from_db()
    assert selectors.is_receipt_overdue(letter, today) is flagged
    assert IntroductionLetter.objects.filter(selectors.receipt_overdue_q(today), pk=letter.pk).exists() is flagged


def test_receipt_recorded_clears_the_flag(world, client):
    letter = _letter(world)
    IntroductionLetter.objects.filter(pk=letter.pk).update(issued_on=date(2026, 1, 5))
    client.force_login(world.users["secretary_a"])
    r = client.get(reverse("membership:letters") + "?overdue=1")
    assert "receipt-overdue" in r.content.decode()
    url = reverse("membership:letter_receipt", args=[letter.pk])
    assert client.post(url, {"received_on": "2025-12-01"}).status_code == 400  # before the letter
    assert client.post(url, {"received_on": "not a date"}).status_code == 400
    assert client.post(url, {"received_on": "2026-01-20"}).status_code == 302
    assert client.post(url, {"received_on": "2026-01-20"}).status_code == 400  # once
    r = client.get(reverse("membership:letters") + "?overdue=1")
    assert letter.number not in r.content.decode()


def test_incoming_member_registered_with_letter(world, client):
    client.force_login(world.users["secretary_b"])
    data = {"organization": world.branch_b.code, "name": "外来党员", "id_number": "11010519491231002X",
            "category": "full", "joined_on": "2000-07-01", "full_member_on": "2001-07-01", "letter_number": "京001",
            "issued_by_name": "北京市某党委", "issued_on": "2026-01-02"}
    r = client.post(reverse("membership:incoming_create"), {**data, "organization": world.branch_a.code})
    assert r.status_code == 400 and not Member.objects.filter(name="外来党员").exists()  # not their branch
    r = client.post(reverse("membership:incoming_create"), {**data, "id_number": "123"})
    assert r.status_code == 400 and not IncomingLetter.objects.exists()
    r = client.post(reverse("membership:incoming_create"), data)
    assert r.status_code == 302
    incoming = IncomingLetter.objects.get()
    assert incoming.member.name == "外来党员" and incoming.member.organization_id == world.branch_b.pk


def test_documents_issued_and_closed(world, client):
    client.force_login(world.users["secretary_a"])
    url = reverse("membership:document_create") + f"?member={world.member_a.pk}"
    assert client.post(url, {"kind": "bogus"}).status_code == 400
    assert client.post(url, {"kind": "certificate", "place": "深圳"}).status_code == 302
    assert client.post(url, {"kind": "flow_card"}).status_code == 302
    docs = list(IssuedDocument.objects.order_by("id"))
    assert docs[0].number.startswith("证") and docs[1].number.startswith("流")
    close = reverse("membership:document_close", args=[docs[0].pk])
    client.force_login(world.users["secretary_c"])
    assert client.post(close).status_code == 404
    client.force_login(world.users["secretary_a"])
    assert client.post(close).status_code == 302
    assert client.post(close).status_code == 400


@pytest.mark.parametrize("role, list_status, detail, pdf, receipt", [
    ("district_admin", 200, 200, 200, 302),
    ("town_a_admin", 200, 200, 200, 302),
    ("secretary_a", 200, 200, 200, 302),
    ("secretary_b", 200, 404, 404, 404),
    ("member_a", 403, 404, 404, 404),
    ("auditor", 403, 404, 404, 404),
])
def test_letter_access_matrix(world, client, role, list_status, detail, pdf, receipt):
    letter = _letter(world)
    client.force_login(world.users[role])
    assert client.get(reverse("membership:letters")).status_code == list_status
    assert client.get(reverse("membership:documents")).status_code == list_status
    assert client.get(reverse("membership:letter", args=[letter.pk])).status_code == detail
    assert client.get(reverse("membership:letter_pdf", args=[letter.pk])).status_code == pdf
    today = letter.issued_on.isoformat()
    assert client.post(reverse("membership:letter_receipt", args=[letter.pk]),
                       {"received_on": today}).status_code == receipt


def test_letter_dates_in_the_reader_language(world):
    """The letter's dates follow the language: 2026年9月 in Chinese, September 2026 in English (not 年月 in English)."""
    from django.utils import translation

    letter = _letter(world)
    letter.dues_paid_to, letter.issued_on = date(2026, 9, 1), date(2026, 10, 21)
    with translation.override("zh-hans"):
        v = transfer_pdf.letter_values(letter)
        assert (v["dues_paid_to"], v["issued_on"]) == ("2026年9月", "2026年10月21日")
    with translation.override("en"):
        v = transfer_pdf.letter_values(letter)
        assert v["dues_paid_to"] == "September 2026" and "2026" in v["issued_on"] and "年" not in v["issued_on"]


def test_no_letter_while_a_transfer_is_open_and_validity_zero_refused(world):
    from apps.membership.transfer_models import IntroductionLetter

    with pytest.raises(ValidationError, match="有效期应为1至"):
        _letter(world, validity_days=0)  # 0 is refused, not replaced by the default
    transfer = services.transfer_issue(actor=world.users["secretary_a"], member=world.member_a,
                                       to_organization=world.branch_b, reason="工作调动")
    with pytest.raises(ValidationError, match="正在办理的组织关系转接"):
        _letter(world)
    transfer = services.transfer_reject(actor=world.users["secretary_b"], transfer=transfer, reason="不接收")
    services.transfer_withdraw(actor=world.users["secretary_a"], transfer=transfer)  # withdrawn after the rejection
    assert _letter(world).number and IntroductionLetter.objects.filter(member=world.member_a).count() == 1
