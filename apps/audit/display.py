"""How audit rows read, on the auditor's pages and in the export: the one place that applies each model's
AUDIT_PERSONAL declaration and turns stored values into what a reader understands.

- Fields a model lists in `AUDIT_PERSONAL` (a member's birth date, sex, ethnicity, hardship, contacts; a resident's
  phone and address…) are shown as changed only — “出生日期：已修改” — never with their values, old rows included.
- Other fields show their verbose name and display value in the reader's language: choice labels (the GB/T code
  lists of apps.core.codes are choices too), 是/否, local times, and for foreign keys the related object's name,
  resolved for a whole page with one query per related model.
- Text that may hold a phone or 身份证 number typed by someone (notes, descriptions, old export conditions) goes
  through apps.core.text.mask_numbers.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.text import mask_numbers

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str | None  # None: the row has no "before" side (a creation)
    after: str | None  # None: the row has no "after" side (a deletion)
    personal: bool = False

    def as_text(self) -> str:
        if self.personal:
            return f"{self.label}：{self.after}"
        if self.before is None:
            return f"{self.label}：{self.after}"
        if self.after is None:
            return f"{self.label}：{self.before} → {EMPTY}"
        return f"{self.label}：{self.before} → {self.after}"


@cache
def audit_model(object_type: str):
    """The model an audit row's object_type ("members.member") names, or None (e.g. "audit.auditevent" exports)."""
    try:
        return apps.get_model(object_type) if "." in (object_type or "") else None
    except (LookupError, ValueError):
        return None


def personal_fields(model) -> frozenset:
    return frozenset(getattr(model, "AUDIT_PERSONAL", ())) if model is not None else frozenset()


def object_type_label(object_type: str) -> str:
    model = audit_model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model, name):
    """The model's own field of that name; None for a key that names no field, or a reverse relation (an audited
    snapshot may list related rows under their relation's name, e.g. a group's "members"): shown as plain values."""
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _is_fk(field) -> bool:
    return field is not None and field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)


def _personal_text(before, after) -> str:
    if before in (None, "") and after not in (None, ""):
        return _("已填写")
    if after in (None, "") and before not in (None, ""):
        return _("已清空")
    return _("已修改")


class Reader:
    """Turns audit rows into readable changes. Build it for the rows of one page (or one export chunk): foreign
    keys of all of them are resolved up front, one query per related model."""

    def __init__(self, events, *, limit: int | None = 200):
        self.events = list(events)
        self.limit = limit
        self._names = self._resolve_names()

    def _resolve_names(self) -> dict:
        wanted: dict = {}
        for event in self.events:
            model = audit_model(event.object_type)
            if model is None:
                continue
            personal = personal_fields(model)
            for name, before, after in event.changed_fields():
                field = _field(model, name)
                if name in personal or not _is_fk(field):
                    continue
                ids = wanted.setdefault(field.related_model, set())
                ids.update(v for v in (before, after) if isinstance(v, (int, str)) and v != "")
        names = {}
        for related, ids in wanted.items():
            names[related] = _names_of(related, ids)
        return names

    def changes(self, event) -> list[Change]:
        model = audit_model(event.object_type)
        personal = personal_fields(model)
        has_before, has_after = event.before is not None, event.after is not None
        out = []
        for name, before, after in event.changed_fields():
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None and getattr(field, "verbose_name", None) else name
            if name in personal:
                out.append(Change(name, label, None, _personal_text(before, after), personal=True))
                continue
            out.append(Change(name, label, self.value(field, before) if has_before else None,
                              self.value(field, after) if has_after else None))
        return out

    def value(self, field, value) -> str:
        text = self._plain(field, value)
        text = mask_numbers(text)
        if self.limit and len(text) > self.limit:
            text = text[: self.limit - 1] + "…"
        return text

    def _plain(self, field, value) -> str:
        if value is None or value == "":
            return EMPTY
        if field is None:
            return _json_text(value)
        if _is_fk(field):
            return self._names.get(field.related_model, {}).get(str(value)) or f"#{value}"
        if field.flatchoices:
            labels = {str(k): str(v) for k, v in field.flatchoices}
            return labels.get(str(value), str(value))
        if isinstance(field, models.BooleanField):
            return _("是") if value else _("否")
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
        return _json_text(value)


def _json_text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _names_of(model, ids) -> dict:
    """{str(pk): name} for the given primary keys, in one query."""
    pks = []
    for v in ids:
        try:
            pks.append(model._meta.pk.to_python(v))
        except Exception:  # noqa: BLE001 — a malformed stored value simply stays unresolved
            continue
    if not pks:
        return {}
    field_names = {f.name for f in model._meta.concrete_fields}
    if "display_name" in field_names and "username" in field_names:  # users: their name, else the account
        rows = model._default_manager.filter(pk__in=pks).values_list("pk", "display_name", "username")
        return {str(pk): display or username for pk, display, username in rows}
    for column in ("name", "number", "title"):
        if column in field_names:
            return {str(pk): str(name) for pk, name in model._default_manager.filter(pk__in=pks).values_list("pk", column)}
    return {str(obj.pk): str(obj) for obj in model._default_manager.filter(pk__in=pks)}


def masked_text(text) -> str:
    """An audit row's own text (object, note) as shown: numbers typed into it masked."""
    return mask_numbers(text or "")
