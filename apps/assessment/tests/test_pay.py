"""Cadres' performance pay: the formula at its boundaries (threshold, bands, cap, rounding), Decimal everywhere, who is
paid for which months, the sheet's life (only closed rounds, refused once confirmed, audited) and the scheme's rules."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from apps.assessment import pay_services
from apps.assessment.pay_models import PayLine, PayScheme, PaySheet
from apps.assessment.round_services import period_bounds
from apps.audit.models import AuditEvent

from .pay_helpers import cadres, closed_round, scheme
from .round_helpers import make_round, published

pytestmark = pytest.mark.django_db


def _linear(threshold="60", full="100"):
    return PayScheme(formula="linear", threshold=D(threshold), full_score=D(full))


@pytest.mark.parametrize("total,factor", [
    ("0", "0"), ("59.99", "0"), ("60", "0"), ("60.01", "0.00025"), ("80", "0.5"), ("99.99", "0.99975"), ("100", "1")])
def test_linear_factor_at_and_around_the_threshold(total, factor):
    got = pay_services.bonus_factor(_linear(), D(total), None, {})
    assert isinstance(got, D) and got == D(factor)


def test_linear_factor_is_capped_at_the_whole_base():
    assert pay_services.bonus_factor(_linear("60", "95"), D("98"), None, {}) == 1
    assert pay_services.bonus_factor(_linear("60", "95"), D("95"), None, {}) == 1
    # 60.01 with a base of 12,000 a year: 3.00 — just over the threshold pays a little, at it nothing
    assert pay_services.bonus_amount(D("12000.00"), 12, pay_services.bonus_factor(_linear(), D("60.01"), None, {})) == D("3.00")
    assert pay_services.bonus_amount(D("12000.00"), 12, pay_services.bonus_factor(_linear(), D("60"), None, {})) == D("0.00")


@pytest.mark.parametrize("band,percent", [("好", "100"), ("较好", "80"), ("一般", "60"), ("差", "0")])
def test_band_factor_is_the_bands_share(band, percent):
    percents = {"好": D(100), "较好": D(80), "一般": D(60), "差": D(0)}
    got = pay_services.bonus_factor(PayScheme(formula="band"), D("75"), band, percents)
    assert isinstance(got, D) and got == D(percent) / 100


def test_band_factor_outside_every_band_is_nothing():
    assert pay_services.bonus_factor(PayScheme(formula="band"), D("75"), "", {"好": D(100)}) == 0


def test_rounding_is_half_up_to_the_cent_once():
    assert pay_services.bonus_amount(D("1.00"), 12, D("0.005")) == D("0.01")  # a tie: up, not to even
    assert pay_services.bonus_amount(D("1000.00"), 1, D("0.5")) == D("41.67")
    assert pay_services.money(D("2.675")) == D("2.68")
    _key, start, end = period_bounds("quarter", 2026, 3)
    assert pay_services.period_months(start, end) == [date(2026, m, 15) for m in (7, 8, 9)]


def test_sheet_by_band_pays_each_cadre_for_the_months_held(make_system, admin, tree, groups):
    people = cadres(tree)
    rnd = closed_round(make_system, admin, tree, {tree.branch_a: "85", tree.branch_b: "59.99"})
    scheme(admin, groups)
    sheet = pay_services.sheet_generate(actor=admin, round=rnd)
    lines = list(sheet.lines.order_by("position"))
    got = [(line.org_name, line.post, line.name, line.months, line.fixed, line.band, line.percent, line.bonus, line.total)
           for line in lines]
    a, b = tree.branch_a.name, tree.branch_b.name
    assert got == [
        (a, "secretary", people["a1"].name, 12, D("36000.00"), "较好", D("80.00"), D("9600.00"), D("45600.00")),
        (a, "deputy_secretary", "王五", 6, D("15000.00"), "较好", D("80.00"), D("3600.00"), D("18600.00")),
        (a, "deputy_secretary", "赵六", 6, D("15000.00"), "较好", D("80.00"), D("3600.00"), D("18600.00")),
        (a, "deputy_secretary", "钱七", 3, D("7500.00"), "较好", D("80.00"), D("1800.00"), D("9300.00")),
        (a, "organization", "钱七", 9, D("18000.00"), "较好", D("80.00"), D("3600.00"), D("21600.00")),
        (b, "secretary", people["b1"].name, 9, D("27000.00"), "差", D("0.00"), D("0.00"), D("27000.00")),
    ]
    for line in lines:  # Decimal everywhere, as stored and read back
        for field in ("monthly_fixed", "bonus_base", "fixed", "score", "percent", "bonus", "total"):
            assert isinstance(getattr(line, field), D), field
    sheet.refresh_from_db()
    assert sheet.months == 12 and sheet.status == "draft"
    assert isinstance(sheet.total, D) and sheet.total == sum(line.total for line in lines) == D("140700.00")
    assert sheet.total_bonus == D("22200.00")
    assert lines[0].entry.organization_id == tree.branch_a.pk and lines[0].score == D("85.00")
    assert AuditEvent.objects.filter(object_type="assessment.paysheet", action="create").count() == 1


def test_sheet_linear_and_a_quarter(make_system, admin, tree, groups):
    cadres(tree)
    rnd = closed_round(make_system, admin, tree, {tree.branch_a: "70", tree.branch_b: "60"}, kind="quarter", number=3,
                       weight_quarter=D(40), weight_year=D(60))
    scheme(admin, groups, formula="linear", kind="quarter", threshold="60", full_score="90")
    sheet = pay_services.sheet_generate(actor=admin, round=rnd)
    first = sheet.lines.get(position=1)
    # Q3, secretary all quarter: 3 × 3000; bonus 12000 × 3/12 × (70 − 60)/(90 − 60) = 1000.00
    assert (first.months, first.fixed, first.percent, first.bonus) == (3, D("9000.00"), D("33.33"), D("1000.00"))
    deputies = list(sheet.lines.filter(post="deputy_secretary").values_list("name", "months"))
    assert deputies == [("赵六", 3)]  # 王五 left on 10 July: no 15th of Q3 is his, so he is not on the sheet
    b = sheet.lines.get(org_name=tree.branch_b.name)
    assert b.bonus == D("0.00") and b.fixed == D("9000.00")  # at the threshold: nothing


def test_only_closed_rounds_and_not_again_once_confirmed(make_system, admin, tree, groups):
    cadres(tree)
    scheme(admin, groups)
    system = published(make_system, admin)
    open_round = make_round(admin, system)
    with pytest.raises(ValidationError, match="只有已结束的轮次可以生成报酬表"):
        pay_services.sheet_generate(actor=admin, round=open_round)
    assert not PaySheet.objects.exists()
    from apps.assessment import round_services

    rnd = round_services.round_close(actor=admin, round=open_round)
    sheet = pay_services.sheet_generate(actor=admin, round=rnd)
    again = pay_services.sheet_generate(actor=admin, round=rnd)  # a draft: generated again, same sheet, fresh lines
    assert again.pk == sheet.pk and PayLine.objects.filter(sheet=sheet).count() == 6
    pay_services.sheet_confirm(actor=admin, sheet=sheet)
    with pytest.raises(ValidationError, match="已确认，不能重新生成"):
        pay_services.sheet_generate(actor=admin, round=rnd)
    with pytest.raises(ValidationError, match="只有草稿状态的报酬表可以确认"):
        pay_services.sheet_confirm(actor=admin, sheet=sheet)
    sheet.refresh_from_db()
    assert sheet.status == "confirmed" and sheet.confirmed_by == admin and sheet.lines.count() == 6
    actions = list(AuditEvent.objects.filter(object_type="assessment.paysheet").values_list("action", flat=True))
    assert sorted(actions) == ["create", "update", "update"]


def test_refusals_name_what_is_missing(make_system, admin, tree, groups):
    rnd = closed_round(make_system, admin, tree)
    with pytest.raises(ValidationError, match="尚无报酬方案"):
        pay_services.sheet_generate(actor=admin, round=rnd)
    s = scheme(admin, groups, bands={"好": "100", "较好": "80"})
    with pytest.raises(ValidationError, match="一般、差"):
        pay_services.sheet_generate(actor=admin, round=rnd)
    pay_services.scheme_update(actor=admin, scheme=s, data={
        "name": s.name, "year": 2026, "period_kind": "quarter", "formula": "band", "full_score": "100"})
    with pytest.raises(ValidationError, match="按季度发放"):
        pay_services.sheet_generate(actor=admin, round=rnd)
    assert not PaySheet.objects.exists()


@pytest.mark.parametrize("data,field", [
    ({"formula": "linear", "threshold": None}, "threshold"),
    ({"formula": "linear", "threshold": "100"}, "threshold"),
    ({"formula": "linear", "threshold": "80", "full_score": "80"}, "threshold"),
    ({"formula": "other"}, "formula"),
    ({"period_kind": "week"}, "period_kind"),
    ({"year": 1999}, "year"),
    ({"name": "  "}, "name"),
    ({"formula": "linear", "threshold": "60.001"}, "threshold"),
    ({"formula": "linear", "threshold": "NaN"}, "threshold"),
])
def test_scheme_rules(admin, groups, data, field):
    base = {"name": "方案", "year": 2026, "period_kind": "year", "formula": "band", "threshold": None, "full_score": None}
    with pytest.raises(ValidationError) as exc:
        pay_services.scheme_create(actor=admin, group=groups["village"], data={**base, **data})
    assert field in exc.value.message_dict
    assert not PayScheme.objects.exists()


def test_rates_checked_before_anything_is_saved(admin, groups):
    s = scheme(admin, groups)
    for rates, bands in (({"secretary": ("-1", "0")}, {}), ({"secretary": ("1.005", "0")}, {}),
                         ({"secretary": ("1e30", "0")}, {}), ({"secretary": ("abc", "0")}, {}),
                         ({"secretary": ("100", "")}, {}), ({}, {"好": "101"}), ({"group_leader": ("1", "1")}, {})):
        with pytest.raises(ValidationError):
            pay_services.scheme_rates_save(actor=admin, scheme=s, rates=rates, bands=bands)
    assert s.rates.count() == 3 and s.band_rates.count() == 4
    with pytest.raises(ValidationError, match="已有报酬方案"):
        scheme(admin, groups)


def test_demo_seed_writes_the_schemes_and_the_sheet(make_system, admin, tree, groups):
    from apps.demo.assessment_pay_seed import write_pay

    cadres(tree)
    rnd = closed_round(make_system, admin, tree, {tree.branch_a: "95", tree.branch_b: "80"})
    logged = []
    sheet = write_pay(tree.district, date(2026, 12, 31), logged.append, rnd)
    # The tree's district has a group 村 (band) and none named 社区: one scheme, and the round's sheet.
    assert list(PayScheme.objects.values_list("group__name", "formula", "period_kind")) == [("村", "band", "year")]
    assert sheet.status == "draft" and sheet.lines.count() == 6
    secretary = sheet.lines.get(position=1)
    assert (secretary.band, secretary.bonus, secretary.fixed) == ("好", D("18000.00"), D("42000.00"))
    assert "1 个报酬方案" in logged[0]
