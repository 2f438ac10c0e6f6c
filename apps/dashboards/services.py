"""The dashboards' one write: the audit trail's export, a background job (a whole district's trail runs to millions
of rows). The job row keeps the page's filters encrypted (an account name, the start of a person's name); the worker
runs them again within its starter's audit scope as it is then, and writes the workbook the page's export wrote."""

import json
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit import display
from apps.audit.services import Action, audit_record
from apps.core import crypto, jobs
from apps.core.dbrouter import reading_from_replica
from apps.core.excel import ExportWorkbook
from apps.core.models import Job

from .audit_filters import audit_filter, batched, event_row

AUDIT_EXPORT = "audit_export"
_CHUNK = 2000
_VALUE_CHARS = 2000  # a changed value longer than this is cut (the page shows 200)


def _check_auditor(actor):
    if not policy.has_capability(actor, policy.AUDIT_VIEW):
        raise PermissionDenied(_("只有审计员可以查看审计记录"))


def _audited(actor, request, note):
    # A read of the trail (personal data among it), recorded with the job that makes it.
    audit_record(actor=actor, action=Action.EXPORT, object_type="audit.auditevent", object_repr="审计记录导出",
                 request=request, note=note[:250])


def audit_export_start(*, actor, filters: QueryDict, request=None) -> Job:
    """Export the events the audit log's `filters` select; the job and its audit row are written together and the
    job is queued once both are committed."""
    _check_auditor(actor)
    if not audit_filter(filters, actor).form.is_valid():
        raise ValidationError(_("筛选条件有误，无法导出"))
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.JOBS_DIR / f"audit-{uuid.uuid4().hex}.xlsx"
    sealed = crypto.encrypt(json.dumps({key: values for key, values in filters.lists() if key != "page"}))
    with transaction.atomic():
        job = Job.objects.create(kind=AUDIT_EXPORT, title=_("导出审计记录"), created_by=actor, output_file=str(path),
                                 output_name=_("审计记录.xlsx"), params={"_filters": sealed})
        _audited(actor, request, str(filters.dict()))
    return jobs.start(job)


def audit_export_retry(*, actor, job, request=None) -> Job:
    """重试 a failed audit export: the same filters, on the same job page; audited as the export was."""
    _check_auditor(actor)
    with transaction.atomic():
        if not jobs.reset_failed(job):
            raise ValidationError(_("只有失败的任务可以重试"))
        _audited(actor, request, _("重试后台任务：{title}").format(title=job.title))
    return jobs.start(job)


def _stored_filters(job) -> QueryDict:
    filters = QueryDict(mutable=True)
    for key, values in json.loads(crypto.decrypt(job.params.get("_filters", "")) or "{}").items():
        filters.setlist(key, values)
    return filters


def audit_export_job(job, progress):
    """The export job's work, in a worker: the stored filters within the starter's audit scope as it is now."""
    actor = job.created_by
    if not policy.has_capability(actor, policy.AUDIT_VIEW):
        raise jobs.JobRejected({"message": _("只有审计员可以查看审计记录")})
    f = audit_filter(_stored_filters(job), actor)
    if not f.form.is_valid():  # e.g. the organization chosen has left the starter's scope since
        raise jobs.JobRejected({"message": _("筛选条件有误，无法导出")})
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("审计记录"))
    ws.append([_("时间"), _("操作人"), _("操作"), _("对象类型"), _("对象ID"), _("对象"), "IP", _("说明"), _("变更")])
    done = 0
    # The whole filtered trail, from the replica (it may lack the last moment's rows); the job's progress writes and
    # its reads of the job row stay on the primary (the job opts in: a context variable crosses no process).
    with reading_from_replica():
        queryset = f.qs.order_by("-at", "-id")
        total = queryset.count()
        progress(0, total, _("导出中"), force=True)
        for chunk in batched(queryset.iterator(chunk_size=_CHUNK), _CHUNK):
            reader = display.Reader(chunk, limit=_VALUE_CHARS)  # foreign keys of the chunk, one query per related model
            for e in reader.events:
                row = event_row(reader, e)
                changes = "；".join(c.as_text() for c in row["changes"])
                ws.append([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.get_action_display(),
                           row["object_type"], e.object_id, row["object_repr"], e.ip, row["note"], changes[:30000]])
            done += len(chunk)
            progress(done, max(total, done))
    wb.save(job.output_file)
    return {"message": _("已导出{n}条审计记录").format(n=done), "rows": done}
