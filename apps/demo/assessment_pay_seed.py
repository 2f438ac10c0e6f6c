"""The demo district's cadres' pay (村（社区）干部绩效报酬): a scheme for 村 (the bonus by grade band) and one for 社区
(linear above 60 points), for the year of a closed demo round and its period kind, and the round's pay sheet (a draft,
to look at, generate again or confirm). Written through the pay services, so the audit trail shows the seeding.

The lead wires `write_pay` into seed.py once a closed demo round exists."""

from apps.assessment import pay_services
from apps.assessment.models import AssessmentGroup

# Yuan: (fixed per month, bonus base per year), as a district might set them for its village and community cadres.
RATES = {
    "secretary": ("3500.00", "18000.00"),
    "deputy_secretary": ("2800.00", "12000.00"),
    "organization": ("2200.00", "8000.00"),
    "propaganda": ("2200.00", "8000.00"),
    "discipline": ("2200.00", "8000.00"),
    "member": ("2000.00", "6000.00"),
}
BANDS = {"好": "100", "较好": "85", "一般": "60", "差": "0"}
SCHEMES = (  # group name, formula, threshold, full score
    ("村", "band", None, "100"),
    ("社区", "linear", "60", "95"),
)


def write_pay(district, today, log, closed_round):
    """The two schemes for `closed_round`'s year and period kind, then its sheet when its group has one; returns the
    sheet (or None)."""
    year = closed_round.system.year
    written = 0
    for name, formula, threshold, full in SCHEMES:
        group = AssessmentGroup.objects.filter(organization=district, name=name).first()
        if group is None:
            continue
        scheme = pay_services.scheme_create(actor=None, group=group, data={
            "name": f"{name}干部绩效报酬方案", "year": year, "period_kind": closed_round.period_kind,
            "formula": formula, "threshold": threshold, "full_score": full,
            "note": "基本报酬按月固定发放；绩效考核奖励按考核结果计发，当月15日在任的计该月"})
        pay_services.scheme_rates_save(actor=None, scheme=scheme, rates=RATES, bands=BANDS if formula == "band" else {})
        written += 1
    sheet = None
    if closed_round.system.group.name in {name for name, *_ in SCHEMES}:
        sheet = pay_services.sheet_generate(actor=None, round=closed_round)
    log(f"  绩效报酬：{written} 个报酬方案" + (f"，{closed_round.name} 的报酬表 {sheet.lines.count()} 人次（草稿）" if sheet else ""))
    return sheet
