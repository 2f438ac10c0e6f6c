"""Every write of assessment rounds: create (the organizations fixed from the group's membership within the creator's
scope), open, close, the automatic scoring job, manual scores with evidence, deduction and bonus items.

Each write is atomic, asks round_states.py, and is audited in its transaction. Writes to one entry's scores lock the
entry's row first (`_lock_entry`), so two assessors adding items at once are counted one after the other and the
entry's total is always the sum of its leaves; the round's row is read FOR SHARE by them and FOR UPDATE by close and
by the scoring job's write, so a round never closes halfway through a write.

Deductions and bonuses: points = max − min(cap, n × points_per) for a deduction, min(cap, n × points_per) for a
bonus (cap blank: the indicator's points). A bonus starts at 0 and only earns, a deduction starts full and only
loses: both stay within 0..max, so a leaf never makes a node exceed its points. An item beyond the cap is refused
(it could change nothing), counted under the score's row lock so concurrent adds never pass it.

Missing automatic values (None: nothing was required, nothing rated): scored 0 with the reason "无数据，按0分计"
(full points withheld). The district asked that an organization with nothing to show earn nothing for it; the page
says 无数据 beside the 0, so it is never silent.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.core import evidence, jobs
from apps.core.bulk import update_rows
from apps.core.models import Job
from apps.core.periods import Period as CorePeriod

from . import catalogue, round_states, selectors
from .models import WEIGHT_FIELDS, Indicator, IndicatorSystem, Method, Period, SystemStatus
from .round_models import Round, RoundEntry, Score, ScoreEvidence, ScoreItem

SCORING_KIND = "assessment_scoring"
# Stored on the score in the language of the job's starter (like a job's message).
NO_DATA_NOTE = gettext_noop("无数据，按0分计（应得分不予计入）")
FEW_ANSWERS_NOTE = gettext_noop("答卷{n}份，少于{min}份不出结果：无数据，按0分计（应得分不予计入）")
MAX_COMMENT = 1000
EVIDENCE_MAX = 5
EVIDENCE_MAX_MB = 10
CENT = Decimal("0.01")
PERIOD_COUNT = {Period.MONTH: 12, Period.QUARTER: 4, Period.HALF: 2, Period.YEAR: 1}


# ---- periods ----

def period_bounds(kind, year, number) -> tuple[str, date, date]:
    """(key, start, end) of the number-th month, quarter or half of a year (the year: number 1)."""
    if kind not in PERIOD_COUNT or not isinstance(number, int) or not 1 <= number <= PERIOD_COUNT[kind]:
        raise ValidationError({"number": _("考核期间不正确")})
    months = 12 // PERIOD_COUNT[kind]
    first = (number - 1) * months + 1
    last = first + months - 1
    start = date(year, first, 1)
    end = (date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)) - (date(2000, 1, 2) - date(2000, 1, 1))
    key = {Period.MONTH: f"{year}-{first:02d}", Period.QUARTER: f"{year}Q{number}", Period.HALF: f"{year}H{number}",
           Period.YEAR: str(year)}[kind]
    return key, start, end


def core_period(rnd) -> CorePeriod:
    """The round's period as the metrics take it (a half-year is a span of days; the others their own kind)."""
    kind = rnd.period_kind if rnd.period_kind != Period.HALF else "range"
    return CorePeriod(kind, rnd.period_start, rnd.period_end)


# ---- rounds ----

def _clean_window(opens_at, closes_at):
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime):
        raise ValidationError({"closes_at": _("请填写评分开始和截止时间")})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("评分截止时间须晚于开始时间")})


@transaction.atomic
def round_create(*, actor, system, data, request=None) -> Round:
    """A draft round of an in-use system for one of its weighted periods; its organizations are the group's current
    organizations within the actor's ASSESSMENT_MANAGE scope, fixed now."""
    system = IndicatorSystem.objects.select_related("group__organization").get(pk=system.pk)
    if system.status != SystemStatus.IN_USE:
        raise ValidationError({"system": _("只能使用「使用中」的指标体系创建考核轮次")})
    kind = data.get("period_kind")
    if kind not in WEIGHT_FIELDS or getattr(system, WEIGHT_FIELDS[kind]) <= 0:
        raise ValidationError({"period_kind": _("该指标体系的这一考核周期权重为0，不能按此周期考核")})
    key, start, end = period_bounds(kind, system.year, data.get("number") or 1)
    name = (data.get("name") or "").strip()
    if not name:
        name = f"{system.group.name} {key}"
    if len(name) > 100 or "\x00" in name:
        raise ValidationError({"name": _("轮次名称不能超过100个字符")})
    _clean_window(data.get("opens_at"), data.get("closes_at"))
    orgs = list(policy.restrict(selectors.members(system.group), actor, policy.ASSESSMENT_MANAGE).order_by("path"))
    if not orgs:
        raise ValidationError({"system": _("该考核类别在您的管理范围内没有被考核的组织")})
    rnd = Round.objects.create(system=system, organization=system.group.organization, name=name, period_kind=kind,
                               period_key=key, period_start=start, period_end=end, opens_at=data["opens_at"],
                               closes_at=data["closes_at"], created_by=actor if getattr(actor, "is_authenticated", False) else None)
    leaves = leaf_indicators(system)
    # Every entry starts at the same total (its deductions' full points): written with the rows, not recounted one
    # entry at a time (a district round: ~2,600 entries).
    start_total = sum((p for p in map(_initial_points, leaves) if p is not None), Decimal(0))
    entries = RoundEntry.objects.bulk_create(RoundEntry(round=rnd, organization=o, total=start_total) for o in orgs)
    Score.objects.bulk_create((Score(entry=e, indicator=leaf, points=_initial_points(leaf)) for e in entries for leaf in leaves),
                              batch_size=2000)
    audit_record(actor=actor, action=Action.CREATE, obj=rnd, request=request,
                 after={**snapshot(rnd), "organizations": [o.pk for o in orgs]})
    return rnd


def leaf_indicators(system) -> list[Indicator]:
    nodes = list(system.indicators.all())
    parents = {n.parent_id for n in nodes}
    return [n for n in nodes if n.pk not in parents]


def _initial_points(leaf):
    """A deduction starts at full points, a bonus at 0; manual and automatic are unscored until scored."""
    if leaf.method == Method.DEDUCTION:
        return leaf.max_points
    if leaf.method == Method.BONUS:
        return Decimal(0)
    return None


def _lock_round(rnd, *, share=False) -> Round:
    """The round's row, locked FOR UPDATE (its steps, the scoring job's write) or FOR SHARE (a score's write: many
    assessors at once, but never beside a close). Django has no FOR SHARE, hence the statement on PostgreSQL;
    SQLite locks the whole database for a write anyway."""
    if share and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM assessment_round WHERE id = %s FOR SHARE", [rnd.pk])
        return Round.objects.select_related("system__group__organization", "organization").get(pk=rnd.pk)
    qs = Round.objects.select_related("system__group__organization", "organization")
    return qs.select_for_update(of=("self",)).get(pk=rnd.pk)


def _lock_score(pk) -> Score:
    """The score's row, locked: concurrent writes to one score are counted one after the other."""
    return Score.objects.select_for_update(of=("self",)).select_related("indicator", "entry__organization").get(pk=pk)


def _step(rnd, step, *, actor, request, stamp):
    rnd = _lock_round(rnd)
    before = snapshot(rnd)
    round_states.enter(rnd, step)
    setattr(rnd, stamp, timezone.now())
    rnd.save(update_fields=["status", stamp])
    audit_record(actor=actor, action=Action.UPDATE, obj=rnd, before=before, after=snapshot(rnd), request=request,
                 note=str(round_states.STEPS[step].label))
    return rnd


@transaction.atomic
def round_open(*, actor, round, request=None) -> Round:
    return _step(round, "open", actor=actor, request=request, stamp="opened_at")


@transaction.atomic
def round_close(*, actor, round, request=None, today=None, now=None) -> Round:
    """Freeze: every score stays as it is (the automatic ones with their inputs); nothing scores a closed round. The
    automatic scores never computed (the job not run, or run before the entry's leaves existed) are computed first,
    in this transaction under the round's lock, by the job's own grouped function (`_write_automatic`): a closed
    round always has its automatic snapshot. The sealed cross-assessment scores are opened and their means written
    in the same transaction."""
    from . import cross_services  # it builds on this module

    rnd = _lock_round(round)
    round_states.check(rnd, "close")
    leaves = [leaf for leaf in leaf_indicators(rnd.system) if leaf.method == Method.AUTOMATIC]
    missing = (Score.objects.filter(entry__round=rnd, indicator__in=leaves, scored_at__isnull=True)
               .values_list("entry_id", flat=True).distinct()) if leaves else []
    missing = set(missing)
    if missing:
        entries = list(RoundEntry.objects.filter(round=rnd, pk__in=missing).select_related("organization")
                       .order_by("organization__path"))
        computed = compute_automatic(rnd, entries, leaves, today=today, now=now)
        n = _write_automatic(rnd, computed, leaves, entries=entries, only_missing=True, now=now)
        audit_record(actor=actor, action=Action.UPDATE, obj=rnd, request=request,
                     note=_("结束前补算自动计分：{n}个组织，{m}项得分").format(n=len(entries), m=n))
    rnd = _step(rnd, "close", actor=actor, request=request, stamp="closed_at")
    cross_services.cross_finalize(rnd, actor=actor, request=request)
    return rnd


@transaction.atomic
def round_delete(*, actor, round, request=None):
    rnd = _lock_round(round)
    round_states.check(rnd, "delete")
    audit_record(actor=actor, action=Action.DELETE, obj=rnd, before=snapshot(rnd), request=request)
    rnd.delete()


# ---- totals ----

def _recount_total(entry):
    total = Score.objects.filter(entry=entry).aggregate(t=Sum("points"))["t"] or Decimal(0)
    RoundEntry.objects.filter(pk=entry.pk).update(total=total)
    return total


def _lock_entry(entry_pk) -> RoundEntry:
    return RoundEntry.objects.select_for_update().get(pk=entry_pk)


# ---- manual scores ----

def parse_points(value, max_points) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"points": _("请填写数字形式的得分")}) from None
    if not points.is_finite():
        raise ValidationError({"points": _("请填写数字形式的得分")})
    if points < 0:
        raise ValidationError({"points": _("得分不能为负数")})
    if points > max_points:
        raise ValidationError({"points": _("得分不能超过该指标的分值{max}分").format(max=format(max_points.normalize(), "f"))})
    if points != points.quantize(CENT):
        raise ValidationError({"points": _("得分最多保留两位小数")})
    return points.quantize(CENT)


def _clean_text(value, limit, field, label):
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("{label}含有不允许的字符").format(label=label)})
    if len(value) > limit:
        raise ValidationError({field: _("{label}不能超过{n}个字符").format(label=label, n=limit)})
    return value


def check_evidence(upload) -> str:
    """The content type of an evidence file (scores, nominations, inspections); ValidationError otherwise."""
    return evidence.check_upload(upload, evidence.EVIDENCE_TYPES, EVIDENCE_MAX_MB)


def score_manual(*, actor, score, points, comment="", files=(), request=None, now=None) -> Score:
    """An assessor's points (0..max) with a comment (required: why these points) and optional evidence. Files saved before a refusal or any
    failure later in the transaction are deleted: nothing half-saved stays on disk."""
    with evidence.atomic_with_files() as store:
        return _score_manual(actor=actor, score=score, points=points, comment=comment, files=files,
                             request=request, now=now, store=store)


def _score_manual(*, actor, score, points, comment, files, request, now, store):
    rnd = _lock_round(score.entry.round, share=True)
    round_states.check_scoring(rnd, now)
    _lock_entry(score.entry_id)
    score = _lock_score(score.pk)
    if score.indicator.method != Method.MANUAL:
        raise ValidationError({"points": _("该指标不是人工评分指标")})
    before = snapshot(score)
    weight = score.indicator.cross_weight
    if weight >= 100:
        raise ValidationError({"points": _("该指标由交叉考核小组互评，上级不直接评分")})
    if weight:
        # 1+N: the superior's part, combined with the peers' mean at close (cross_services); blank until then.
        score.inputs = {"superior": str(parse_points(points, score.indicator.max_points)), "weight": weight}
    else:
        score.points = parse_points(points, score.indicator.max_points)
    score.comment = _clean_text(comment, MAX_COMMENT, "comment", _("评分说明"))
    if not score.comment:
        # The "scored by an assessor with a comment": the reason stays beside the points.
        raise ValidationError({"comment": _("请填写评分说明（评分依据）")})
    files = list(files or [])
    if len(files) + score.evidence.count() > EVIDENCE_MAX:
        raise ValidationError({"files": _("每项评分最多上传{n}个佐证材料").format(n=EVIDENCE_MAX)})
    types = [check_evidence(f) for f in files]
    score.scored_by, score.scored_at = actor, now or timezone.now()
    score.save()
    for upload, content_type in zip(files, types):
        item = store(ScoreEvidence.of(upload, content_type, uploaded_by=actor, score=score), upload)
        item.save()
        audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
    _recount_total(score.entry)
    audit_record(actor=actor, action=Action.UPDATE, obj=score, before=before, after=snapshot(score), request=request)
    return score


# ---- deduction and bonus items ----

def item_points(indicator, count) -> Decimal:
    cap = indicator.cap or indicator.max_points
    counted = min(cap, count * (indicator.points_per or Decimal(0)))
    if indicator.method == Method.DEDUCTION:
        return (indicator.max_points - counted).quantize(CENT)
    return counted.quantize(CENT)


@transaction.atomic
def score_item_add(*, actor, score, what, happened_on, note="", request=None, now=None) -> ScoreItem:
    rnd = _lock_round(score.entry.round, share=True)
    round_states.check_scoring(rnd, now)
    _lock_entry(score.entry_id)
    # The row lock: a second assessor adding to the same score waits here and then counts the first one's item.
    score = _lock_score(score.pk)
    indicator = score.indicator
    if indicator.method not in (Method.DEDUCTION, Method.BONUS):
        raise ValidationError({"what": _("该指标不是负面清单或加分项")})
    what = _clean_text(what, 200, "what", _("事项"))
    if not what:
        raise ValidationError({"what": _("请填写事项")})
    note = _clean_text(note, 500, "note", _("备注"))
    if not isinstance(happened_on, date) or not rnd.period_start <= happened_on <= rnd.period_end:
        raise ValidationError({"happened_on": _("发生日期须在考核期间（{start}至{end}）内").format(
            start=rnd.period_start.isoformat(), end=rnd.period_end.isoformat())})
    cap = indicator.cap or indicator.max_points
    if score.item_count * (indicator.points_per or 0) >= cap:
        raise ValidationError({"what": (_("已扣满{cap}分，不能再添加扣分事项") if indicator.method == Method.DEDUCTION
                                        else _("已加满{cap}分，不能再添加加分事项")).format(cap=format(cap.normalize(), "f"))})
    before = snapshot(score)
    item = ScoreItem.objects.create(score=score, what=what, happened_on=happened_on, note=note, created_by=actor)
    score.item_count += 1
    score.points = item_points(indicator, score.item_count)
    score.scored_by, score.scored_at = actor, now or timezone.now()
    score.save()
    _recount_total(score.entry)
    audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
    audit_record(actor=actor, action=Action.UPDATE, obj=score, before=before, after=snapshot(score), request=request)
    return item


# ---- automatic scoring: a background job ----

def _scoring_job_row(*, actor, round, request, now) -> Job:
    with transaction.atomic():
        rnd = _lock_round(round)
        round_states.check_automatic(rnd, now)
        job = Job.objects.create(kind=SCORING_KIND, title=_("自动计分：{name}").format(name=rnd.name)[:200],
                                 created_by=actor, params={"round": rnd.pk})
        rnd.job = job
        rnd.save(update_fields=["job"])
        audit_record(actor=actor, action=Action.UPDATE, obj=rnd, request=request, note=_("开始自动计分"))
    return job


def scoring_start(*, actor, round, request=None, now=None) -> Job:
    """The scoring job (re-run at will while open): its row and audit row together, queued once they commit."""
    return jobs.start(_scoring_job_row(actor=actor, round=round, request=request, now=now))


def scoring_run(*, actor, round, now=None) -> Job:
    """The same job run here and now, in this process and the caller's transaction (the demo seed, the bench): its
    row, audit row and work as a worker would run them; the job afterwards (succeeded, or failed with its message)."""
    return jobs.run(_scoring_job_row(actor=actor, round=round, request=None, now=now), scoring_job)


def scoring_retry(*, actor, job, request=None) -> Job:
    rnd = policy.get(Round, actor, job.params.get("round"), policy.ASSESSMENT_MANAGE)
    with transaction.atomic():
        round_states.check_automatic(_lock_round(rnd))
        if not jobs.reset_failed(job):
            raise ValidationError(_("只有失败的任务可以重试"))
        audit_record(actor=actor, action=Action.UPDATE, obj=rnd, request=request, note=_("重试自动计分"))
    return jobs.start(job)


def compute_automatic(rnd, entries, leaves, *, today=None, now=None, progress=None) -> dict:
    """{(entry pk, indicator pk): (points, inputs)} for the automatic leaves: the GROUPED entry points only — one
    metrics_by_organization call, one figures_by_area call and one structure_figures call for all the round's
    organizations. The structure metrics are the current state on `today` (the scoring day), not the period's."""
    from apps.cases.metrics import figures_by_area
    from apps.orgs.selectors import structure_figures
    from apps.records.metrics import metrics_by_organization

    period = core_period(rnd)
    # The moment the platform's data is read, kept on every score (`read_at`): the evidence links list only what
    # existed then (round_selectors.evidence_links' `as_of`), so a frozen score's click-through stays its counted set.
    read_at = now or timezone.now()
    orgs = [e.organization for e in entries]
    metrics = {catalogue.get(leaf.metric) for leaf in leaves}
    sources = {m.source for m in metrics}
    records = metrics_by_organization(orgs, period, today) if catalogue.RECORDS_SOURCE in sources else {}
    if progress:
        progress(len(entries) // 4, len(entries), phase=_("计算组织生活指标"), force=True)
    cases = figures_by_area(period, orgs, read_at) if catalogue.CASES_SOURCE in sources else {}
    if progress:
        progress(len(entries) // 2, len(entries), phase=_("计算群众诉求指标"), force=True)
    as_of = today or date.today()
    structure = structure_figures(orgs, as_of) if catalogue.ORGS_SOURCE in sources else {}
    ballots = ballot_figures(rnd, orgs, metrics)
    if progress:
        progress(3 * len(entries) // 4, len(entries), phase=_("计算组织建设指标"), force=True)
    # What every organization's inputs of a leaf share, translated once (not once per organization and leaf).
    shared = {leaf.pk: {"metric": m.key, "label": str(m.label), "numerator_label": _numerator_label(m, as_of),
                        "denominator_label": str(m.denominator), "formula": str(m.formula),
                        "max_points": str(leaf.max_points), "period": rnd.period_key, "read_at": read_at.isoformat(),
                        "points_per": None if leaf.points_per is None else str(leaf.points_per),
                        **({"as_of": as_of.isoformat()} if m.current_state else {}),
                        **({"year": rnd.period_start.year} if m.poll_kind else {})}
              for leaf in leaves for m in [catalogue.get(leaf.metric)]}
    metric_of = {leaf.pk: catalogue.get(leaf.metric) for leaf in leaves}
    no_data = _(NO_DATA_NOTE)
    out = {}
    for entry in entries:
        for leaf in leaves:
            metric = metric_of[leaf.pk]
            ballot = ballots.get(metric.key, {}).get(entry.organization_id)
            num, den, value = figures_of(metric, leaf, records.get(entry.organization_id), cases.get(entry.organization_id),
                                         structure.get(entry.organization_id), ballot)
            points = catalogue.to_points(metric, value, leaf.max_points, leaf.points_per)
            inputs = {**shared[leaf.pk], "numerator": num, "denominator": den,
                      "value": None if value is None else str(value), "missing": points is None}
            if metric.source == catalogue.BALLOTS_SOURCE:
                inputs.update(ballot_inputs(ballot))
            if points is None:
                points = Decimal(0)
                inputs["note"] = no_data if not inputs.get("suppressed") else _(FEW_ANSWERS_NOTE).format(
                    n=inputs["answered"], min=settings.SURVEY_MIN_CELL)
            out[(entry.pk, leaf.pk)] = (points, inputs)
    return out


def _numerator_label(metric, as_of) -> str:
    """The numerator's text kept on the score; a current-state metric's names its day (the sheet shows it as is)."""
    if metric.current_state:
        return _("{label}（{day}）").format(label=metric.numerator, day=as_of.isoformat())
    return str(metric.numerator)


def ballot_figures(rnd, orgs, metrics) -> dict:
    """{metric key: {organization id: OrganizationFigures}} of the ballots metrics among `metrics`: one grouped read
    (apps.ballots.selectors.organization_figures, two queries) per kind of poll, for the round's year — the poll's
    `year` (the year evaluated), whenever it was counted before the scoring: the year's 三述一评 and surveys are
    usually held the next January, after the year's round has ended."""
    kinds = {m.key: m.poll_kind for m in metrics if m.source == catalogue.BALLOTS_SOURCE}
    if not kinds:
        return {}
    from apps.ballots.selectors import organization_figures

    ids = [o.pk for o in orgs]
    return {key: organization_figures(kind, rnd.period_start.year, ids) for key, kind in kinds.items()}


def ballot_inputs(ballot) -> dict:
    """What a ballots score keeps besides its figures: the poll (its results page is the evidence), the ballots that
    rated the organization, its subjects' scores; a survey cell too small to show is `suppressed`."""
    if ballot is None:
        return {"poll": None}
    poll = ballot.poll
    out = {"poll": poll.pk, "poll_kind": poll.kind, "poll_title": poll.title, "answered": ballot.answered,
           "suppressed": poll.kind == "survey" and ballot.answered < settings.SURVEY_MIN_CELL}
    if not out["suppressed"]:
        out["subjects"] = [[s.subject.name, str(s.score)] for s in ballot.scored]
        if ballot.good_rate is not None:
            out["good_rate"] = str(ballot.good_rate)
    return out


def figures_of(metric, leaf, records, cases, structure=None, ballot=None):
    """(numerator, denominator, value) of one catalogue metric from an organization's Metrics / CaseFigures /
    StructureFigures / OrganizationFigures (None for an organization no longer existing, or never rated: missing).
    A survey's village with fewer than settings.SURVEY_MIN_CELL answers has no figure (missing)."""
    key = metric.key
    if metric.source == catalogue.BALLOTS_SOURCE:
        if ballot is None:
            return None, None, None
        if key == "ballots.survey":
            if ballot.answered < settings.SURVEY_MIN_CELL:
                return None, None, None
            return ballot.good, ballot.ratings, ballot.satisfaction_rate
        return str(ballot.score_total), len(ballot.scored), ballot.score
    if metric.source == catalogue.ORGS_SOURCE:
        if structure is None:
            return None, None, None
        count = {"orgs.structure_warnings": structure.warnings, "orgs.term_overdue": structure.term_overdue}[key]
        return count, None, count
    if key == "records.completion":
        return records.held, records.required, records.completion_rate
    if key == "records.type_completion":
        t = next((t for t in records.types if t.activity_type.pk == leaf.activity_type_id), None)
        return (t.held, t.required, t.rate) if t else (0, 0, None)
    if key == "records.attendance":
        return records.present, records.expected, records.attendance_rate
    if key == "records.late_rate":
        return records.late_records, records.records, records.late_rate
    if key == "records.late_records":
        return records.late_records, None, records.late_records
    if key == "cases.response_rate":
        return cases.responded, cases.response_base, cases.response_rate
    if key == "cases.solution_rate":
        return cases.solved, cases.rated, cases.solution_rate
    if key == "cases.satisfaction_rate":
        return cases.satisfied, cases.rated, cases.satisfaction_rate
    if key == "cases.score":
        return None, None, cases.score
    if key == "cases.overdue":
        return cases.overdue, None, cases.overdue
    raise ValueError(key)


def _write_automatic(rnd, computed, leaves, *, entries, only_missing=False, now=None) -> int:
    """Write the computed automatic scores of `entries` (all of them, or only those never scored) and their totals,
    the round locked by the caller (the job's write, or round_close's snapshot of what is missing). The count."""
    now = now or timezone.now()
    scores = Score.objects.filter(entry__in=[e.pk for e in entries], indicator__in=leaves)
    if only_missing:
        scores = scores.filter(scored_at__isnull=True)
    scores = list(scores)
    for s in scores:
        s.points, s.inputs = computed[(s.entry_id, s.indicator_id)]
        s.comment = s.inputs.get("note", "")
        s.scored_at, s.scored_by = now, None
    update_rows(Score, scores, ["points", "inputs", "comment", "scored_at", "scored_by"])
    totals = dict(Score.objects.filter(entry__in=[e.pk for e in entries]).order_by().values("entry_id")
                  .annotate(t=Sum("points")).values_list("entry_id", "t"))
    for e in entries:
        e.total = totals.get(e.pk) or Decimal(0)
    update_rows(RoundEntry, entries, ["total"])
    rnd.scored_at = now
    rnd.save(update_fields=["scored_at"])
    return len(scores)


def scoring_job(job, progress):
    """The job's work (any worker): compute outside the transaction, then write every automatic score and the totals
    in one transaction under the round's lock, only if the round is still open (a round closed meanwhile is frozen)."""
    rnd = Round.objects.select_related("system").get(pk=job.params["round"])
    entries = list(RoundEntry.objects.filter(round=rnd).select_related("organization").order_by("organization__path"))
    leaves = [leaf for leaf in leaf_indicators(rnd.system) if leaf.method == Method.AUTOMATIC]
    progress(0, len(entries), phase=_("读取数据"), force=True)
    computed = compute_automatic(rnd, entries, leaves, progress=progress)
    with transaction.atomic():
        rnd = _lock_round(rnd)
        try:
            round_states.check(rnd, "score")
        except ValidationError as exc:
            raise jobs.JobFailed(exc.messages[0]) from None
        _write_automatic(rnd, computed, leaves, entries=entries)
        audit_record(actor=job.created_by, action=Action.UPDATE, obj=rnd, note=_("自动计分完成：{n}个组织").format(n=len(entries)))
        jobs.confirm_still_running(job)
    progress(len(entries), len(entries), phase=_("完成"), force=True)
    # The counts in the result too: the finished job's N/N whatever backend ran it (the page reads them).
    return {"message": _("已完成自动计分：{n}个组织，{m}项自动指标").format(n=len(entries), m=len(leaves)),
            "scored": len(entries), "organizations": len(entries)}
