"""The one audit trail. Call `audit_record` inside the same transaction as the write it records."""

import datetime
import decimal

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from apps.core.bulk import insert_returning_pks
from apps.core.net import client_ip

from .models import AuditEvent

Action = AuditEvent.Action


def _jsonable(value):
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
    masked = getattr(obj, "AUDIT_MASKED", {})
    exclude = set(getattr(obj, "AUDIT_EXCLUDE", ()))
    data = {}
    for field in obj._meta.concrete_fields:
        name = field.name
        if name in exclude:
            continue
        if name in masked:
            data[name] = masked[name](obj)
            continue
        value = getattr(obj, field.attname)
        data[name] = _jsonable(value)
    return data


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
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=actor_obj,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=(object_repr or "")[:200],
        organization_id=getattr(organization, "pk", None),
        org_path=getattr(organization, "path", "") or "",
        before=before,
        after=after,
        ip=client_ip(request),
        note=(note or "")[:300],
    )


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
