from django.core.management.base import BaseCommand
from django.db import transaction

from apps.members.counters import mismatches, recount


class Command(BaseCommand):
    help = "重新统计各组织的现有党员数（组织树、名册计数所用）"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查，不修改；有差异时以非零状态退出")

    def handle(self, *args, check, **options):
        wrong = mismatches()
        if check:
            self.stdout.write(f"{len(wrong)} 个组织的计数与党员表不一致")
            if wrong:
                raise SystemExit(1)
            return
        with transaction.atomic():
            n = recount()
        self.stdout.write(f"已重新统计 {n} 个组织（修正前有 {len(wrong)} 个不一致）")
