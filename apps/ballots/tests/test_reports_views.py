"""Pages of 三述一评's reports: the access matrix of every route (the reporter, another secretary, the township and
district administrators, a member, the auditor, the system administrator, anonymous), the main path (write the three
reports with an attachment, the leader's comment), bad input (4xx with a Chinese message, nothing saved), the
download through the access layer, the summary include, and the list's query count."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from apps.ballots import report_selectors, report_services, services
from apps.ballots.models import Subject
from apps.ballots.report_models import LeaderComment, Report, ReportFile
from tests.factories import make_member

from .test_reports import KINDS, TEXT, pdf, sanshu, write_all

pytestmark = pytest.mark.django_db

ROLES = ["secretary_a", "secretary_b", "town_a_admin", "district_admin", "member_a", "auditor", "sysadmin", "anonymous"]
SEES = {"secretary_a", "town_a_admin", "district_admin"}  # the reporter and the poll's readers
REPORTER = {"secretary_a"}
MANAGES = {"town_a_admin", "district_admin"}


@pytest.fixture
def world(tree):
    p, subject = sanshu(tree)
    write_all(tree, subject, comment=False)
    report = report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty",
                                         text=TEXT["duty"], files=[pdf()])
    return {"poll": p, "subject": subject, "file": report.files.get()}


def _want(role, sees, allowed):
    if role == "anonymous":
        return 302
    return "ok" if role in allowed else 403 if role in sees else 404


def test_access_matrix(client, tree, world):
    s, f = world["subject"].pk, world["file"].pk
    logged_in = set(ROLES) - {"anonymous"}
    routes = [
        ("get", "/ballots/reports/", {}, logged_in, logged_in),
        ("get", f"/ballots/reports/subjects/{s}/", {}, SEES, SEES),
        ("get", f"/ballots/reports/subjects/{s}/duty/", {}, SEES, REPORTER),
        ("post", f"/ballots/reports/subjects/{s}/study/", {"text": TEXT["study"]}, SEES, REPORTER),
        ("post", f"/ballots/reports/subjects/{s}/comment/", {"text": "履职尽责。"}, SEES, MANAGES),
        ("get", f"/ballots/reports/files/{f}/", {}, SEES, SEES),
        # without confirmed=1: the confirmation page only
        ("post", f"/ballots/reports/files/{f}/delete/", {}, SEES, REPORTER),
    ]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(tree.users[role])
        for method, url, data, sees, allowed in routes:
            response = getattr(client, method)(url, data)
            want = _want(role, sees, allowed)
            if want == "ok":
                assert response.status_code in (200, 302), (role, url, response.status_code)
            elif want == 302:
                assert response.status_code == 302 and "/accounts/login/" in response["Location"], (role, url)
            else:
                assert response.status_code == want, (role, url, response.status_code)
    assert ReportFile.objects.filter(pk=f).exists()  # never deleted without the confirmation


def test_my_reports_lists_only_my_subjects(client, tree, world):
    client.force_login(tree.users["secretary_a"])
    body = client.get("/ballots/reports/").content.decode()
    assert "2026年度村党组织书记三述一评" in body and "李书记" in body and "已提交 3/3" in body
    for role in ("secretary_b", "town_a_admin", "member_a"):
        client.force_login(tree.users[role])
        body = client.get("/ballots/reports/").content.decode()
        assert "李书记" not in body and "目前没有需要您撰写" in body


def test_member_accounts_write_their_own_reports(client, tree):
    """A leader whose own account is a member's (no staff role) writes from it too."""
    p, subject = sanshu(tree, reporting=False)
    Subject.objects.filter(pk=subject.pk).update(reporter=tree.users["member_a"])
    services.poll_start_reports(actor=None, poll=p)
    client.force_login(tree.users["member_a"])
    assert "李书记" in client.get("/ballots/reports/").content.decode()
    response = client.post(f"/ballots/reports/subjects/{subject.pk}/integrity/", {"text": TEXT["integrity"]})
    assert response.status_code == 302 and Report.objects.get().kind == "integrity"
    assert client.get(f"/ballots/reports/subjects/{subject.pk}/").status_code == 200


def test_main_path_write_upload_download_delete_and_comment(client, tree):
    _p, subject = sanshu(tree)
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/ballots/reports/subjects/{subject.pk}/duty/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(f"/ballots/reports/subjects/{subject.pk}/duty/",
                           {"text": TEXT["duty"], "files": [pdf(), pdf("照片.pdf")]})
    assert response.status_code == 302 and response["Location"] == "/ballots/reports/"
    item = ReportFile.objects.get(name="述职材料.pdf")
    download = client.get(f"/ballots/reports/files/{item.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 report"
    assert "attachment" in download["Content-Disposition"]
    assert client.post(f"/ballots/reports/files/{item.pk}/delete/", {"confirmed": "1"}).status_code == 302
    assert list(ReportFile.objects.values_list("name", flat=True)) == ["照片.pdf"]
    for kind in ("study", "integrity"):
        client.post(f"/ballots/reports/subjects/{subject.pk}/{kind}/", {"text": TEXT[kind]})
    assert Report.objects.count() == 3
    client.force_login(tree.users["town_a_admin"])
    page = client.get(f"/ballots/reports/subjects/{subject.pk}/").content.decode()
    assert 'data-testid="comment-form"' in page and TEXT["study"] in page and "照片.pdf" in page
    response = client.post(f"/ballots/reports/subjects/{subject.pk}/comment/", {"text": "政治坚定，履职尽责。"})
    assert response.status_code == 302 and LeaderComment.objects.get().text == "政治坚定，履职尽责。"
    # the reporter reads the comment; it prints (the print button and the letterhead blocks)
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/ballots/reports/subjects/{subject.pk}/").content.decode()
    assert "政治坚定，履职尽责。" in page and 'data-testid="print-button"' in page and 'data-testid="comment-form"' not in page


def test_the_comment_waits_for_the_three_reports(client, tree):
    _p, subject = sanshu(tree)
    client.force_login(tree.users["town_a_admin"])
    page = client.get(f"/ballots/reports/subjects/{subject.pk}/").content.decode()
    assert 'data-testid="comment-form"' not in page and 'data-testid="comment-waits"' in page
    response = client.post(f"/ballots/reports/subjects/{subject.pk}/comment/", {"text": "好"}, follow=True)
    assert response.status_code == 400 and "尚未提交" in response.content.decode()
    assert not LeaderComment.objects.exists()


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, "请填写报告内容"), ({"text": "述" * 20001}, "不能超过20000"),
    ({"text": "述职", "files": [SimpleUploadedFile("a.exe", b"MZ\x90")]}, "不支持的文件类型"),
    ({"text": "述职", "files": [SimpleUploadedFile("a.pdf", b"GIF89a")]}, "文件内容与扩展名不符"),
    ({"text": "述职\x00"}, ""),
])
def test_bad_input_is_a_400_and_nothing_saved(client, tree, data, message):
    _p, subject = sanshu(tree)
    client.force_login(tree.users["secretary_a"])
    response = client.post(f"/ballots/reports/subjects/{subject.pk}/duty/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists() and not ReportFile.objects.exists()


def test_unknown_kind_and_subject_are_404(client, tree):
    _p, subject = sanshu(tree)
    client.force_login(tree.users["secretary_a"])
    assert client.get(f"/ballots/reports/subjects/{subject.pk}/nope/").status_code == 404
    assert client.get("/ballots/reports/subjects/999999/").status_code == 404
    assert client.get("/ballots/reports/files/999999/").status_code == 404


def test_after_the_open_the_reports_are_read_only(client, tree, world):
    report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=world["subject"], text="好")
    services.poll_open(actor=tree.users["town_a_admin"], poll=world["poll"])
    client.force_login(tree.users["secretary_a"])
    s = world["subject"].pk
    page = client.get(f"/ballots/reports/subjects/{s}/duty/").content.decode()
    assert 'data-testid="report-form"' not in page and "只有述职阶段" in page
    assert 'data-testid="edit-duty"' not in client.get("/ballots/reports/").content.decode()
    response = client.post(f"/ballots/reports/subjects/{s}/duty/", {"text": "开票后改"})
    assert response.status_code == 400 and Report.objects.get(kind="duty").text == TEXT["duty"]
    response = client.post(f"/ballots/reports/files/{world['file'].pk}/delete/", {"confirmed": "1"}, follow=True)
    assert "只有述职阶段" in response.content.decode() and ReportFile.objects.exists()


def test_summary_include(tree, world):
    report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=world["subject"], text="点评内容甲")
    subject = report_selectors.with_reports(Subject.objects.filter(pk=world["subject"].pk)).get()
    html = render_to_string("ballots/reports/summary.html", {"subject": subject})
    assert all(TEXT[k] in html for k in KINDS) and "点评内容甲" in html
    assert f"/ballots/reports/files/{world['file'].pk}/" in html and "<details" in html and " open" not in html
    html = render_to_string("ballots/reports/summary.html", {"subject": subject, "nolinks": True, "open": True})
    assert "/ballots/reports/files/" not in html and "述职材料.pdf" in html and " open" in html


def test_my_list_query_count_is_flat(client, tree, django_assert_max_num_queries):
    for n in range(4):
        p, subject = sanshu(tree, reporting=False) if n == 0 else (None, None)
        if n:
            p = services.poll_create(actor=None, organization=tree.town_a, kind="sanshu",
                                     data={"year": 2026, "title": f"测评{n}"})
            subject = services.subject_add(actor=None, poll=p, name=f"书记{n}", organization=tree.branch_a,
                                           member=make_member(tree.branch_a, f"书记{n}"),
                                           reporter=tree.users["secretary_a"])
        services.poll_start_reports(actor=None, poll=p)
        write_all(tree, subject, comment=n % 2 == 0)
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="x",
                                    files=[pdf()])
    client.force_login(tree.users["secretary_a"])
    with django_assert_max_num_queries(12):
        body = client.get("/ballots/reports/").content.decode()
    assert body.count('data-testid="my-subject"') == 4
