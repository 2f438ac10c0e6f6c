"""Reads of duty lists and inspections: what applies to an organization (the district's templates for its kind plus
its own lists), quarters, the inspections of a period for the manual scoring form, and the feed of not-done results
(feeds.py: "负面清单检查：违反")."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.orgs.models import Organization

from .duty_models import DutyItem, DutyKind, DutyList, DutyPost, InspectionResult, Outcome

VIOLATIONS_FEED = "duties.violations"
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def ancestor_paths(path) -> list[str]:
    """The paths of an organization and of every organization above it."""
    step = Organization.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def _kinds_match(lst, org):
    return not lst.kinds or org.kind in lst.kinds


def applicable_lists(org) -> list[DutyList]:
    # kinds__contains is not available on SQLite's JSON: the templates above are few, filtered here.
    rows = DutyList.objects.filter(Q(is_template=True, organization__path__in=ancestor_paths(org.path))
                                   | Q(is_template=False, organization=org)).select_related("organization")
    return [lst for lst in rows if not lst.is_template or _kinds_match(lst, org)]


@dataclass
class PostSection:
    post: str
    label: str
    kinds: list = field(default_factory=list)  # (kind, label, [items])


def applicable_items(org) -> list[DutyItem]:
    """In reading order: by post and kind (in their choices' order), the templates' items before the own list's."""
    lists = applicable_lists(org)
    posts, kinds = {p: i for i, p in enumerate(DutyPost.values)}, {k: i for i, k in enumerate(DutyKind.values)}
    items = DutyItem.objects.filter(duty_list__in=lists).select_related("duty_list__organization")
    return sorted(items, key=lambda i: (posts.get(i.duty_list.post, 99), kinds.get(i.kind, 99), not i.duty_list.is_template,
                                        i.duty_list.organization.depth, i.duty_list_id, i.position, i.pk))


def sections(items) -> list[PostSection]:
    """Items grouped by post (in DutyPost's order) and kind (责任, 任务, 负面)."""
    out = []
    for post, label in DutyPost.choices:
        section = PostSection(post, label)
        for kind, kind_label in DutyKind.choices:
            rows = [i for i in items if i.duty_list.post == post and i.kind == kind]
            if rows:
                section.kinds.append((kind, kind_label, rows))
        if section.kinds:
            out.append(section)
    return out


def parse_quarter(key):
    """(year, number) of "2026Q3"; a clear refusal otherwise."""
    match = QUARTER_RE.match((key or "").strip())
    if not match or not 1900 <= int(match.group(1)) <= 2100:
        raise ValidationError({"period_key": _("检查季度的格式应为“2026Q3”")})
    return int(match.group(1)), int(match.group(2))


def quarter_of(day) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(day) -> str:
    year, q = day.year, (day.month - 1) // 3 + 1
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def inspection_list(queryset, *, period_key="", failed_only=False):
    qs = queryset.select_related("organization", "inspector").annotate(
        done=Count("results", filter=Q(results__outcome=Outcome.DONE)),
        not_done=Count("results", filter=Q(results__outcome=Outcome.NOT_DONE)))
    if period_key:
        qs = qs.filter(period_key=period_key)
    if failed_only:
        qs = qs.filter(not_done__gt=0)
    return qs.order_by("-period_start", "organization__path", "id")


def inspections_in(queryset, org, start, end):
    """The organization's inspections (of a scoped queryset) of quarters overlapping start–end, with their done /
    not-done counts: shown to the assessor of a manual indicator (one query)."""
    return list(inspection_list(queryset.filter(organization=org, period_start__lte=end, period_end__gte=start)))


def result_url(result_pk, inspection_pk) -> str:
    return reverse("assessment:inspection_detail", args=[inspection_pk]) + f"#result-{result_pk}"


def violations(org_ids, start, end) -> dict:
    """The feed "负面清单检查：违反": every not-done duty or task and every violated prohibited act of the
    inspections of these organizations, one item each. It happened on the inspection's date, or on its quarter's
    last day when the inspection was held after the quarter (a Q4 inspection in January counts in Q4)."""
    rows = (InspectionResult.objects.filter(outcome=Outcome.NOT_DONE, inspection__organization_id__in=org_ids,
                                            inspection__period_end__gte=start, inspection__period_start__lte=end)
            .select_related("inspection").order_by("inspection__period_start", "id"))
    labels = dict(DutyKind.choices)
    out = {}
    for r in rows:
        happened = min(r.inspection.inspected_on, r.inspection.period_end)
        if not start <= happened <= end:
            continue
        what = (_("{kind}：{text}（{period}检查）") if r.kind != DutyKind.PROHIBITED else _("{kind}：违反“{text}”（{period}检查）")
                ).format(kind=labels[r.kind], text=r.text, period=r.inspection.period_key)
        out.setdefault(r.inspection.organization_id, []).append({
            "ref": f"inspection-result:{r.pk}", "what": what[:200], "happened_on": happened, "note": r.note[:500],
            "url": result_url(r.pk, r.inspection_id)})
    return out

