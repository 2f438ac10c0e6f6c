from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def readyz(request):
    """Readiness of this web server: the database and the cache answer (503 otherwise). The workers' figures (live
    workers, queued tasks, the oldest one's age, `workers_ok`) are information for monitoring, never a 503: a worker
    problem must not take every web server out of the load balancer. Counts only: no host names, no task contents."""
    from .workers import readiness

    ready, figures = readiness()
    return JsonResponse(figures, status=200 if ready else 503)


def _own_job(request, pk):
    from django.http import Http404

    from .models import Job

    job = Job.objects.filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404(_("未找到该任务"))
    return job


@login_required
def job_detail(request, pk):
    from .jobs import fail_if_dead, page_context

    # A job whose process died is shown as interrupted, not as running forever. Its progress is the row's: a worker
    # writes it, also from inside a long transaction (its heartbeat thread, apps.core.jobs.beat).
    job = fail_if_dead(_own_job(request, pk))
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job, **page_context(job)})


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


@login_required
@require_POST
def job_retry(request, pk):
    """重试 a failed job (e.g. its worker was killed): the kind's audited service queues it again with its stored input."""
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from .errors import respond
    from .jobs import kind_of

    job = _own_job(request, pk)  # as the job page: only its starter
    kind = kind_of(job)
    if kind.retry is None or job.status != job.Status.FAILED:
        return respond(request, 409, _("只有失败的任务可以重试"))
    try:
        kind.retry(actor=request.user, job=job, request=request)
    except ValidationError as exc:
        return respond(request, 409, "；".join(exc.messages))
    return redirect("core:job", job.pk)
