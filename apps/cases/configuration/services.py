"""Writes to the district's settings of the system: handling units, routing rules, categories and their extra
questions, Open311 client applications. Atomic and audited like every other write."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.crypto import keyed_hash
from apps.orgs.models import Organization

from ..areas import VILLAGE_DOMAINS, place_name
from ..models import HandlingUnit, Open311Client, RoutingRule, Service, ServiceAttribute, UnitKind

UNIT_FIELDS = ("name", "kind", "organization", "parent", "is_active", "sort_order")
SERVICE_FIELDS = ("code", "name", "group", "description", "keywords", "urgency", "is_active", "sort_order")
RULE_FIELDS = ("service", "area", "to_area_unit", "unit", "is_active", "note")
ATTRIBUTE_FIELDS = ("code", "description", "datatype", "datatype_description", "required", "order", "values")


def _write(model, instance, fields, data, *, actor, request, check=None):
    creating = instance is None
    instance = model() if creating else model.objects.select_for_update().get(pk=instance.pk)
    before = None if creating else snapshot(instance)
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    if check:
        check(instance)
    instance.full_clean()
    instance.save()
    audit_record(actor=actor, action=Action.CREATE if creating else Action.UPDATE, obj=instance, before=before,
                 after=snapshot(instance), request=request)
    return instance


def _check_unit(unit):
    if unit.kind == UnitKind.VILLAGE and unit.parent_id is None:
        raise ValidationError({"parent": _("村（社区）单位须选择所属乡镇（街道）")})
    if unit.parent_id and unit.parent_id == unit.pk:
        raise ValidationError({"parent": _("上级单位不能是自身")})
    if unit.kind == UnitKind.DISTRICT and unit.is_active and (
            HandlingUnit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).exclude(pk=unit.pk).exists()):
        raise ValidationError({"kind": _("已有一个启用的区级（兜底）单位")})


@transaction.atomic
def unit_save(*, actor, unit=None, data, request=None) -> HandlingUnit:
    return _write(HandlingUnit, unit, UNIT_FIELDS, data, actor=actor, request=request, check=_check_unit)


@transaction.atomic
def units_from_tree(*, actor, root, villages=False, request=None) -> dict:
    """Create the district unit (on the root) and a unit for each township/street below the root, i.e. each child
    organization with villages or communities under it; with `villages`, one for each village and community too.
    Existing units are kept; returns how many were created of each kind."""
    created = {"district": 0, "township": 0, "village": 0}
    taken = set(HandlingUnit.objects.values_list("organization_id", flat=True))
    names = set(HandlingUnit.objects.values_list("name", flat=True))
    order = (HandlingUnit.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1

    def add(org, kind, parent=None):
        nonlocal order
        name = place_name(org) if kind != UnitKind.DISTRICT else _("区群众工作中心")
        if org.pk in taken or name in names:
            return HandlingUnit.objects.filter(organization=org).first()
        unit = HandlingUnit.objects.create(name=name[:60], kind=kind, organization=org, parent=parent, sort_order=order)
        order += 1
        taken.add(org.pk)
        names.add(name)
        created[kind] += 1
        audit_record(actor=actor, action=Action.CREATE, obj=unit, after=snapshot(unit), request=request,
                     note=_("从组织树生成"))
        return unit

    if not HandlingUnit.objects.filter(kind=UnitKind.DISTRICT).exists():
        add(root, UnitKind.DISTRICT)
    for town in Organization.objects.get_children(root).filter(is_active=True):
        children = Organization.objects.get_children(town).filter(is_active=True, domain__in=VILLAGE_DOMAINS)
        if not children.exists():
            continue
        town_unit = add(town, UnitKind.TOWNSHIP)
        if villages:
            for village in children:
                add(village, UnitKind.VILLAGE, town_unit)
    return created


def _check_rule(rule):
    if not rule.to_area_unit and rule.unit_id is None:
        raise ValidationError({"unit": _("请选择牵头单位，或选择属地办理")})
    if rule.to_area_unit:
        rule.unit = None
    duplicate = RoutingRule.objects.filter(service=rule.service, area=rule.area).exclude(pk=rule.pk)
    if duplicate.exists():
        raise ValidationError(_("已有同一类别和区域的派单规则"))


@transaction.atomic
def rule_save(*, actor, rule=None, data, assisting=(), request=None) -> RoutingRule:
    rule = _write(RoutingRule, rule, RULE_FIELDS, data, actor=actor, request=request, check=_check_rule)
    rule.assisting.set([u for u in assisting if u.pk != rule.unit_id])
    return rule


@transaction.atomic
def rule_delete(*, actor, rule, request=None):
    audit_record(actor=actor, action=Action.DELETE, obj=rule, before=snapshot(rule), request=request)
    rule.delete()


@transaction.atomic
def service_save(*, actor, service=None, data, request=None) -> Service:
    return _write(Service, service, SERVICE_FIELDS, data, actor=actor, request=request)


def _check_attribute(attribute):
    if attribute.is_list and not attribute.values:
        raise ValidationError({"values": _("单选、多选问题须填写选项")})
    if ServiceAttribute.objects.filter(service=attribute.service, code=attribute.code).exclude(pk=attribute.pk).exists():
        raise ValidationError({"code": _("该类别已有代码相同的问题")})
    if not isinstance(attribute.values, list) or any(not isinstance(v, dict) for v in attribute.values):
        raise ValidationError({"values": _("选项格式不正确")})
    keys = [str(v.get("key", "")) for v in attribute.values]
    if len(set(keys)) != len(keys) or any(not k for k in keys):
        raise ValidationError({"values": _("选项的代码不能为空或重复")})


@transaction.atomic
def attribute_save(*, actor, service, attribute=None, data, request=None) -> ServiceAttribute:
    def check(a):
        a.service = service
        _check_attribute(a)

    return _write(ServiceAttribute, attribute, ATTRIBUTE_FIELDS, data, actor=actor, request=request, check=check)


@transaction.atomic
def attribute_delete(*, actor, attribute, request=None):
    audit_record(actor=actor, action=Action.DELETE, obj=attribute, before=snapshot(attribute), request=request)
    attribute.delete()


# ---- Open311 client applications ----

def open311_key_hash(key) -> str:
    """What is kept of an Open311 key, and what a presented key is looked up by."""
    return keyed_hash("open311:" + key)


def _new_key():
    key = secrets.token_urlsafe(24)
    return key, key[:8], open311_key_hash(key)


@transaction.atomic
def open311_client_issue(*, actor, name, note="", request=None):
    """A new client application and its key, as (client, key). Only a hash of the key is kept: the key is returned
    to be shown once."""
    name = (name or "").strip()
    if Open311Client.objects.filter(name=name).exists():
        raise ValidationError({"name": _("已有名为“{name}”的接入应用").format(name=name)})
    key, prefix, key_hash = _new_key()
    client = Open311Client(name=name, note=(note or "").strip(), key_prefix=prefix, key_hash=key_hash)
    client.full_clean()
    client.save()
    audit_record(actor=actor, action=Action.CREATE, obj=client, after=snapshot(client), request=request)
    return client, key


@transaction.atomic
def open311_client_rotate(*, actor, client, request=None) -> str:
    """A new key for a client application; the old one stops working at once."""
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client)
    key, client.key_prefix, client.key_hash = _new_key()
    client.save(update_fields=["key_prefix", "key_hash"])
    audit_record(actor=actor, action=Action.UPDATE, obj=client, before=before, after=snapshot(client), request=request,
                 note=_("重新生成密钥"))
    return key


@transaction.atomic
def open311_client_update(*, actor, client, data, request=None) -> Open311Client:
    """Rename, annotate, enable or disable a client application (disabling revokes its key)."""
    return _write(Open311Client, client, ("name", "note", "is_active"), data, actor=actor, request=request)


def open311_client_used(client):
    """Note when a client application last posted a request (shown to the system administrator; not audited: it is
    the application's own activity, each request it posts is on its case's timeline)."""
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
