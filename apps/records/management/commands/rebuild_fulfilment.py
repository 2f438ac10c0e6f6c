"""Verify (--check) or rebuild the Fulfilment counters from the submitted records, and their subtree roll-ups
(FulfilmentRollup, apps/records/fulfilment_rollups.py) from them."""

from django.core.management.base import BaseCommand, CommandError

from apps.records import fulfilment_rollups
from apps.records.models import ActivityRecord, ActivityType, Fulfilment, RecordStatus
from apps.records.periods import period_start
from apps.records.services import rebuild_fulfilment


def expected_rows():
    types = {t.pk: t.frequency for t in ActivityType.objects.all()}
    counts = {}
    rows = (ActivityRecord.objects.filter(status=RecordStatus.SUBMITTED)
            .values_list("organization_id", "activity_type_id", "held_on").iterator(chunk_size=5000))
    for org_id, type_id, held_on in rows:
        start = period_start(types[type_id], held_on)
        if start is not None:
            key = (org_id, type_id, start)
            counts[key] = counts.get(key, 0) + 1
    return counts


class Command(BaseCommand):
    help = "核对（--check）或重建组织生活完成情况计数"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不修改；有差异时以非零状态退出")

    def handle(self, *args, check, **options):
        if check:
            stored = {(f.organization_id, f.activity_type_id, f.period_start): f.records
                      for f in Fulfilment.objects.all().iterator(chunk_size=5000)}
            expected = expected_rows()
            wrong = {k for k in stored.keys() | expected.keys() if stored.get(k) != expected.get(k)}
            if wrong:
                raise CommandError(f"{len(wrong)} 条完成情况计数与纪实不符；运行 rebuild_fulfilment 重建")
            rolled = fulfilment_rollups.mismatches(limit=100)
            if rolled:
                raise CommandError(f"{len(rolled)}{'+' if len(rolled) >= 100 else ''} 条完成情况汇总与计数不符"
                                   f"（如 {next(iter(rolled))}）；运行 rebuild_fulfilment 重建")
            self.stdout.write(f"完成情况计数及其汇总正确（{len(stored)} 条）")
            return
        self.stdout.write(f"已重建完成情况计数 {rebuild_fulfilment()} 条")
