from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.access import policy
from apps.orgs import selectors as org_selectors


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    user = request.user
    if not policy.has_capability(user, policy.ORG_VIEW):
        if policy.is_member_self_service(user):
            return redirect("members:me")
        if policy.has_capability(user, policy.CASE_VIEW):
            return redirect("cases:list")
        if policy.has_capability(user, policy.AUDIT_VIEW):
            return redirect("audit:list")
        if policy.has_capability(user, policy.SYSTEM_MANAGE):
            return redirect("accounts:users")
        return render(request, "core/no_role.html", status=403)
    roots = list(policy.visible_orgs(user).filter(path__in=policy.scope_paths(user, policy.ORG_VIEW)))
    summaries = [(org, org_selectors.subtree_counts(org), org_selectors.domain_breakdown(org)) for org in roots]
    reminders = org_selectors.term_reminders(policy.visible_orgs(user))
    return render(request, "core/home.html", {"summaries": summaries, "reminders": reminders[:10],
                                              "reminder_count": reminders.count(), "section": "home",
                                              "org_life": _org_life(user, roots), "cases": _cases(user)})


def _org_life(user, roots):
    """This month's compliance for each root of the user's scope, and (for record keepers) what is due."""
    from django.utils import timezone

    from apps.records import compliance
    from apps.records.periods import period_containing

    if not policy.has_capability(user, policy.RECORD_VIEW):
        return None
    period = period_containing("month", timezone.localdate())
    tables = [(org, compliance.compliance_table(org, period)["total"].total) for org in roots]
    due = None
    if policy.has_capability(user, policy.RECORD_MANAGE):
        due = sum(len(item["orgs"]) for item in compliance.due_soon(policy.visible_orgs(user, policy.RECORD_MANAGE)))
    return {"period": period, "tables": tables, "due": due}


def _cases(user):
    from apps.cases.selectors import home_figures

    return home_figures(user)


def _own_job(request, pk):
    from django.http import Http404

    from .models import Job

    job = Job.objects.filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404(_("未找到该任务"))
    return job


@login_required
def job_detail(request, pk):
    from .jobs import fail_if_dead, with_live_progress

    # A job whose process died is shown as interrupted, not as running forever.
    job = with_live_progress(fail_if_dead(_own_job(request, pk)))
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    section = "import" if job.kind.endswith("_import") else "compliance" if job.kind.startswith("compliance") else "members"
    return render(request, template, {"job": job, "section": section})


@login_required
def job_download(request, pk):
    from pathlib import Path

    from django.conf import settings
    from django.http import FileResponse, Http404

    from .errors import respond

    job = _own_job(request, pk)
    if job.status != job.Status.SUCCEEDED or not (job.output_file or job.output_name):
        raise Http404(_("文件不存在或已过期"))
    if job.files_expired or not job.output_file or not Path(job.output_file).exists():
        # Exports may hold full ID numbers: they are deleted JOB_FILES_TTL_HOURS after the job (Gone, not Not Found).
        return respond(request, 410, _("该文件已超过保留期限（{hours}小时）并已删除，请重新导出").format(hours=settings.JOB_FILES_TTL_HOURS))
    return FileResponse(open(job.output_file, "rb"), as_attachment=True, filename=job.output_name or "export.xlsx")


@login_required
def job_errors(request, pk):
    """The row-by-row error report of a rejected import, as a spreadsheet."""
    import io

    from django.http import FileResponse, Http404

    from .excel import ExportWorkbook

    job = _own_job(request, pk)
    if job.status != job.Status.REJECTED:
        raise Http404(_("该任务没有错误报告"))
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("错误报告"))
    ws.append([_("行号"), _("列"), _("原因")])
    for e in job.result.get("errors", []):
        ws.append([e.get("row"), e.get("column"), e.get("reason")])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=_("导入错误报告.xlsx"))
