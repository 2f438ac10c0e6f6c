import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A long-running job (import, export, report) whose progress a user can watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        REJECTED = "rejected", _("未通过校验")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("名称"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    phase = models.CharField(_("阶段"), max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_file = models.CharField(max_length=300, blank=True)
    output_file = models.CharField(max_length=300, blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    # Written by the running process at least every JOB_HEARTBEAT_SECONDS (apps.core.jobs); a queued or running job
    # whose heartbeat is older than JOB_STALE_MINUTES died with its process and is marked failed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The queued task (django_tasks_db's DBTaskResult) that runs it, and the worker (Worker.worker_id) running it.
    task_id = models.UUIDField(null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True)
    # Raised by each 重试 (jobs.reset_failed). A run writes only while the row still has its attempt: the run of an
    # attempt declared dead may still be going (a paused worker), and must not touch the retry's row or files.
    attempt = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="core_job_status_heartbeat")]

    @property
    def percent(self):
        if self.status in (self.Status.SUCCEEDED, self.Status.REJECTED):
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.REJECTED, self.Status.FAILED)

    # For the job page: which outcome to show, without status literals in the template.
    @property
    def is_succeeded(self):
        return self.status == self.Status.SUCCEEDED

    @property
    def is_rejected(self):
        return self.status == self.Status.REJECTED

    @property
    def files_expire_at(self):
        """When the periodic clean-up deletes this job's files (JOB_FILES_TTL_HOURS after it finished)."""
        from datetime import timedelta

        return self.finished_at + timedelta(hours=settings.JOB_FILES_TTL_HOURS) if self.finished_at else None

    @property
    def files_expired(self):
        from django.utils import timezone

        return self.files_expire_at is not None and timezone.now() >= self.files_expire_at


class RateCounter(models.Model):
    """One window of an atomic counter (apps.core.ratelimit): login failures per address, wrong query codes, spent
    one-time tokens. The key is a keyed hash, so no address or phone number is stored; rows expire and are purged."""

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")
        constraints = [models.UniqueConstraint(fields=["scope", "key_hash", "window_start"], name="core_ratecounter_window")]


class Worker(models.Model):
    """A `manage.py worker` process: its row is written every JOB_HEARTBEAT_SECONDS (readiness counts the live ones;
    a running job whose worker's row is gone or silent for JOB_STALE_MINUTES died with it) and deleted on exit."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("后台进程")
        verbose_name_plural = _("后台进程")


class ScheduledRun(models.Model):
    """One periodic task queued for one time slot: the unique row is the claim, so with any number of workers each
    slot's task is queued once (the first worker's insert wins, the others' fail)."""

    name = models.CharField(max_length=40)
    slot = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("定期任务")
        verbose_name_plural = _("定期任务")
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="core_scheduledrun_once_per_slot")]
