"""Every write of cadres' performance pay (村（社区）干部绩效报酬): schemes and their rates, pay sheets of closed rounds.
Each write is atomic and audited in its transaction; a sheet's steps go through pay_states.py.

The formula (all Decimal; one rounding, at the end, to the cent with ROUND_HALF_UP):

- fixed  = monthly fixed amount × months held
- bonus  = yearly bonus base × months held / 12 × factor, where factor is
    by grade band: the band's percentage / 100 (the band of the entry's total among the round's system's bands);
    linear: 0 below the threshold, else (total − threshold) / (full score − threshold), at most 1 — so at the threshold
    exactly 0, just above a little, at or above the full score the whole base.
- total  = fixed + bonus
The sheet shows the share as a percentage rounded to 0.01; the bonus is computed from the exact share.

Who is paid: the current and former holders of the posts the scheme has a rate for, in the committee of each
organization of the round (its own committee, not its branches'), read through orgs.selectors. Part of a period
(a change of cadre): a month counts for a cadre when they held the post on the 15th of that month, so a handover
pays each month once. A cadre holding two posts of one committee in a month is paid for one, the better paid
(higher fixed amount, then higher base). The score behind the bonus is the entry's total of the round (frozen when
the round closed): only closed rounds are paid, and the round's period kind must be the scheme's.
"""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.orgs import selectors as org_selectors
from apps.orgs.models import CommitteePost

from . import pay_states, round_states
from .models import WEIGHT_FIELDS, GradeBand, Period
from .pay_models import PayBandRate, PayFormula, PayLine, PayRate, PayScheme, PaySheet
from .round_models import Round, RoundEntry
from .round_selectors import band_of

CENT = Decimal("0.01")
MONEY_MAX = Decimal("9999999.99")  # a rate: far above any real one, far below the column's limit (sheet totals)
MONTHS_IN_YEAR = 12
PAY_DAY = 15  # a month counts for whoever held the post on this day of it
# The posts a scheme may pay: the committee's, not a party group's leader (not a 两委 cadre).
PAYABLE_POSTS = [(value, label) for value, label in CommitteePost.Post.choices if value != CommitteePost.Post.GROUP_LEADER]


# ---- the formula ----

def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def bonus_factor(scheme, total: Decimal, band_name: str | None, band_percents: dict) -> Decimal:
    """The share of the bonus base (0..1, exact) a total earns under the scheme."""
    if scheme.formula == PayFormula.LINEAR:
        threshold, full = scheme.threshold, scheme.full_score
        if total < threshold:
            return Decimal(0)
        return min(Decimal(1), (total - threshold) / (full - threshold))
    if band_name not in band_percents:
        return Decimal(0)  # in no band (a system's bands cover 0–100, so only a total outside it): nothing
    return band_percents[band_name] / 100


def bonus_amount(bonus_base: Decimal, months: int, factor: Decimal) -> Decimal:
    return money(bonus_base * months * factor / MONTHS_IN_YEAR)


def period_months(start: date, end: date) -> list[date]:
    """The pay days (the 15th) of the months of a period."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(date(year, month, PAY_DAY))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# ---- schemes ----

def _decimal(value, field, label, *, low=Decimal(0), high=None, required=True):
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("请填写{label}").format(label=label)})
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("{label}须为数字").format(label=label)}) from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        raise ValidationError({field: _("{label}须在{low}至{high}之间").format(
            label=label, low=low, high=high if high is not None else "")})
    if number != number.quantize(CENT):
        raise ValidationError({field: _("{label}最多保留两位小数").format(label=label)})
    return number.quantize(CENT)


def _clean_scheme(data) -> dict:
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise ValidationError({"name": _("请填写方案名称（不超过100个字符）")})
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度须在2000至2100之间")})
    kind = data.get("period_kind")
    if kind not in WEIGHT_FIELDS:
        raise ValidationError({"period_kind": _("请选择发放周期")})
    formula = data.get("formula")
    if formula not in PayFormula.values:
        raise ValidationError({"formula": _("请选择绩效计发方式")})
    full = _decimal(data.get("full_score") or Decimal(100), "full_score", _("满额分"), low=CENT, high=Decimal(100))
    threshold = _decimal(data.get("threshold"), "threshold", _("起付分"), high=Decimal(100), required=formula == PayFormula.LINEAR)
    if threshold is not None and threshold >= full:
        raise ValidationError({"threshold": _("起付分须低于满额分")})
    note = (data.get("note") or "").strip()
    if len(note) > 1000 or "\x00" in note:
        raise ValidationError({"note": _("说明不能超过1000个字符")})
    return {"name": name, "year": year, "period_kind": kind, "formula": formula, "threshold": threshold,
            "full_score": full, "note": note}


@transaction.atomic
def scheme_create(*, actor, group, data, request=None) -> PayScheme:
    values = _clean_scheme(data)
    if PayScheme.objects.filter(group=group, year=values["year"]).exists():
        raise ValidationError({"year": _("该考核类别本年度已有报酬方案")})
    scheme = PayScheme.objects.create(organization=group.organization, group=group, **values)
    audit_record(actor=actor, action=Action.CREATE, obj=scheme, after=snapshot(scheme), request=request)
    return scheme


@transaction.atomic
def scheme_update(*, actor, scheme, data, request=None) -> PayScheme:
    scheme = PayScheme.objects.select_for_update().get(pk=scheme.pk)
    before = snapshot(scheme)
    values = _clean_scheme(data)
    if PayScheme.objects.filter(group_id=scheme.group_id, year=values["year"]).exclude(pk=scheme.pk).exists():
        raise ValidationError({"year": _("该考核类别本年度已有报酬方案")})
    for key, value in values.items():
        setattr(scheme, key, value)
    scheme.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=scheme, before=before, after=snapshot(scheme), request=request)
    return scheme


def _rates_of(scheme):
    return ({r.post: [str(r.monthly_fixed), str(r.bonus_base)] for r in scheme.rates.all()},
            {b.band: str(b.percent) for b in scheme.band_rates.all()})


@transaction.atomic
def scheme_rates_save(*, actor, scheme, rates: dict, bands: dict, request=None) -> PayScheme:
    """Replace the scheme's rates: `rates` {post: (monthly fixed, bonus base)} (both blank: the post is not paid),
    `bands` {band name: percent} (blank: no rate for the band). Values as typed; every one checked first."""
    scheme = PayScheme.objects.select_for_update().get(pk=scheme.pk)
    posts = dict(PAYABLE_POSTS)
    clean_rates, clean_bands = {}, {}
    for post, (fixed, base) in rates.items():
        if post not in posts:
            raise ValidationError(_("未知的职务"))
        if fixed in (None, "") and base in (None, ""):
            continue
        label = posts[post]
        clean_rates[post] = (_decimal(fixed, f"fixed_{post}", _("{post}的基本报酬").format(post=label), high=MONEY_MAX),
                             _decimal(base, f"base_{post}", _("{post}的绩效奖励基数").format(post=label), high=MONEY_MAX))
    for band, percent in bands.items():
        band = (band or "").strip()
        if not band or len(band) > 20:
            raise ValidationError(_("等次名称不正确"))
        value = _decimal(percent, f"band_{band}", _("「{band}」的计发比例").format(band=band), high=Decimal(100), required=False)
        if value is not None:
            clean_bands[band] = value
    before = _rates_of(scheme)
    scheme.rates.all().delete()
    scheme.band_rates.all().delete()
    PayRate.objects.bulk_create(PayRate(scheme=scheme, post=p, monthly_fixed=f, bonus_base=b) for p, (f, b) in clean_rates.items())
    PayBandRate.objects.bulk_create(PayBandRate(scheme=scheme, band=b, percent=p) for b, p in clean_bands.items())
    after = _rates_of(scheme)
    audit_record(actor=actor, action=Action.UPDATE, obj=scheme, request=request, note=_("设置报酬标准"),
                 before={"rates": before[0], "bands": before[1]}, after={"rates": after[0], "bands": after[1]})
    return scheme


def scheme_for(rnd):
    return (PayScheme.objects.filter(group_id=rnd.system.group_id, year=rnd.system.year)
            .prefetch_related("rates", "band_rates").first())


# ---- sheets ----

def _cadre_months(entries, rates, months):
    """{entry pk: {member pk: {pay day: post}}} and {member pk: name}: for each cadre and month, the best-paid post
    held on the pay day (one query for all the round's organizations)."""
    rank = {post: (rate.monthly_fixed, rate.bonus_base) for post, rate in rates.items()}
    by_org = {e.organization_id: e.pk for e in entries}
    out = defaultdict(lambda: defaultdict(dict))
    names = {}
    for p in org_selectors.posts_held_between(by_org, months[0], months[-1], posts=rates):
        names[p.member_id] = p.name
        mine = out[by_org[p.organization_id]][p.member_id]
        for day in months:
            if p.term_start <= day and (p.term_end is None or p.term_end >= day):
                current = mine.get(day)
                if current is None or rank[p.post] > rank[current]:
                    mine[day] = p.post
    return out, names


def compute_lines(rnd, scheme) -> list[PayLine]:
    """The lines of a round's sheet under a scheme (not saved), in the order of the organizations, posts, names."""
    rates = {r.post: r for r in scheme.rates.all()}
    if not rates:
        raise ValidationError(_("报酬方案尚未设置任何职务的报酬标准"))
    bands = list(GradeBand.objects.filter(system_id=rnd.system_id).order_by("-min_score"))
    band_percents = {b.band: b.percent for b in scheme.band_rates.all()}
    if scheme.formula == PayFormula.BAND:
        if not bands:
            raise ValidationError(_("该轮次的指标体系没有考核等次，不能按等次计发"))
        missing = [b.name for b in bands if b.name not in band_percents]
        if missing:
            raise ValidationError(_("报酬方案未设置这些等次的计发比例：{bands}").format(bands="、".join(missing)))
    entries = list(RoundEntry.objects.filter(round=rnd).select_related("organization").order_by("organization__path"))
    months = period_months(rnd.period_start, rnd.period_end)
    held, names = _cadre_months(entries, rates, months)
    order = {post: i for i, (post, _label) in enumerate(PAYABLE_POSTS)}
    labels = dict(PAYABLE_POSTS)
    lines = []
    for entry in entries:
        band = band_of(bands, entry.total)
        band_name = band.name if band else ""
        factor = bonus_factor(scheme, entry.total, band_name, band_percents)
        per_post = defaultdict(lambda: defaultdict(int))  # post -> member -> months
        for member_pk, by_month in held.get(entry.pk, {}).items():
            for post in by_month.values():
                per_post[post][member_pk] += 1
        for post in sorted(per_post, key=lambda p: (-rates[p].monthly_fixed, order[p])):
            rate = rates[post]
            for member_pk, n in sorted(per_post[post].items(), key=lambda x: (names[x[0]], x[0])):
                fixed = money(rate.monthly_fixed * n)
                bonus = bonus_amount(rate.bonus_base, n, factor)
                lines.append(PayLine(entry=entry, org_name=entry.organization.name[:200], post=post,
                                     post_label=str(labels[post]), name=names[member_pk], months=n,
                                     monthly_fixed=rate.monthly_fixed, bonus_base=rate.bonus_base, fixed=fixed,
                                     score=entry.total, band=band_name, percent=money(factor * 100), bonus=bonus,
                                     total=fixed + bonus))
    for i, line in enumerate(lines, start=1):
        line.position = i
    return lines


@transaction.atomic
def sheet_generate(*, actor, round, request=None) -> PaySheet:
    """Generate the closed round's sheet, or generate its draft again; a confirmed sheet is refused."""
    rnd = Round.objects.select_for_update(of=("self",)).select_related("system__group", "organization").get(pk=round.pk)
    round_states.check(rnd, "pay")
    scheme = scheme_for(rnd)
    if scheme is None:
        raise ValidationError(_("{group}{year}年度尚无报酬方案，请先设置").format(group=rnd.system.group.name, year=rnd.system.year))
    if scheme.period_kind != rnd.period_kind:
        raise ValidationError(_("报酬方案按{kind}发放，本轮次为{this}考核").format(
            kind=Period(scheme.period_kind).label, this=Period(rnd.period_kind).label))
    sheet = PaySheet.objects.select_for_update().filter(round=rnd).first()
    before = None
    if sheet is not None:
        pay_states.check(sheet, "generate")
        before = snapshot(sheet)
        sheet.lines.all().delete()
    lines = compute_lines(rnd, scheme)
    now = timezone.now()
    if sheet is None:
        sheet = PaySheet(round=rnd, organization=rnd.organization)
    sheet.scheme = scheme
    sheet.months = len(period_months(rnd.period_start, rnd.period_end))
    sheet.total_fixed = sum((line.fixed for line in lines), Decimal(0))
    sheet.total_bonus = sum((line.bonus for line in lines), Decimal(0))
    sheet.total = sheet.total_fixed + sheet.total_bonus
    sheet.generated_by = actor if getattr(actor, "is_authenticated", False) else None
    sheet.generated_at = now
    sheet.save()
    for line in lines:
        line.sheet = sheet
    PayLine.objects.bulk_create(lines, batch_size=1000)
    audit_record(actor=actor, action=Action.CREATE if before is None else Action.UPDATE, obj=sheet, before=before,
                 after={**snapshot(sheet), "lines": len(lines)}, request=request,
                 note=_("生成绩效报酬表") if before is None else _("重新生成绩效报酬表"))
    return sheet


@transaction.atomic
def sheet_confirm(*, actor, sheet, request=None) -> PaySheet:
    sheet = PaySheet.objects.select_for_update().get(pk=sheet.pk)
    before = snapshot(sheet)
    pay_states.enter(sheet, "confirm")
    sheet.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    sheet.confirmed_at = timezone.now()
    sheet.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=sheet, before=before, after=snapshot(sheet), request=request,
                 note=str(pay_states.STEPS["confirm"].label))
    return sheet
