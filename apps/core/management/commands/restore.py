from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import backup
from apps.core.management.base import TranslatedCommand

from .backup import keys_reminder


class Command(TranslatedCommand):
    help = gettext_lazy("从 manage.py backup 生成的备份文件恢复数据库和上传文件（先完整校验，再覆盖）")

    def add_arguments(self, parser):
        parser.add_argument("archive", help=_("备份文件（.tar.gz）"))
        parser.add_argument("--force", action="store_true",
                            help=_("数据库中已有数据时也恢复（覆盖全部数据和上传文件）"))

    def handle(self, *args, **options):
        try:
            result = backup.restore_archive(options["archive"], force=options["force"], log=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(_("恢复完成：{created} 的备份（{engine}），{tables} 张表、{rows} 行，校验一致；上传文件 {files} 个，"
                            "校验一致。").format(created=manifest["created_at"], engine=manifest["database"]["engine"],
                                             tables=result.tables, rows=result.rows, files=result.files))
        if result.emptied_tables:
            self.stdout.write(_("登录会话和 API 令牌不在备份中（{tables} 为空）：所有用户须重新登录，API 令牌须重新生成"
                                "（“个人设置”页面或 manage.py issue_api_token）。").format(
                tables="、".join(result.emptied_tables)))
        if result.migrations_applied:
            self.stdout.write(_("已执行数据库迁移 {n} 个：{names}").format(
                n=len(result.migrations_applied), names=", ".join(result.migrations_applied)))
        self.stderr.write(self.style.WARNING(_("请确认本服务器使用与备份时相同的加密密钥。") + keys_reminder()))
