"""三述一评's reports: who writes them (the subject's own account only), when (述职述学述廉 only), the leader's comment
(BALLOT_MANAGE, after the three reports), the vote refused until every subject has all of them (a Chinese message
naming who lacks what), bad input refused with nothing half-saved (files included), the audit trail, and the scope
of the reports (the poll's readers and the reporter)."""

import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.access import policy
from apps.audit.models import AuditEvent
from apps.ballots import report_services, services
from apps.ballots.models import Channel, PollKind, PollStatus
from apps.ballots.report_models import LeaderComment, Report, ReportFile
from apps.ballots.scopes import BALLOT_VIEW
from tests.factories import make_member

from .poll_helpers import poll as make_poll

pytestmark = pytest.mark.django_db

KINDS = ("duty", "study", "integrity")
TEXT = {"duty": "一年来，带领支部班子落实“三会一课”，领办合作社，村集体经济收入增长。",
        "study": "系统学习党的二十大精神，参加集中轮训，撰写心得体会。",
        "integrity": "严格遵守中央八项规定精神，没有违规收受礼品礼金。"}


def pdf(name="述职材料.pdf", body=b"%PDF-1.4 report"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def sanshu(tree, *, reporting=True, voters=True):
    """A 三述一评 of township A over branch A's secretary (secretary_a's account writes the reports), in 述职."""
    p = make_poll(tree, PollKind.SANSHU, title="2026年度村党组织书记三述一评")
    leader = make_member(tree.branch_a, "李书记")
    subject = services.subject_add(actor=None, poll=p, name="李书记", organization=tree.branch_a, member=leader,
                                   post="党支部书记", reporter=tree.users["secretary_a"])
    if voters:
        services.voters_add_members(actor=None, poll=p, members=[tree.member_a], channel=Channel.ONLINE)
    if reporting:
        p = services.poll_start_reports(actor=None, poll=p)
    subject.refresh_from_db()
    return p, subject


def write_all(tree, subject, *, actor="secretary_a", comment=True):
    for kind in KINDS:
        report_services.report_save(actor=tree.users[actor], subject=subject, kind=kind, text=TEXT[kind])
    if comment:
        report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=subject, text="履职尽责，成效明显。")


def test_the_reporter_writes_the_three_reports(tree):
    p, subject = sanshu(tree)
    r = report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text=TEXT["duty"],
                                    files=[pdf()])
    assert (r.kind, r.text, r.files.get().name) == ("duty", TEXT["duty"], "述职材料.pdf")
    assert r.files.get().content_type == "application/pdf" and r.files.get().file.read() == b"%PDF-1.4 report"
    # rewritten: one report per kind, text replaced, attachments kept
    again = report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="修改后的述职")
    assert again.pk == r.pk and Report.objects.get().text == "修改后的述职" and ReportFile.objects.count() == 1
    events = list(AuditEvent.objects.filter(object_type__startswith="ballots.report").order_by("id")
                  .values_list("object_type", "action"))
    assert events == [("ballots.report", "create"), ("ballots.reportfile", "create"), ("ballots.report", "update")]


@pytest.mark.parametrize("actor", ["secretary_b", "town_a_admin", "district_admin", "member_a"])
def test_only_the_reporter_writes(tree, actor):
    _p, subject = sanshu(tree)
    with pytest.raises(PermissionDenied, match="本人"):
        report_services.report_save(actor=tree.users[actor], subject=subject, kind="duty", text="代写")
    assert not Report.objects.exists()


def test_a_subject_without_reporter_cannot_be_written_by_anyone(tree):
    p, subject = sanshu(tree)
    subject.reporter = None
    subject.save()
    with pytest.raises(PermissionDenied):
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="x")


def test_reports_only_while_reporting(tree):
    p, subject = sanshu(tree, reporting=False)
    with pytest.raises(ValidationError, match="只有述职阶段"):
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text=TEXT["duty"])
    p = services.poll_start_reports(actor=None, poll=p)
    write_all(tree, subject)
    report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="study", text=TEXT["study"],
                                files=[pdf()])
    services.poll_open(actor=tree.users["town_a_admin"], poll=p)
    with pytest.raises(ValidationError, match="只有述职阶段"):
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="开票后改")
    with pytest.raises(ValidationError, match="只有述职阶段"):
        report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=subject, text="开票后改")
    with pytest.raises(ValidationError, match="只有述职阶段"):
        report_services.report_file_delete(actor=tree.users["secretary_a"], item=ReportFile.objects.get())
    assert ReportFile.objects.count() == 1
    assert Report.objects.get(kind="duty").text == TEXT["duty"]


def test_other_polls_take_no_reports(tree):
    p = make_poll(tree, PollKind.TWO_WAY)
    subject = services.subject_add(actor=None, poll=p, name="甲村党支部委员会", organization=tree.branch_a,
                                   reporter=tree.users["secretary_a"])
    with pytest.raises(ValidationError, match="只有三述一评"):
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="x")


@pytest.mark.parametrize("kind, text, message", [
    ("duty", "", "请填写述职报告"), ("study", "好\x00", "不允许的字符"), ("integrity", "廉" * 20001, "不能超过20000"),
    ("nope", "x", "报告类别不正确")])
def test_bad_input_is_refused_and_nothing_saved(tree, kind, text, message):
    _p, subject = sanshu(tree)
    with pytest.raises(ValidationError, match=message):
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind=kind, text=text,
                                    files=[pdf()])
    assert not Report.objects.exists() and not ReportFile.objects.exists()


def test_bad_files_are_refused_and_nothing_stored(tree, settings):
    _p, subject = sanshu(tree)
    media = settings.MEDIA_ROOT

    def stored():
        return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []

    for files, message in ([pdf(body=b"MZ not a pdf")], "不符"), ([SimpleUploadedFile("a.exe", b"MZ")], "不支持"), \
            ([pdf(f"{i}.pdf") for i in range(6)], "最多5个"), ([pdf(), pdf(body=b"")], "空"):
        with pytest.raises(ValidationError, match=message):
            report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="述职",
                                        files=files)
    assert not Report.objects.exists() and not ReportFile.objects.exists() and stored() == []
    # a good file saved, then a failure later in the same write deletes what it stored
    report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="述职",
                                files=[pdf(f"{i}.pdf") for i in range(4)])
    with pytest.raises(ValidationError, match="最多5个"):
        report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="述职",
                                    files=[pdf("5.pdf"), pdf("6.pdf")])
    assert ReportFile.objects.count() == 4 and len(stored()) == 4


def test_an_attachment_removed_by_the_reporter(tree, django_capture_on_commit_callbacks):
    _p, subject = sanshu(tree)
    report = report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="述职",
                                         files=[pdf()])
    item = report.files.get()
    path = item.file.path
    with pytest.raises(PermissionDenied):
        report_services.report_file_delete(actor=tree.users["town_a_admin"], item=item)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_file_delete(actor=tree.users["secretary_a"], item=item)
    assert not ReportFile.objects.exists() and not os.path.exists(path)
    assert AuditEvent.objects.filter(object_type="ballots.reportfile", action="delete").count() == 1


def test_the_leader_comments_after_the_three_reports(tree):
    _p, subject = sanshu(tree)
    report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text=TEXT["duty"])
    with pytest.raises(ValidationError, match="李书记的述学、述廉报告尚未提交"):
        report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=subject, text="好")
    write_all(tree, subject, comment=False)
    for actor in ("secretary_a", "secretary_b", "member_a"):  # the reporter does not comment on themselves
        with pytest.raises(PermissionDenied, match="组织单位"):
            report_services.leader_comment_save(actor=tree.users[actor], subject=subject, text="好")
    with pytest.raises(ValidationError, match="请填写点评内容"):
        report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=subject, text="  ")
    with pytest.raises(ValidationError, match="不能超过2000"):
        report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=subject, text="好" * 2001)
    c = report_services.leader_comment_save(actor=tree.users["town_a_admin"], subject=subject, text="履职尽责。")
    assert (c.text, c.by) == ("履职尽责。", tree.users["town_a_admin"])
    c = report_services.leader_comment_save(actor=tree.users["district_admin"], subject=subject, text="再点评。")
    assert LeaderComment.objects.get().text == "再点评。" and c.by == tree.users["district_admin"]
    assert list(AuditEvent.objects.filter(object_type="ballots.leadercomment").order_by("id")
                .values_list("action", flat=True)) == ["create", "update"]


def test_the_vote_opens_only_when_every_subject_has_everything(tree):
    p2, s1 = sanshu(tree, reporting=False)
    s2 = services.subject_add(actor=None, poll=p2, name="王书记", organization=tree.branch_a, member=make_member(tree.branch_a, "王书记"),
               reporter=tree.users["secretary_b"])
    p2 = services.poll_start_reports(actor=None, poll=p2)
    with pytest.raises(ValidationError) as refused:
        services.poll_open(actor=tree.users["town_a_admin"], poll=p2)
    message = " ".join(refused.value.messages)
    assert "李书记（缺述职、述学、述廉、领导点评）" in message and "王书记（缺述职、述学、述廉、领导点评）" in message
    write_all(tree, s1)
    report_services.report_save(actor=tree.users["secretary_b"], subject=s2, kind="duty", text="述职")
    with pytest.raises(ValidationError, match="王书记（缺述学、述廉、领导点评）") as refused:
        services.poll_open(actor=tree.users["town_a_admin"], poll=p2)
    assert "李书记" not in " ".join(refused.value.messages)
    write_all(tree, s2, actor="secretary_b")
    p2 = services.poll_open(actor=tree.users["town_a_admin"], poll=p2)
    assert p2.status == PollStatus.OPEN


def test_other_kinds_open_without_reports(tree):
    from .poll_helpers import open_two_way

    assert open_two_way(tree).status == PollStatus.OPEN


def test_scope_the_readers_of_the_poll_and_the_reporter(tree):
    _p, subject = sanshu(tree)
    write_all(tree, subject)
    report_services.report_save(actor=tree.users["secretary_a"], subject=subject, kind="duty", text="述职",
                                files=[pdf()])
    report, item, comment = Report.objects.get(kind="duty"), ReportFile.objects.get(), LeaderComment.objects.get()
    sees = {"secretary_a", "town_a_admin", "district_admin"}
    for role, user in tree.users.items():
        for model, obj in ((Report, report), (ReportFile, item), (LeaderComment, comment)):
            listed = policy.restrict(model, user).filter(pk=obj.pk).exists()
            assert listed == (role in sees), (role, model)
            assert policy.can(user, BALLOT_VIEW, obj) == (role in sees), (role, model)
