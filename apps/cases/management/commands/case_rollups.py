from django.core.management.base import BaseCommand, CommandError

from apps.cases import lapses, rollups


class Command(BaseCommand):
    help = "检查、重建或合并群众诉求的月度汇总（排名、三率所用）"

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--check", action="store_true", help="只检查，不修改；有差异时以非零状态退出")
        mode.add_argument("--rebuild", action="store_true", help="按诉求表重建全部月度汇总")
        mode.add_argument("--compact", action="store_true", help="把各组的增量行合并为一行（定时任务也会执行）")
        mode.add_argument("--sweep", action="store_true", help="记录已超过签收或办理时限的诉求（定时任务也会执行）")

    def handle(self, *args, check, rebuild, compact, sweep, **options):
        if sweep:
            self.stdout.write(f"已记录 {lapses.sweep()} 件超时诉求")
            return
        if compact:
            self.stdout.write(f"已合并，删去 {rollups.compact()} 行增量")
            return
        wrong = rollups.differences()
        if check:
            self.stdout.write(f"{len(wrong)} 组月度汇总与诉求表不一致")
            for key, have, want in wrong[:10]:
                changed = {f: (have[f], want[f]) for f in rollups.STORED if have[f] != want[f]}
                self.stdout.write(f"  {key}: {changed}")
            if wrong:
                raise CommandError("月度汇总与诉求表不一致：请运行 manage.py case_rollups --rebuild", returncode=1)
            return
        n = rollups.rebuild()
        self.stdout.write(f"已重建 {n} 组月度汇总（重建前有 {len(wrong)} 组不一致）")
