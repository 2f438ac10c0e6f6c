"""Every write of assessment: groups, indicator systems and their indicators, periods and grade bands.

Each service is atomic, checks the state table (states.py: only a draft changes) and the rules (rules.py), and records
the change through apps.audit in the same transaction. A write to a system or anything in it locks the system's row
first, so a publish and an edit of the same draft never interleave; new versions are numbered under the group's lock.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_bulk, audit_record, build_event, snapshot
from apps.core.dates import MAX_YEAR, MIN_YEAR
from apps.orgs.models import OrgDomain, OrgKind

from . import catalogue, feeds, rules, selectors, states
from .models import WEIGHT_FIELDS, AssessmentGroup, GradeBand, Indicator, IndicatorSystem, Method

GROUP_FIELDS = ("name", "domains", "kinds", "note", "sort_order")
SYSTEM_FIELDS = ("name", "note", *WEIGHT_FIELDS.values())
INDICATOR_FIELDS = ("name", "standard", "max_points", "method", "metric", "activity_type", "points_per", "cap", "cross_weight",
                    "item_feed")
COPIED_FIELDS = ("position", "name", "standard", "max_points", "method", "metric", "activity_type_id", "points_per", "cap",
                 "cross_weight", "item_feed")
# A new system's grades until the district sets its own: names are stored data, in the district's language.
DEFAULT_BANDS = (("好", Decimal(90), Decimal(100)), ("较好", Decimal(80), Decimal(90)), ("一般", Decimal(60), Decimal(80)),
                 ("差", Decimal(0), Decimal(60)))


# ---- groups ----

def _group_after(group, organizations):
    return {**snapshot(group), "organizations": sorted(o.pk for o in organizations)}


def _group_clean(group, organizations):
    group.name = (group.name or "").strip()
    group.domains = sorted(set(group.domains or []))
    group.kinds = sorted(set(group.kinds or []))
    errors = {}
    if not group.name:
        errors["name"] = _("请填写考核类别名称")
    elif AssessmentGroup.objects.filter(organization=group.organization, name=group.name).exclude(pk=group.pk).exists():
        errors["name"] = _("已有同名的考核类别")
    if not set(group.domains) <= set(OrgDomain.values):
        errors["domains"] = _("所属领域有误")
    if not set(group.kinds) <= set(OrgKind.values):
        errors["kinds"] = _("组织类别有误")
    if not (group.domains or group.kinds or organizations):
        errors["organizations"] = _("请按所属领域、组织类别或逐个指定，至少用一种方式确定该类别包括哪些组织")
    outside = [o.name for o in organizations if not o.path.startswith(group.organization.path)]
    if outside:
        errors["organizations"] = _("不在{owner}范围内的组织：{names}").format(owner=group.organization.name,
                                                                         names="、".join(outside))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_create(*, actor, organization, data, request=None) -> AssessmentGroup:
    organizations = list(data.get("organizations") or [])
    group = AssessmentGroup(organization=organization, **{k: data[k] for k in GROUP_FIELDS if k in data})
    _group_clean(group, organizations)
    group.save()
    group.organizations.set(organizations)
    audit_record(actor=actor, action=Action.CREATE, obj=group, after=_group_after(group, organizations), request=request)
    return group


@transaction.atomic
def group_update(*, actor, group, data, request=None) -> AssessmentGroup:
    group = AssessmentGroup.objects.select_for_update(of=("self",)).select_related("organization").get(pk=group.pk)
    before = _group_after(group, list(group.organizations.all()))
    organizations = list(data.get("organizations") or [])
    for k in GROUP_FIELDS:
        if k in data:
            setattr(group, k, data[k])
    _group_clean(group, organizations)
    group.save()
    group.organizations.set(organizations)
    audit_record(actor=actor, action=Action.UPDATE, obj=group, before=before, after=_group_after(group, organizations),
                 request=request)
    return group


# ---- systems ----

def _lock(system) -> IndicatorSystem:
    return IndicatorSystem.objects.select_for_update(of=("self",)).select_related("group__organization").get(pk=system.pk)


def _next_version(group, year) -> int:
    """The next version number of a group's year, under the group's row lock (two copies never take the same)."""
    list(AssessmentGroup.objects.select_for_update().filter(pk=group.pk).values_list("pk", flat=True))
    top = IndicatorSystem.objects.filter(group=group, year=year).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def _check_year(year):
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({"year": _("考核年度应在{min}年至{max}年之间").format(min=MIN_YEAR, max=MAX_YEAR)})


def _check_weights(system):
    problems = rules.weight_problems([getattr(system, f) for f in WEIGHT_FIELDS.values()])
    if problems:
        raise ValidationError({"weight_year": problems})


def _clean_system(system):
    system.name = (system.name or "").strip()
    if not system.name:
        raise ValidationError({"name": _("请填写指标体系名称")})
    _check_weights(system)


@transaction.atomic
def system_create(*, actor, group, data, request=None) -> IndicatorSystem:
    """A new draft (the next version of the group's year), with the default grade bands."""
    year = data.get("year")
    _check_year(year)
    system = IndicatorSystem(group=group, year=year, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                             **{k: data[k] for k in SYSTEM_FIELDS if k in data})
    _clean_system(system)
    system.version = _next_version(group, year)
    system.save()
    GradeBand.objects.bulk_create(GradeBand(system=system, name=n, min_score=lo, max_score=hi) for n, lo, hi in DEFAULT_BANDS)
    audit_record(actor=actor, action=Action.CREATE, obj=system, after=snapshot(system), request=request)
    return system


@transaction.atomic
def system_update(*, actor, system, data, request=None) -> IndicatorSystem:
    system = _lock(system)
    states.check(system, "edit")
    before = snapshot(system)
    for k in SYSTEM_FIELDS:
        if k in data:
            setattr(system, k, data[k])
    _clean_system(system)
    system.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=system, before=before, after=snapshot(system), request=request)
    return system


def _bands_of(system):
    return [{"name": b.name, "min_score": str(b.min_score), "max_score": str(b.max_score)}
            for b in system.bands.order_by("-min_score")]


@transaction.atomic
def system_set_bands(*, actor, system, bands, request=None) -> IndicatorSystem:
    """Replace the grade bands: `bands` as (name, min_score, max_score), all or nothing."""
    system = _lock(system)
    states.check(system, "edit")
    bands = [((name or "").strip(), lo, hi) for name, lo, hi in bands]
    problems = ([_("等次名称不能为空")] if any(not name for name, _lo, _hi in bands) else []) or rules.band_problems(bands)
    if problems:
        raise ValidationError(problems)
    before = _bands_of(system)
    system.bands.all().delete()
    GradeBand.objects.bulk_create(GradeBand(system=system, name=n, min_score=lo, max_score=hi) for n, lo, hi in bands)
    audit_record(actor=actor, action=Action.UPDATE, obj=system, before={"bands": before}, after={"bands": _bands_of(system)},
                 request=request, note=_("考核等次"))
    return system


@transaction.atomic
def system_publish(*, actor, system, request=None, now=None) -> IndicatorSystem:
    """发布: the draft is checked as a whole (rules.py) and put in use; the version of the same group and year in use
    until now is retired in the same transaction (one in use at a time)."""
    now = now or timezone.now()
    system = _lock(system)
    states.check(system, "publish")
    problems = selectors.problems(system)
    if problems:
        raise ValidationError(problems)
    current = (IndicatorSystem.objects.select_for_update().filter(group=system.group, year=system.year,
                                                                   status__in=states.STEPS["retire"].allowed_from)
               .exclude(pk=system.pk).first())
    if current is not None:
        _retire(current, actor=actor, request=request, now=now,
                note=_("第{n}版发布后停用").format(n=system.version))
    before = snapshot(system)
    states.enter(system, "publish")
    system.published_at = now
    system.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=system, before=before, after=snapshot(system), request=request,
                 note=_("发布使用"))
    return system


def _retire(system, *, actor, request, now, note):
    before = snapshot(system)
    states.enter(system, "retire")
    system.retired_at = now
    system.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=system, before=before, after=snapshot(system), request=request,
                 note=note)


@transaction.atomic
def system_retire(*, actor, system, request=None, now=None) -> IndicatorSystem:
    system = _lock(system)
    _retire(system, actor=actor, request=request, now=now or timezone.now(), note=_("停用"))
    return system


@transaction.atomic
def system_copy(*, actor, system, year, request=None) -> IndicatorSystem:
    """复制为新版本 (the same year) or for another year (复制上一年度): a draft with the same fields, weights, bands and the
    whole indicator tree, numbered as the next version of its group's year."""
    _check_year(year)
    source = IndicatorSystem.objects.select_for_update(of=("self",)).select_related("group").get(pk=system.pk)
    states.check(source, "copy")
    copy = IndicatorSystem(group=source.group, year=year, version=_next_version(source.group, year), copied_from=source,
                           created_by=actor if getattr(actor, "is_authenticated", False) else None,
                           **{k: getattr(source, k) for k in SYSTEM_FIELDS})
    copy.save()
    GradeBand.objects.bulk_create(GradeBand(system=copy, name=b.name, min_score=b.min_score, max_score=b.max_score)
                                  for b in source.bands.all())
    created = _copy_tree(list(source.indicators.all()), copy)
    audit_record(actor=actor, action=Action.CREATE, obj=copy, after=snapshot(copy), request=request,
                 note=_("复制自 {source}（{n}项指标）").format(source=str(source), n=len(created)))
    audit_bulk([build_event(actor=actor, action=Action.CREATE, obj=node, after=snapshot(node), request=request,
                            organization=copy.group.organization, note=_("随指标体系复制"))
                for node in created])
    return copy


def _copy_tree(nodes, target) -> list[Indicator]:
    """The nodes copied into `target`, level by level (a level's parents exist before their children are written)."""
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    created, level, new_pk = [], children.get(None, []), {None: None}
    while level:
        copies = [Indicator(system=target, parent_id=new_pk[n.parent_id], **{f: getattr(n, f) for f in COPIED_FIELDS})
                  for n in level]
        Indicator.objects.bulk_create(copies)  # returns the keys on PostgreSQL and SQLite ≥ 3.35
        for old, new in zip(level, copies):
            new_pk[old.pk] = new.pk
        created += copies
        level = [child for n in level for child in children.get(n.pk, [])]
    return created


@transaction.atomic
def system_delete(*, actor, system, request=None):
    """删除草稿, with its indicators and bands."""
    system = _lock(system)
    states.check(system, "delete")
    audit_record(actor=actor, action=Action.DELETE, obj=system, before=snapshot(system), request=request,
                 note=_("（含{n}项指标）").format(n=system.indicators.count()))
    system.delete()


# ---- indicators ----

def _normalized(values: dict) -> dict:
    """Only what the method uses is kept: a manual indicator names no metric, an automatic one no cap, and so on."""
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    values["standard"] = (values.get("standard") or "").strip()
    method = values.get("method") or ""
    values["method"] = method
    entry = catalogue.get(values.get("metric") or "") if method == Method.AUTOMATIC else None
    if method != Method.AUTOMATIC:
        values["metric"] = ""
    if not (entry and entry.needs_activity_type):
        values["activity_type"] = None
    if method not in (Method.DEDUCTION, Method.BONUS) and not (entry and entry.needs_points_per):
        values["points_per"] = None
    if method in (Method.DEDUCTION, Method.BONUS):
        if values.get("cap") is None:
            values["cap"] = values.get("max_points")  # at most the indicator's whole points
        values["item_feed"] = values.get("item_feed") or ""
    else:
        values["cap"] = None
        values["item_feed"] = ""
    if method != Method.MANUAL or values.get("cross_weight") in (None, ""):
        values["cross_weight"] = 0  # only a manual leaf is scored by cross-assessment
    return values


def _validate_indicator(values):
    errors = {}
    if not values["name"]:
        errors["name"] = _("请填写指标名称")
    errors.update(rules.indicator_problems(
        max_points=values.get("max_points"), method=values["method"], metric=values.get("metric", ""),
        activity_type=values.get("activity_type"), points_per=values.get("points_per"), cap=values.get("cap")))
    weight = values.get("cross_weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
        errors["cross_weight"] = _("交叉评分权重须为0至100之间的整数")
    if values["item_feed"] and feeds.get(values["item_feed"]) is None:
        errors["item_feed"] = _("未知的扣（加）分事项来源：{key}").format(key=values["item_feed"][:60])
    activity_type = values.get("activity_type")
    if activity_type is not None and not activity_type.is_required:
        errors["activity_type"] = _("「{name}」不是必须开展的组织生活，没有完成率").format(name=activity_type.name)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def indicator_create(*, actor, system, data, parent=None, request=None) -> Indicator:
    system = _lock(system)
    states.check(system, "edit")
    if parent is not None and parent.system_id != system.pk:
        raise ValidationError(_("上级指标不属于该指标体系"))
    if rules.depth_of(parent) > rules.MAX_DEPTH:
        raise ValidationError(_("指标最多{n}级").format(n=rules.MAX_DEPTH))
    if system.indicators.count() >= rules.MAX_INDICATORS:
        raise ValidationError(_("一个指标体系最多{n}项指标").format(n=rules.MAX_INDICATORS))
    values = _normalized({k: data.get(k) for k in INDICATOR_FIELDS})
    _validate_indicator(values)
    siblings = system.indicators.filter(parent=parent)
    position = (siblings.aggregate(top=Max("position"))["top"] or 0) + 1
    indicator = Indicator.objects.create(system=system, parent=parent, position=position, **values)
    audit_record(actor=actor, action=Action.CREATE, obj=indicator, after=snapshot(indicator), request=request,
                 organization=system.group.organization)
    return indicator


@transaction.atomic
def indicator_update(*, actor, indicator, data, request=None) -> Indicator:
    system = _lock(indicator.system)
    states.check(system, "edit")
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    before = snapshot(indicator)
    values = _normalized({k: data.get(k, getattr(indicator, k)) for k in INDICATOR_FIELDS})
    _validate_indicator(values)
    for k, v in values.items():
        setattr(indicator, k, v)
    indicator.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=indicator, before=before, after=snapshot(indicator), request=request,
                 organization=system.group.organization)
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator, request=None) -> int:
    """An indicator and everything under it; each deleted node is on the trail. Returns how many went."""
    system = _lock(indicator.system)
    states.check(system, "edit")
    nodes = list(system.indicators.all())
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    gone, level = [], [n for n in nodes if n.pk == indicator.pk]
    while level:
        gone += level
        level = [c for n in level for c in children.get(n.pk, [])]
    if not gone:
        raise ValidationError(_("该指标已删除"))
    audit_bulk([build_event(actor=actor, action=Action.DELETE, obj=n, before=snapshot(n), request=request,
                            organization=system.group.organization) for n in gone])
    Indicator.objects.filter(pk=gone[0].pk).delete()  # its subtree follows (on_delete=CASCADE)
    return len(gone)


@transaction.atomic
def indicator_move(*, actor, indicator, up: bool, request=None) -> Indicator:
    """上移 / 下移 among its siblings (the numbering follows); the siblings whose place changes are on the trail."""
    system = _lock(indicator.system)
    states.check(system, "edit")
    siblings = list(system.indicators.filter(parent_id=indicator.parent_id).order_by("position", "id"))
    i = next((k for k, s in enumerate(siblings) if s.pk == indicator.pk), None)
    if i is None:
        raise ValidationError(_("该指标已删除"))
    j = i - 1 if up else i + 1
    if not 0 <= j < len(siblings):
        raise ValidationError(_("已是同级第一项") if up else _("已是同级最后一项"))
    siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, node in enumerate(siblings, start=1):
        if node.position != position:
            before = snapshot(node)
            node.position = position
            node.save(update_fields=["position"])
            audit_record(actor=actor, action=Action.UPDATE, obj=node, before=before, after=snapshot(node), request=request,
                         organization=system.group.organization, note=_("调整顺序"))
    return next(s for s in siblings if s.pk == indicator.pk)
