"""`make bench`, organizational life (组织生活纪实): the compliance watch, the records, attendance and the calendar over
the whole district, each beside the bare SQL it sent (apps.demo.bench)."""


def run_records(bench):
    """The compliance watch over the whole district, from the Fulfilment rows (no per-organization loop)."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.periods import parse_period
    from apps.records import compliance
    from apps.records.models import ActivityType

    root, today = bench.root, timezone.localdate()
    month, year = f"{today:%Y-%m}", str(today.year)
    theme = ActivityType.objects.get(code="theme_day")
    bench.log(f"Organizational life (组织生活纪实), {bench.scope}:")
    bench.call(f"compliance_table(root, {year})", lambda: compliance.compliance_table(root, parse_period(year)))
    bench.page(f"page compliance {month}", f"/records/compliance/?period={month}")
    bench.page(f"page compliance {year} by child", f"/records/compliance/?period={year}")
    bench.page(f"page compliance {year} by domain", f"/records/compliance/?period={year}&group=domain")
    bench.page(f"page missing 主题党日 {year}", f"/records/compliance/missing/?period={year}&type={theme.pk}")
    bench.page("page records list", "/records/")
    bench.page("page follow-up (6 months absent)", "/records/attendance/follow-up/")
    bench.page(f"page attendance {month}", f"/records/attendance/?period={month}")
    bench.page("page calendar (district)", "/records/calendar/")
    # A whole month of records and plans (early in the current month there are hardly any yet).
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    bench.page(f"page calendar {previous:%Y-%m} (a past month)", f"/records/calendar/?month={previous:%Y-%m}")
    _member_lists(bench, month)


def _member_lists(bench, month):
    """The follow-up list and the attendance page where they list members: the largest organization that still
    lists its members (at most ATTENDANCE_MEMBERS_MAX_ORGS below it), found from the stored member counts."""
    from apps.orgs.models import Organization
    from apps.orgs.selectors import subtree_counts
    from apps.records import selectors

    branches = Organization.objects.filter(member_count__current__gt=0).order_by("-member_count__current")[:20]
    candidates = [o.get_parent() for o in branches if o.get_parent() is not None] + list(branches)
    org = next(o for o in candidates if selectors.lists_members(o))
    members = subtree_counts(org)["members"]
    bench.log(f"  member lists at {org.name} ({members:,} members below it):")
    bench.page(f"page follow-up list ({members:,} members)", f"/records/attendance/follow-up/?org={org.pk}")
    bench.page(f"page attendance {month} ({members:,} members)", f"/records/attendance/?org={org.pk}&period={month}")
    bench.page(f"page attendance {month} by rate", f"/records/attendance/?org={org.pk}&period={month}&sort=rate")
