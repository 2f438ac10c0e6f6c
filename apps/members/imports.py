"""Starting import and export jobs for the member registry (the views stay thin)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record
from apps.core import jobs
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
    created, updated = services.member_import_apply(actor=actor, rows=rows,
                                                    on_progress=lambda done: progress(len(rows) + done, total))
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
    job = Job.objects.create(kind="member_import", title=_("导入党员：{name}").format(name=name[:100]), created_by=actor, input_file=str(path))
    scope_ids = list(policy.restrict(Organization, actor, policy.MEMBER_IMPORT).values_list("pk", flat=True))

    def work(job, progress):
        try:
            return run_import(job, progress, actor=actor, scope_org_ids=scope_ids)
        except (OSError, KeyError, ValueError) as exc:
            if isinstance(exc, jobs.JobRejected):
                raise
            raise jobs.JobRejected({"message": _("无法读取该文件，请确认是有效的Excel（.xlsx）文件"), "errors": []}) from exc
        finally:
            path.unlink(missing_ok=True)

    return jobs.start(job, work)


def member_export_start(*, actor, queryset, params, request=None) -> Job:
    unmask = policy.has_capability(actor, policy.MEMBER_UNMASK) and params.get("unmask") == "1"
    if unmask:
        # Unmasked exports only of members all within the unmask scope.
        queryset = queryset.filter(policy.subtree_q(policy.scope_paths(actor, policy.MEMBER_UNMASK), "organization__path"))
    path = _jobs_dir() / f"export-{uuid.uuid4().hex}.xlsx"
    with transaction.atomic():  # the job and its audit row together
        job = Job.objects.create(kind="member_export", title=_("导出党员名册"), created_by=actor, output_file=str(path),
                                 output_name="党员名册.xlsx", params={k: v for k, v in params.items() if k != "page"})
        audit_record(actor=actor, action=Action.EXPORT, object_type="members.member", object_repr="党员名册导出",
                     request=request, note=("含完整身份证号；" if unmask else "") + "条件：" + (str(job.params)[:250]))
    return jobs.start(job, lambda job, progress: excel.run_export(job, progress, queryset=queryset, unmask=unmask))
