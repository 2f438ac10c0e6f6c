"""Keyset pages (上一页 / 下一页 by the last row's sort key): no COUNT over the list and no OFFSET, so page 1,000
costs what page 1 does."""

import base64
import json

from django.core.exceptions import BadRequest
from django.db.models import Q
from django.utils.translation import gettext as _


def _encode(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def _decode(raw, n):
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != n or not all(isinstance(v, (str, int)) for v in values):
        raise BadRequest(_("分页参数不正确，请从第一页重新查看"))
    return values


def _beyond(fields, values, lookup):
    """Rows after (lookup "gt") or before ("lt") `values` in the ascending order of `fields`."""
    q = Q()
    for i, field in enumerate(fields):
        q |= Q(**{f: v for f, v in zip(fields[:i], values[:i], strict=True)}, **{f"{field}__{lookup}": values[i]})
    return q


class KeysetPage:
    def __init__(self, rows, *, next_cursor, previous_cursor):
        self.object_list = rows
        self.next_cursor, self.previous_cursor = next_cursor, previous_cursor
        self.has_next, self.has_previous = next_cursor is not None, previous_cursor is not None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def keyset_page(qs, fields, per_page, *, after="", before=""):
    """One page of `qs` in the ascending order of `fields` (the last one unique): the rows after the cursor
    `after`, or before `before`, or the first page. The keys are read first (per_page + 1, to know whether
    another page follows), then the page's rows by key."""
    fields = tuple(fields)
    ordered = qs.order_by(*fields)
    if before:
        values = _decode(before, len(fields))
        keys = list(ordered.filter(_beyond(fields, values, "lt")).order_by(*(f"-{f}" for f in fields))
                    .values_list(*fields)[: per_page + 1])
        more_before = len(keys) > per_page
        keys = list(reversed(keys[:per_page]))
        more_after = True
    else:
        values = _decode(after, len(fields)) if after else None
        rows = ordered.filter(_beyond(fields, values, "gt")) if values else ordered
        keys = list(rows.values_list(*fields)[: per_page + 1])
        more_after = len(keys) > per_page
        keys = keys[:per_page]
        more_before = values is not None
    pk_index = fields.index("id") if "id" in fields else len(fields) - 1
    by_pk = {row.pk: row for row in qs.order_by().filter(pk__in=[k[pk_index] for k in keys])}
    rows = [by_pk[k[pk_index]] for k in keys if k[pk_index] in by_pk]
    return KeysetPage(rows, next_cursor=_encode(list(keys[-1])) if keys and more_after else None,
                      previous_cursor=_encode(list(keys[0])) if keys and more_before else None)
