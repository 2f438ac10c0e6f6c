from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import backup
from apps.core.management.base import TranslatedCommand


def keys_reminder():
    return _("提醒：备份中不含加密密钥。FIELD_ENCRYPTION_KEY（身份证号、手机号的加密密钥）、FIELD_HASH_KEY（按号码精确查询的"
             "散列密钥）和 SECRET_KEY 须另行备份（在环境文件中，或在 {var} 下的 field_encryption_key、field_hash_key、"
             "secret_key 文件中），并与备份分开存放。没有这些密钥，备份中的个人信息无法解密，备份即无用。").format(
        var=settings.VAR_DIR)


class Command(TranslatedCommand):
    help = gettext_lazy("备份数据库和上传文件到一个 .tar.gz 文件（含校验清单，不含加密密钥）")

    def add_arguments(self, parser):
        parser.add_argument("--output", default=None,
                            help=_("备份文件存放的目录（默认 VAR_DIR/backups）"))

    def handle(self, *args, **options):
        output = Path(options["output"] or Path(settings.VAR_DIR) / "backups")
        try:
            result = backup.create_archive(output, log=lambda message: self.stderr.write(self.style.WARNING(message)))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(_("备份完成：{path}（{size:.1f} MB，权限 0600）").format(
            path=result.path, size=result.size / 1e6))
        self.stdout.write(_("数据库（{engine}）：{tables} 张表，{rows} 行；上传文件：{files} 个").format(
            engine=manifest["database"]["engine"], tables=len(manifest["tables"]), rows=rows,
            files=len(manifest["media"])))
        if manifest["emptied_tables"]:
            self.stdout.write(_("不含登录会话和 API 令牌（{tables}，表已备份为空）：恢复后所有用户须重新登录，"
                                "API 令牌须重新生成。").format(tables="、".join(manifest["emptied_tables"])))
        self.stderr.write(self.style.WARNING(keys_reminder()))
