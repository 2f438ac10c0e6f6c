"""Verify (--check) or rebuild (--rebuild) the monthly subtree roll-ups of the submitted records (RecordMonthRollup)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.management.base import TranslatedCommand
from apps.records import rollups

SHOWN = 20


class Command(TranslatedCommand):
    help = gettext_lazy("核对（--check）或重建（--rebuild）组织生活月度汇总（党员参与、考核所用）")

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--check", action="store_true", help=_("只核对，不修改；有差异时以非零状态退出"))
        mode.add_argument("--rebuild", action="store_true", help=_("由活动纪实重建全部月度汇总"))

    def handle(self, *args, check, rebuild, **options):
        if check:
            wrong = rollups.mismatches(limit=1000)
            for (org_id, month), (stored, computed) in list(wrong.items())[:SHOWN]:
                self.stderr.write(_("组织 {org} {month}：存储 {stored}，应为 {computed}").format(
                    org=org_id, month=f"{month:%Y-%m}", stored=stored, computed=computed))
            if wrong:
                raise CommandError(_("{n} 条组织生活月度汇总与活动纪实不符；运行 record_rollups --rebuild 重建").format(
                    n=len(wrong)), returncode=1)
            self.stdout.write(_("组织生活月度汇总正确"))
            return
        self.stdout.write(_("已重建组织生活月度汇总 {n} 条").format(n=rollups.rebuild()))
