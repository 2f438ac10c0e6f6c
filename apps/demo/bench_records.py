"""`make bench`, organizational life (组织生活纪实): the compliance watch, the records, attendance and the calendar over
the whole district, each beside the bare SQL it sent (apps.demo.bench)."""


def run_records(bench):
    """The compliance watch over the whole district, from the Fulfilment rows (no per-organization loop)."""
    from django.utils import timezone

    from apps.core.periods import parse_period
    from apps.records import compliance
    from apps.records.models import ActivityType

    root, today = bench.root, timezone.localdate()
    month, year = f"{today:%Y-%m}", str(today.year)
    theme = ActivityType.objects.get(code="theme_day")
    bench.log("Organizational life (组织生活纪实), whole district:")
    bench.call(f"compliance_table(root, {year})", lambda: compliance.compliance_table(root, parse_period(year)))
    bench.page(f"page compliance {month}", f"/records/compliance/?period={month}")
    bench.page(f"page compliance {year} by child", f"/records/compliance/?period={year}")
    bench.page(f"page compliance {year} by domain", f"/records/compliance/?period={year}&group=domain")
    bench.page(f"page missing 主题党日 {year}", f"/records/compliance/missing/?period={year}&type={theme.pk}")
    bench.page("page records list", "/records/")
    bench.page("page follow-up (6 months absent)", "/records/attendance/follow-up/")
    bench.page(f"page attendance {month}", f"/records/attendance/?period={month}")
    bench.page("page calendar (district)", "/records/calendar/")
