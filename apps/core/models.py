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

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    @property
    def percent(self):
        if self.status in (self.Status.SUCCEEDED, self.Status.REJECTED):
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.REJECTED, self.Status.FAILED)
