"""The one audit trail. Call `audit_record` inside the same transaction as the write it records."""

import datetime
import decimal
from functools import cache

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from apps.core.bulk import insert_returning_pks, instance_factory
from apps.core.net import client_ip

from .models import AuditEvent

Action = AuditEvent.Action


_PLAIN = frozenset((str, int, bool, float, type(None)))


def _jsonable(value):
    if type(value) in _PLAIN:  # most values: the isinstance chain below would leave them as they are
        return value
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj) -> dict:
    """Field values of a model instance for before/after, with sensitive fields masked.

    A model lists sensitive fields in AUDIT_MASKED = {"field": callable_returning_masked_value}
    and fields never to record in AUDIT_EXCLUDE. Fields in AUDIT_PERSONAL are recorded (masked where
    AUDIT_MASKED says so) but shown to readers of the trail as changed only: apps.audit.display.
    """
    if obj is None:
        return None
    data = {}
    for name, attname, mask in _snapshot_fields(type(obj)):
        data[name] = mask(obj) if mask is not None else _jsonable(getattr(obj, attname))
    return data


@cache
def _snapshot_fields(model):
    """(name, attname, mask or None) of the fields a snapshot of `model` records, in field order: worked out once per
    model (an import snapshots 63,000 members)."""
    masked = getattr(model, "AUDIT_MASKED", {})
    exclude = set(getattr(model, "AUDIT_EXCLUDE", ()))
    return tuple((f.name, f.attname, masked.get(f.name)) for f in model._meta.concrete_fields if f.name not in exclude)


class AuditOutsideTransaction(RuntimeError):
    """An audit row for a write must be written in the write's own transaction, or neither may happen."""


def build_event(*, actor, action, obj=None, before=None, after=None, object_type="", object_id="",
                object_repr="", organization=None, request=None, note="") -> AuditEvent:
    """The audit row for one event, unsaved: the one place rows are built (audit_record saves one, audit_bulk many)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if organization is None:
            organization = getattr(obj, "audit_organization", None)
    # As AuditEvent(actor=…, …) would build it, without Model.__init__'s keyword handling (an import builds 63,000).
    row = instance_factory(AuditEvent)()
    row.actor = actor if getattr(actor, "is_authenticated", False) else None
    values = row.__dict__
    values["actor_name"] = getattr(actor, "username", "") or ""
    values["action"] = action
    values["object_type"] = object_type
    values["object_id"] = str(object_id or "")
    values["object_repr"] = (object_repr or "")[:200]
    values["organization_id"] = getattr(organization, "pk", None)
    values["org_path"] = getattr(organization, "path", "") or ""
    values["before"] = before
    values["after"] = after
    values["ip"] = client_ip(request)
    values["note"] = (note or "")[:300]
    return row


def _in_write_transaction() -> bool:
    connection = transaction.get_connection()
    # A test case's own wrapping transaction is not the write's: the code under test must open one itself, so the
    # rule holds in every test as it does in production.
    return connection.in_atomic_block and any(not block._from_testcase for block in connection.atomic_blocks)


def audit_record(**event) -> AuditEvent:
    """Record a write, inside the write's transaction (refused outside one: a row must never outlive a rolled-back
    write, nor a write go unrecorded). Arguments as build_event."""
    if not _in_write_transaction():
        raise AuditOutsideTransaction("audit_record runs inside the transaction of the write it records")
    row = build_event(**event)
    row.save(force_insert=True)
    return row


def audit_read(**event) -> AuditEvent:
    """Record a read of personal data (an export, an unmasked number, a number search): there is no write to share a
    transaction with, so the row gets its own. Arguments as build_event."""
    with transaction.atomic():
        return audit_record(**event)


def audit_bulk(events: list[AuditEvent]):
    """Insert many audit rows at once (imports), built by build_event; inside the import's transaction."""
    if not _in_write_transaction():
        raise AuditOutsideTransaction("audit_bulk runs inside the transaction of the writes it records")
    insert_returning_pks(AuditEvent, events)  # bulk_create without its per-value compiler cost (63,000 rows)
