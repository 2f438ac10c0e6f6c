"""Starting import and export jobs for the member registry (the views stay thin)."""

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record
from apps.core import crypto, jobs
from apps.core.models import Job
from apps.orgs.models import Organization

from . import excel, services


def _jobs_dir():
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    return settings.JOBS_DIR


def run_import(job, progress, *, actor, scope_org_ids):
    """The import job: validate every row of the file (excel.validate_import), then write all of them through the
    member service in one transaction — or none."""
    rows = excel.validate_import(job.input_file, progress, scope_org_ids=scope_org_ids)
    total = len(rows) * 2
    progress(len(rows), total, _("写入数据"), force=True)
    with transaction.atomic():  # the rows commit only while this run is still the job's (not declared dead, retried)
        created, updated = services.member_import_apply(actor=actor, rows=rows,
                                                        on_progress=lambda done: progress(len(rows) + done, total))
        jobs.confirm_still_running(job)
    progress(total, total, _("完成"), force=True)
    return {"message": _("导入成功：新增{created}人，更新{updated}人。").format(created=created, updated=updated),
            "created": created, "updated": updated, "rows": len(rows)}


def member_import_start(*, actor, upload, request=None) -> Job:
    name = upload.name or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationError({"file": _("请上传 .xlsx 格式的Excel文件（可先下载导入模板）")})
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("文件过大，单个文件不超过{mb}MB").format(mb=settings.IMPORT_MAX_BYTES // 1024 // 1024)})
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError({"file": _("文件内容不是有效的Excel（.xlsx）文件")})
    path = _jobs_dir() / f"import-{uuid.uuid4().hex}.xlsx"
    with open(path, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    job = Job.objects.create(kind="member_import", title=_("导入党员：{name}").format(name=name[:100]),
                             created_by=actor, input_file=str(path))
    return jobs.start(job)  # queued on commit (a worker must find the row)


def import_job(job, progress):
    """The import job's work, in a worker: the uploaded file, checked against the starter's import scope as it is
    now. The input is deleted (by apps.core.jobs, only while the job is still at this attempt) once it succeeded or
    was refused; after a failure it stays for 重试."""
    actor = job.created_by
    scope_ids = list(policy.restrict(Organization, actor, policy.MEMBER_IMPORT).values_list("pk", flat=True))
    try:
        return run_import(job, progress, actor=actor, scope_org_ids=scope_ids)
    except jobs.JobRejected:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise jobs.JobRejected({"message": _("无法读取该文件，请确认是有效的Excel（.xlsx）文件"), "errors": []}) from exc


def member_export_start(*, actor, filters, params, request=None) -> Job:
    """Export the members the list's `filters` select (run again in the worker, within the exporter's scope). The
    filters may hold a number searched for: they are kept encrypted on the job, `params` (shown, audited) never do."""
    unmask = policy.has_capability(actor, policy.MEMBER_UNMASK) and params.get("unmask") == "1"
    path = _jobs_dir() / f"export-{uuid.uuid4().hex}.xlsx"
    shown = {k: v for k, v in params.items() if k != "page"}
    sealed = crypto.encrypt(json.dumps(dict(filters.lists()) if hasattr(filters, "lists") else
                                       {k: [v] for k, v in filters.items()}))
    with transaction.atomic():  # the job and its audit row together; queued once both are committed
        job = Job.objects.create(kind="member_export", title=_("导出党员名册"), created_by=actor, output_file=str(path),
                                 output_name="党员名册.xlsx", params={**shown, "_filters": sealed, "_unmask": unmask})
        audit_record(actor=actor, action=Action.EXPORT, object_type="members.member", object_repr="党员名册导出",
                     request=request, note=("含完整身份证号；" if unmask else "") + "条件：" + (str(shown)[:250]))
    return jobs.start(job)  # queued once the job and its audit row are committed


def export_job(job, progress):
    """The export job's work, in a worker: the list's filters within the exporter's export scope as it is now."""
    from django.http import QueryDict

    from .selectors import member_list

    actor = job.created_by
    filters = QueryDict(mutable=True)
    sealed = job.params.get("_filters", "")
    opened = crypto.decrypt(sealed)
    if sealed and not opened:
        # Not "no filters" (that would export the whole scope): sealed with another key, e.g. a worker on a server
        # whose FIELD_ENCRYPTION_KEY differs from the web server's.
        raise jobs.JobFailed(_("无法读取导出条件（各服务器的加密密钥不一致），请联系系统管理员统一密钥后重新导出"))
    for key, values in json.loads(opened or "{}").items():
        filters.setlist(key, values)
    queryset = member_list(actor, filters, capability=policy.MEMBER_EXPORT)[1]
    unmask = job.params.get("_unmask") and policy.has_capability(actor, policy.MEMBER_UNMASK)
    if unmask:
        # Unmasked exports only of members all within the unmask scope.
        queryset = queryset.filter(policy.subtree_q(policy.scope_paths(actor, policy.MEMBER_UNMASK), "organization__path"))
    return excel.run_export(job, progress, queryset=queryset, unmask=bool(unmask))


def member_job_retry(*, actor, job, request=None) -> Job:
    """重试 a failed import or export (interrupted with its worker, or failed): the same input file or the same
    filters, on the same job page; audited as a new import or export."""
    capability = policy.MEMBER_IMPORT if job.kind == "member_import" else policy.MEMBER_EXPORT
    if not policy.has_capability(actor, capability):
        raise PermissionDenied(_("您没有执行该任务的权限"))
    if job.kind == "member_import" and not (job.input_file and Path(job.input_file).exists()):
        raise ValidationError(_("导入文件已删除（超过保留期限），无法重试，请重新上传"))
    with transaction.atomic():
        if not jobs.reset_failed(job):
            raise ValidationError(_("只有失败的任务可以重试"))
        audit_record(actor=actor, action=Action.IMPORT if job.kind == "member_import" else Action.EXPORT,
                     object_type="core.job", object_id=str(job.pk), object_repr=job.title[:200], request=request,
                     note=_("重试后台任务"))
    return jobs.start(job)
