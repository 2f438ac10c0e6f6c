"""Recompute every member's dues standing (`DuesStanding`) from the source rows, in chunks of members with grouped
queries (the latest regular, not voided payment per member; the approved waivers), never a query per member.

  manage.py dues_standings --check     list the standings that differ (missing ones included); exit 1 if any do
  manage.py dues_standings --rebuild   write them (missing rows created), under the rows' locks, chunk by chunk

Who has a standing: every current member, and whoever already has a row.
"""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from apps.dues.models import DuesPayment, DuesStanding, HardshipDecision, HardshipStatus, PaymentKind
from apps.dues.standing import covered_through, due_from
from apps.members.models import CURRENT_STATUSES, Member

CHUNK = 5000


def expected(members) -> dict:
    """member id → (due_from, last_covered) for these members: two grouped queries (the months paid, the waivers),
    then `standing.covered_through`, the rule the services apply."""
    ids = [m.pk for m in members]
    paid = defaultdict(set)
    for member_id, month in DuesPayment.objects.filter(member_id__in=ids, kind=PaymentKind.REGULAR,
                                                       voided_at__isnull=True).values_list("member_id", "month"):
        paid[member_id].add(month)
    waivers = defaultdict(list)
    for d in HardshipDecision.objects.filter(member_id__in=ids, status=HardshipStatus.APPROVED, monthly_amount=0):
        waivers[d.member_id].append((d.first_month, d.last_month))
    return {m.pk: (due_from(m), covered_through(due_from(m), paid.get(m.pk, ()), waivers.get(m.pk, [])))
            for m in members}


def chunks():
    qs = (Member.objects.filter(Q(status__in=CURRENT_STATUSES) | Q(dues_standing__isnull=False))
          .only("pk", "joined_on").order_by("pk"))
    last = 0
    while True:
        members = list(qs.filter(pk__gt=last)[:CHUNK])
        if not members:
            return
        yield members
        last = members[-1].pk


class Command(BaseCommand):
    help = "Check or rebuild every member's dues standing from payments and approved waivers."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="list mismatches; exit 1 if any")
        group.add_argument("--rebuild", action="store_true", help="write the recomputed standings")

    def handle(self, *args, check=False, rebuild=False, **options):
        checked = wrong = 0
        for members in chunks():
            with transaction.atomic():
                ids = [m.pk for m in members]
                stored_qs = DuesStanding.objects.filter(member_id__in=ids)
                if rebuild:
                    stored_qs = stored_qs.select_for_update()
                stored = {s.member_id: s for s in stored_qs}
                want = expected(members)
                create, update = [], []
                for member_id, (first, covered) in want.items():
                    checked += 1
                    row = stored.get(member_id)
                    if row is not None and (row.due_from, row.last_covered) == (first, covered):
                        continue
                    wrong += 1
                    if check:
                        self.stdout.write(f"member {member_id}: stored "
                                          f"{(row.due_from, row.last_covered) if row else None}, "
                                          f"expected {(first, covered)}")
                    elif row is None:
                        create.append(DuesStanding(member_id=member_id, due_from=first, last_covered=covered))
                    else:
                        row.due_from, row.last_covered = first, covered
                        update.append(row)
                if rebuild:
                    DuesStanding.objects.bulk_create(create, ignore_conflicts=True)
                    DuesStanding.objects.bulk_update(update, ["due_from", "last_covered"])
        verb = "rebuilt" if rebuild else "differ"
        self.stdout.write(f"{checked} standings checked, {wrong} {verb}")
        if check and wrong:
            raise CommandError(f"{wrong} standings differ from payments and waivers", returncode=1)
