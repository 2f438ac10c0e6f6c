"""Verify (--check) or rebuild (--rebuild) the members' stored attendance dates (MemberAttendanceMark)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.records import marks


class Command(BaseCommand):
    help = "核对（--check）或重建（--rebuild）党员最近出席日期"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="只核对，不修改；有差异时以非零状态退出")
        group.add_argument("--rebuild", action="store_true", help="由出勤记录重建")

    def handle(self, *args, check, rebuild, **options):
        if check:
            wrong = marks.mismatches(limit=1000)
            if wrong:
                for member_id, (stored, computed) in list(wrong.items())[:20]:
                    self.stderr.write(f"党员 {member_id}：存储 {stored}，应为 {computed}")
                more = "（仅列前 1000 条）" if len(wrong) >= 1000 else ""
                raise CommandError(f"{len(wrong)} 名党员的最近出席日期与出勤记录不符{more}；运行 last_attended --rebuild 重建")
            self.stdout.write("党员最近出席日期正确")
            return
        with transaction.atomic():
            n = marks.rebuild()
        self.stdout.write(f"已重建党员最近出席日期 {n} 条")
