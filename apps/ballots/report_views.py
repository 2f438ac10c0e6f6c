"""Pages of 三述一评's reports under /ballots/reports/: 我的述职述学述廉 (the subjects whose reporter is the user, any
role), writing one report with its attachments, a subject's three reports and the leader's comment (read, printed on
A4; the comment form for the poll's managers), an attachment downloaded (through the access layer, never MEDIA_URL)
or removed.

Access: a subject is reached by its reporter or a reader of its poll (BALLOT_VIEW), else 404 (report_selectors);
only the reporter writes (403 to the poll's readers), only BALLOT_MANAGE comments; the services check again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_refusal, apply_validation_error

from . import report_selectors, report_services, services, states
from .report_forms import CommentForm, ReportForm
from .report_models import ReportFile, ReportKind

DELETE_FILE_QUESTION = gettext_noop("确定删除这个附件？")


@login_required
def my_reports(request):
    rows = []
    for subject in report_selectors.my_subjects(request.user):
        reports = report_selectors.report_rows(subject)
        rows.append({"subject": subject, "reports": reports, "comment": report_selectors.leader_comment(subject),
                     "done": sum(1 for _k, _l, r in reports if r)})
    return render(request, "ballots/reports/mine.html", {"rows": rows, "section": "ballots"})


def _subject_context(request, subject, **extra):
    poll = subject.poll
    can_manage = services.may_manage(request.user, poll)
    rows = report_selectors.report_rows(subject)
    return {"subject": subject, "poll": poll, "rows": rows, "comment": report_selectors.leader_comment(subject),
            "is_reporter": subject.reporter_id == request.user.pk, "section": "ballots", "can_manage": can_manage,
            "can_comment": can_manage and states.allows("report", poll) and all(r for _k, _l, r in rows),
            "comment_form": extra.pop("comment_form", None), **extra}


@login_required
def subject_reports(request, pk):
    subject = report_selectors.subject_for(request.user, pk)
    context = _subject_context(request, subject)
    if context["can_comment"] and context["comment_form"] is None:
        context["comment_form"] = CommentForm(initial={"text": context["comment"].text if context["comment"] else ""})
    return render(request, "ballots/reports/subject.html", context)


def _kind(kind):
    if kind not in ReportKind.values:
        raise Http404(_("未找到该报告类别"))
    return ReportKind(kind)


@login_required
def report_edit(request, pk, kind):
    subject = report_selectors.subject_for(request.user, pk, reporter_only=True)
    kind = _kind(kind)
    report = next((r for k, _l, r in report_selectors.report_rows(subject) if k == kind.value), None)
    form = ReportForm(request.POST or None, initial={"text": report.text if report else ""})
    if request.method == "POST" and form.is_valid():
        try:
            report_services.report_save(actor=request.user, subject=subject, kind=kind.value,
                                        text=form.cleaned_data["text"], files=request.FILES.getlist("files"),
                                        request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已保存{kind}报告").format(kind=kind.label))
            return redirect("ballots:reports_mine")
    return render(request, "ballots/reports/edit.html", {
        "subject": subject, "poll": subject.poll, "kind": kind, "report": report, "form": form, "section": "ballots",
        "files_max": report_services.FILES_MAX, "file_max_mb": report_services.FILE_MAX_MB,
        "types": "、".join(t[1:] for t in report_services.FILE_TYPES), "delete_question": _(DELETE_FILE_QUESTION)},
        status=400 if form.is_bound else 200)


@login_required
@require_POST
def comment_save(request, pk):
    subject = report_selectors.subject_for(request.user, pk, manage=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            report_services.leader_comment_save(actor=request.user, subject=subject, text=form.cleaned_data["text"],
                                                request=request)
        except ValidationError as exc:
            apply_refusal(request, form, exc)
        else:
            messages.success(request, _("已保存领导点评"))
            return redirect("ballots:reports_subject", subject.pk)
    context = _subject_context(request, subject, comment_form=form)
    return render(request, "ballots/reports/subject.html", context, status=400)


@login_required
def file_download(request, pk):
    item = policy.get(ReportFile, request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在")) from None
    return FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)


@login_required
@require_POST
def file_delete(request, pk):
    item = policy.get(ReportFile, request.user, pk)
    subject = item.report.subject
    if subject.reporter_id != request.user.pk:
        raise PermissionDenied(_("只有测评对象本人可以删除报告附件"))
    back = reverse("ballots:reports_edit", args=[subject.pk, item.report.kind])
    if not confirmed(request):
        return confirm_page(request, title=_("删除附件"), message=_(DELETE_FILE_QUESTION), label=_("确认删除"), back=back,
                            details=[item.name], button_class="btn-danger")
    try:
        report_services.report_file_delete(actor=request.user, item=item, request=request)
    except ValidationError as exc:
        apply_refusal(request, None, exc)
        return redirect(back)
    messages.success(request, _("已删除附件“{name}”").format(name=item.name))
    return redirect(back)
