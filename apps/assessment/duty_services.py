"""Every write of duty lists and inspections. Atomic, audited in the same transaction; the views check who may
(templates: ASSESSMENT_MANAGE where they are set up; an organization's own lists: ORG_MANAGE on it; inspections:
ASSESSMENT_SCORE strictly above the organization), the services check what.

An inspection is entered once per organization and quarter, with a result for every item that applies to the
organization at that moment (duty_selectors.applicable_items); the item's kind and text are copied onto the result.
Evidence files are checked like a manual score's (round_services.check_evidence) and deleted from storage when the
write fails, so nothing half-saved stays on disk.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_bulk, audit_record, build_event, snapshot
from apps.core import evidence
from apps.orgs.models import OrgKind

from . import duty_selectors, round_services
from .duty_models import (
    DutyItem,
    DutyKind,
    DutyList,
    DutyPost,
    Inspection,
    InspectionEvidence,
    InspectionResult,
    Outcome,
)
from .models import Period

MAX_ITEMS = 200  # per list
EVIDENCE_PER_RESULT = 5


def _text(value, limit, field, label, *, required=False):
    value = (value or "").strip()
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValidationError({field: _("{label}含有不允许的字符").format(label=label)})
    if len(value) > limit:
        raise ValidationError({field: _("{label}不能超过{n}个字符").format(label=label, n=limit)})
    if required and not value:
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    return value


def _clean_list(lst):
    lst.name = _text(lst.name, 100, "name", _("清单名称"), required=True)
    lst.note = _text(lst.note, 500, "note", _("说明"))
    if lst.post not in DutyPost.values:
        raise ValidationError({"post": _("请选择适用对象")})
    kinds = sorted(set(lst.kinds or []))
    if not set(kinds) <= set(OrgKind.values):
        raise ValidationError({"kinds": _("组织类别有误")})
    lst.kinds = kinds if lst.is_template else []


@transaction.atomic
def duty_list_create(*, actor, organization, data, request=None) -> DutyList:
    """A district template (is_template) or an organization's own list."""
    lst = DutyList(organization=organization, is_template=bool(data.get("is_template")), post=data.get("post") or "",
                   kinds=list(data.get("kinds") or []), name=data.get("name") or "", note=data.get("note") or "",
                   created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _clean_list(lst)
    lst.save()
    audit_record(actor=actor, action=Action.CREATE, obj=lst, after=snapshot(lst), request=request)
    return lst


@transaction.atomic
def duty_list_update(*, actor, duty_list, data, request=None) -> DutyList:
    lst = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    before = snapshot(lst)
    for name in ("name", "note", "post", "kinds"):
        if name in data:
            setattr(lst, name, data[name] if data[name] is not None else "")
    _clean_list(lst)
    lst.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=lst, before=before, after=snapshot(lst), request=request)
    return lst


@transaction.atomic
def duty_list_delete(*, actor, duty_list, request=None):
    """The list and its items (past inspection results keep their copies of the items)."""
    lst = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    items = list(lst.items.all())
    audit_bulk([build_event(actor=actor, action=Action.DELETE, obj=i, before=snapshot(i), request=request,
                            organization=lst.organization) for i in items])
    audit_record(actor=actor, action=Action.DELETE, obj=lst, before=snapshot(lst), request=request)
    lst.delete()


def _clean_item(data) -> dict:
    """An item's kind, text and deadline (a task's deadline is required; the others have none)."""
    kind = data.get("kind")
    if kind not in DutyKind.values:
        raise ValidationError({"kind": _("请选择清单类别")})
    text = _text(data.get("text"), 300, "text", _("内容"), required=True)
    deadline = data.get("deadline")
    if kind == DutyKind.TASK:
        if not isinstance(deadline, date):
            raise ValidationError({"deadline": _("任务清单的事项须填写完成时限")})
        if not 1900 <= deadline.year <= 2100:
            raise ValidationError({"deadline": _("完成时限不正确")})
    else:
        deadline = None
    return {"kind": kind, "text": text, "deadline": deadline}


def _next_position(lst, kind) -> int:
    return (lst.items.filter(kind=kind).aggregate(top=Max("position"))["top"] or 0) + 1


@transaction.atomic
def duty_item_add(*, actor, duty_list, data, request=None) -> DutyItem:
    lst = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    values = _clean_item(data)
    if lst.items.count() >= MAX_ITEMS:
        raise ValidationError({"text": _("一个清单最多{n}项").format(n=MAX_ITEMS)})
    item = DutyItem.objects.create(duty_list=lst, position=_next_position(lst, values["kind"]), **values)
    audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request,
                 organization=lst.organization)
    return item


@transaction.atomic
def duty_item_update(*, actor, item, data, request=None) -> DutyItem:
    """Correct an item in place. Inspections already held keep the kind and text they were held against (each result
    copied them), so a correction never rewrites a past quarter; an item moved to another kind goes last in it."""
    lst = DutyList.objects.select_for_update().get(pk=item.duty_list_id)
    item = DutyItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item)
    values = _clean_item(data)
    if values["kind"] != item.kind:
        item.position = _next_position(lst, values["kind"])
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=item, before=before, after=snapshot(item), request=request,
                 organization=lst.organization)
    return item


@transaction.atomic
def duty_item_delete(*, actor, item, request=None):
    item = DutyItem.objects.select_for_update().select_related("duty_list__organization").get(pk=item.pk)
    audit_record(actor=actor, action=Action.DELETE, obj=item, before=snapshot(item), request=request,
                 organization=item.duty_list.organization)
    item.delete()


# ---- inspections ----

def inspection_create(*, actor, organization, data, results, files=None, request=None) -> Inspection:
    """One quarter's inspection. `data`: period_key ("2026Q3"), inspected_on, note; `results`: {item pk: (outcome,
    note)} for every item that applies to the organization; `files`: {item pk: [uploads]}."""
    with evidence.atomic_with_files() as store:
        return _inspection_create(actor=actor, organization=organization, data=data, results=results,
                                  files=files or {}, request=request, store=store)


def _inspection_create(*, actor, organization, data, results, files, request, store):
    year, number = duty_selectors.parse_quarter(data.get("period_key"))
    key, start, end = round_services.period_bounds(Period.QUARTER, year, number)
    inspected_on = data.get("inspected_on")
    if not isinstance(inspected_on, date) or not start <= inspected_on <= timezone.localdate():
        raise ValidationError({"inspected_on": _("检查日期须在该季度开始之后、且不晚于今天")})
    note = _text(data.get("note"), 500, "note", _("检查说明"))
    if Inspection.objects.filter(organization=organization, period_key=key).exists():
        raise ValidationError({"period_key": _("{org}{key}的检查已录入").format(org=organization.name, key=key)})
    items = duty_selectors.applicable_items(organization)
    if not items:
        raise ValidationError(_("该组织没有适用的清单事项，无需检查"))
    missing = [i.text for i in items if (results.get(i.pk) or (None,))[0] not in Outcome.values]
    if missing:
        raise ValidationError({"results": _("请为每个事项选择检查结果，尚未选择：{items}").format(
            items="、".join(t[:20] for t in missing[:5]) + ("…" if len(missing) > 5 else ""))})
    uploads = {pk: list(fs) for pk, fs in files.items() if fs}
    for fs in uploads.values():
        if len(fs) > EVIDENCE_PER_RESULT:
            raise ValidationError({"files": _("每个事项最多上传{n}个佐证材料").format(n=EVIDENCE_PER_RESULT)})
    types = {pk: [round_services.check_evidence(f) for f in fs] for pk, fs in uploads.items()}
    inspection = Inspection.objects.create(organization=organization, period_key=key, period_start=start, period_end=end,
                                           inspected_on=inspected_on, inspector=actor, note=note)
    rows = [InspectionResult(inspection=inspection, item=i, kind=i.kind, text=i.text, outcome=results[i.pk][0],
                             note=_text(results[i.pk][1] if len(results[i.pk]) > 1 else "", 500, "results", _("情况说明")))
            for i in items]
    InspectionResult.objects.bulk_create(rows)
    by_item = {r.item_id: r for r in InspectionResult.objects.filter(inspection=inspection)}
    events = []
    for pk, fs in uploads.items():
        result = by_item.get(pk)
        if result is None:
            continue
        for upload, content_type in zip(fs, types[pk]):
            ev = store(InspectionEvidence.of(upload, content_type, uploaded_by=actor, result=result), upload)
            ev.save()
            events.append(build_event(actor=actor, action=Action.CREATE, obj=ev, after=snapshot(ev), request=request,
                                      organization=organization))
    audit_record(actor=actor, action=Action.CREATE, obj=inspection, request=request,
                 after={**snapshot(inspection), "results": {r.text[:40]: r.outcome for r in by_item.values()}})
    audit_bulk(events)
    return inspection


@transaction.atomic
def inspection_delete(*, actor, inspection, request=None):
    """An inspection entered by mistake, with its results and evidence (the files go once the deletion commits). Items
    already pulled into a round stay there: they keep their own text, and a closed round is never changed."""
    inspection = Inspection.objects.select_for_update().select_related("organization").get(pk=inspection.pk)
    files = [e.file.name for e in InspectionEvidence.objects.filter(result__inspection=inspection)]
    audit_record(actor=actor, action=Action.DELETE, obj=inspection, request=request,
                 before={**snapshot(inspection), "results": list(inspection.results.values_list("text", "outcome"))})
    inspection.delete()
    storage = InspectionEvidence._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
