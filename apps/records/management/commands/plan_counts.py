"""Verify (--check) or rebuild (--rebuild) the stored per-day counts of planned activities and of activity records
(PlanDayCount)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.management.base import TranslatedCommand
from apps.records import plan_counts

SHOWN = 20


class Command(TranslatedCommand):
    help = gettext_lazy("核对（--check）或重建（--rebuild）活动计划每日计数（日历所用）")

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--check", action="store_true", help=_("只核对，不修改；有差异时以非零状态退出"))
        mode.add_argument("--rebuild", action="store_true", help=_("由活动计划和活动纪实重建全部每日计数"))

    def handle(self, *args, check, rebuild, **options):
        if check:
            wrong = plan_counts.mismatches()
            for (org_id, day), (stored, computed) in list(wrong.items())[:SHOWN]:
                # (plans, records) each
                self.stderr.write(_("组织 {org} {day}：存储 计划 {stored_plans}、纪实 {stored_records}，"
                                    "应为 计划 {plans}、纪实 {records}").format(
                    org=org_id, day=f"{day:%Y-%m-%d}", stored_plans=stored[0], stored_records=stored[1],
                    plans=computed[0], records=computed[1]))
            if wrong:
                raise CommandError(_("{n} 条每日计数与活动计划、活动纪实不符；运行 plan_counts --rebuild 重建").format(
                    n=len(wrong)), returncode=1)
            self.stdout.write(_("活动计划每日计数正确"))
            return
        self.stdout.write(_("已重建活动计划每日计数 {n} 条").format(n=plan_counts.rebuild()))
