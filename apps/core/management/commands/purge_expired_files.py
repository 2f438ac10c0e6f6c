from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import maintenance
from apps.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("删除过期的导入导出文件和限流计数，将中断的后台任务标记为失败，并收紧含个人信息文件的权限")

    def handle(self, *args, **options):
        figures = maintenance.run_all(media=True)
        self.stdout.write(_("中断的后台任务：{jobs}；删除过期文件：{files}；删除过期限流计数：{rows}；收紧权限：{modes}").format(
            jobs=figures["dead_jobs"], files=figures["expired_files"], rows=figures["rate_limit_rows"],
            modes=figures["modes_tightened"]))
        if "error" in figures.values():
            raise SystemExit(1)
