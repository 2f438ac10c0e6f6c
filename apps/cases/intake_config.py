"""The district's intake configuration, read from the database once per change instead of on every submission: the
active categories with their questions, the areas (townships of active township units and their villages and
communities), the handling units and the active routing rules. A resident's submission validates its category and
place and is routed from this snapshot without a query.

Freshness across worker processes: each process keeps the snapshot it built beside a version token kept in the shared
cache (one small cache read per use). Any write to the configuration — a save or delete of a category, question,
unit or rule (the configuration services, tests, the seed), their `QuerySet.update()`/`delete()`/`bulk_create()`
(`models.ConfigManager`), a change of the assisting units, an organization saved or moved (a move writes its
subtree's paths past save(), so its audit row is the signal) — replaces the token, at once and again when its
transaction commits (so no process keeps a snapshot read before the change became visible); every process rebuilds
on its next use. The token also expires after VERSION_SECONDS, so a change made around all of these (raw SQL, a
restored backup) is picked up within minutes.

The snapshot's model instances are shared by the threads of a process: read them, never change them."""

import threading
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "cases:intake-config:version"
VERSION_SECONDS = 300

_lock = threading.Lock()
_memo = {}  # "pair": (version token, Snapshot), replaced as a whole


@dataclass
class Snapshot:
    services: dict = field(default_factory=dict)  # pk -> active Service, attributes prefetched
    services_by_code: dict = field(default_factory=dict)
    townships: dict = field(default_factory=dict)  # pk -> Organization of an active township unit
    township_paths: set = field(default_factory=set)
    villages: dict = field(default_factory=dict)  # pk -> active village/community Organization right below a township
    by_code: dict = field(default_factory=dict)  # organization code -> township or village
    units: dict = field(default_factory=dict)  # pk -> HandlingUnit (organization loaded), active or not
    place_units: dict = field(default_factory=dict)  # organization path -> active village/township units, in order
    district: object = None  # the district's unit (兜底), or None
    rules: list = field(default_factory=list)  # active RoutingRules, area loaded, `assisting_units` set

    def area(self, pk):
        """A township or village (an area a case may lie in) by primary key, or None."""
        return self.townships.get(pk) or self.villages.get(pk)


def _build() -> Snapshot:
    from apps.orgs.models import Organization

    from .areas import VILLAGE_DOMAINS, townships
    from .models import HandlingUnit, RoutingRule, Service, UnitKind

    snap = Snapshot()
    for service in Service.objects.filter(is_active=True).prefetch_related("attributes"):
        snap.services[service.pk] = service
        snap.services_by_code[service.code] = service
    snap.townships = {org.pk: org for org in townships()}
    snap.township_paths = {org.path for org in snap.townships.values()}
    depths = {org.depth + 1 for org in snap.townships.values()}
    if depths:
        for org in Organization.objects.filter(depth__in=depths, domain__in=VILLAGE_DOMAINS, is_active=True):
            if org.path[: -org.steplen] in snap.township_paths:
                snap.villages[org.pk] = org
    snap.by_code = {org.code: org for org in [*snap.townships.values(), *snap.villages.values()] if org.code}
    units = list(HandlingUnit.objects.select_related("organization").order_by("sort_order", "name", "id"))
    snap.units = {unit.pk: unit for unit in units}
    for unit in units:
        if unit.is_active and unit.kind in (UnitKind.VILLAGE, UnitKind.TOWNSHIP):
            snap.place_units.setdefault(unit.organization.path, []).append(unit)
    snap.district = next((u for u in sorted(units, key=lambda u: (u.sort_order, u.pk))
                          if u.kind == UnitKind.DISTRICT and u.is_active), None)
    rules = list(RoutingRule.objects.filter(is_active=True).select_related("area"))
    assisting = {}
    for rule_id, unit_id in RoutingRule.assisting.through.objects.filter(
            routingrule_id__in=[r.pk for r in rules]).values_list("routingrule_id", "handlingunit_id"):
        assisting.setdefault(rule_id, []).append(snap.units[unit_id])
    for rule in rules:
        rule.unit = snap.units.get(rule.unit_id) if rule.unit_id else None
        # In the units' order, as the rule's own `assisting` (HandlingUnit's Meta ordering) would list them.
        rule.assisting_units = sorted(assisting.get(rule.pk, []), key=lambda u: (u.sort_order, u.name))
    snap.rules = rules
    return snap


def _version() -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, token, VERSION_SECONDS):
            token = cache.get(VERSION_KEY) or token
    return token


def current() -> Snapshot:
    """The snapshot for the current configuration (built now if it changed since this process last read it)."""
    version = _version()
    memo = _memo.get("pair")
    if memo is not None and memo[0] == version:
        return memo[1]
    with _lock:  # one build at a time in a process; a thread that waited finds it done
        memo = _memo.get("pair")
        if memo is None or memo[0] != version:
            # Kept under the token read before building: a change committed meanwhile has a newer token already.
            memo = _memo["pair"] = (version, _build())
    return memo[1]


def invalidate(**kwargs):
    """The configuration changed: every process rebuilds its snapshot on next use. Also once the change commits, so
    a snapshot read in between (of the state before the change) is not kept."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version():
    cache.set(VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)


def _audited(sender, instance, created=False, **kwargs):
    # An organization moved (treebeard writes the paths of a subtree past save()) is known by its audit row.
    if created and instance.object_type == "orgs.organization":
        invalidate()


def connect():
    """Called from the app's ready(): every write the snapshot depends on invalidates it."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from apps.audit.models import AuditEvent
    from apps.orgs.models import Organization

    from .models import HandlingUnit, RoutingRule, Service, ServiceAttribute

    for model in (Service, ServiceAttribute, HandlingUnit, RoutingRule, Organization):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"cases-config-save-{model._meta.label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"cases-config-delete-{model._meta.label}")
    m2m_changed.connect(invalidate, sender=RoutingRule.assisting.through, dispatch_uid="cases-config-assisting")
    post_save.connect(_audited, sender=AuditEvent, dispatch_uid="cases-config-audit")
