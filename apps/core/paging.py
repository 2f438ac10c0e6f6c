"""Pagination that keeps deep pages cheap."""

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy


class KeysFirstPaginator(Paginator):
    """Sort and skip only primary keys, then load the page's rows by key.

    OFFSET on a query that selects whole rows makes the database build and discard every
    skipped row (with wide columns such as ciphertexts); sorting keys alone stays on the index.
    """

    def __init__(self, object_list, per_page, *, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:  # known from elsewhere (stored counters): no COUNT(*) over the rows
            self.__dict__["count"] = count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        return Page([rows[k] for k in keys if k in rows], number, self)


# ---- keyset pages: deep pages without OFFSET, counts capped where a list can match tens of thousands ----

PAGING_PARAMS = ("page", "after", "before", "last")

# The one wording for a bad ?after=/?before= on every keyset list (the page answers 400 and shows the first page).
BAD_CURSOR_MESSAGE = gettext_lazy("翻页参数有误，已显示第一页。")


class BadCursor(ValueError):
    """A paging parameter that is not a cursor this list hands out (a 400 with the message)."""


def first_page_params(params):
    """The same filters without any paging parameter."""
    first = params.copy()
    for name in PAGING_PARAMS:
        first.pop(name, None)
    return first


def keyset_page_or_first(build, params):
    """`build(params)` (a KeysetPage), or, when a cursor is not one a list hands out, the first page of the same
    filters and BAD_CURSOR_MESSAGE: (page, error) — the view shows the error and answers 400."""
    try:
        return build(params), ""
    except BadCursor:
        return build(first_page_params(params)), str(BAD_CURSOR_MESSAGE)


def capped_count(qs, cap: int) -> tuple[int, bool]:
    """How many rows match, counting at most cap + 1 of them (a LIMIT subquery: the database stops there).
    Returns (count, capped): capped means "more than `cap`"."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


class Total(int):
    """A count that may have stopped at its cap: shown as "N+" when `capped` (more than N rows match)."""

    capped = False


def capped_total(qs, cap: int) -> Total:
    """capped_count as one number (the work queues' chips): a Total, `capped` when more than `cap` match."""
    n, capped = capped_count(qs, cap)
    total = Total(n)
    total.capped = capped
    return total


def _after_q(keys, values, *, reverse=False):
    """Rows strictly after `values` in the order of `keys` (before it when `reverse`); a key "-name" runs
    descending. The row comparison (k1, k2, …) > (v1, v2, …) spelt out, led by k1 >= v1 (k1 <= v1 for a descending
    k1) so the database enters the leading key's index there."""
    from django.db.models import Q

    def ops(key):  # (strict, inclusive) comparison of this key in the asked direction
        return ("lt", "lte") if reverse != key.startswith("-") else ("gt", "gte")

    names = [key.lstrip("-") for key in keys]
    q = Q()
    for i in range(len(keys)):
        term = Q(**{names[j]: values[j] for j in range(i)}) & Q(**{f"{names[i]}__{ops(keys[i])[0]}": values[i]})
        q |= term
    return Q(**{f"{names[0]}__{ops(keys[0])[1]}": values[0]}) & q


class KeysetPage:
    """One page of a list paged by a stable key (its ordering, ending with the primary key; "-name" descends).

    Links carry the key of the first or last row shown (?after=<pk>, ?before=<pk>; the cursor's key values are read
    again by pk, so no name travels in a URL), ?last=1 for the end, ?page=n for the first `numbered` pages only
    (skipped by keys, cheap while n is small; numbered=1: no OFFSET at all). Nothing here runs OFFSET over a deep
    page or counts a whole table; `count=None` shows no total.

    Keys may be joined or annotated (``organization__path``, an annotation of `qs`): the cursor's values are read
    by pk through `key_source` (default `qs`), which must carry the same annotations. A key_source wider than the
    list (the user's whole view) lets a row that has left the list since still mark the place.
    """

    def __init__(self, qs, *, keys, params, per_page, count=None, capped=False, key_source=None, numbered=20):
        self.keys, self.per_page, self.count, self.capped, self.numbered = tuple(keys), per_page, count, capped, numbered
        self.params = first_page_params(params)
        self.number = None
        self.notice = ""
        after, before = params.get("after", ""), params.get("before", "")
        ordered = qs.order_by(*self.keys)
        if after or before:
            pk = _parse_cursor(after or before)
            names = [key.lstrip("-") for key in self.keys]
            values = (key_source if key_source is not None else qs).filter(pk=pk).values_list(*names).first()
            if values is None:  # the row behind the cursor is gone (or out of reach): start again, saying so
                self.notice = "stale"
                self._forward(ordered, first=True)
            elif after:
                self._forward(ordered.filter(_after_q(self.keys, values)), first=False)
            else:
                self._backward(ordered.filter(_after_q(self.keys, values, reverse=True)), last=False, start=ordered)
        elif params.get("last"):
            self._backward(ordered, last=True, start=ordered)
        else:
            number = _parse_number(params.get("page", ""))
            if number > numbered:
                self.notice = "too_deep" if numbered > 1 else ""  # a list without page numbers: just the first page
                number = 1
            self._numbered(ordered, number)

    # the three ways in
    def _forward(self, qs, *, first):
        rows = list(qs[: self.per_page + 1])
        self.has_next, self.has_previous = len(rows) > self.per_page, not first
        self.object_list = rows[: self.per_page]
        self.number = 1 if first else None

    def _backward(self, qs, *, last, start):
        rows = list(qs.reverse()[: self.per_page + 1])
        if len(rows) <= self.per_page and not last:
            # Back at the start: pages counted from the end need not line up with page 1 (a short first page
            # would make ?page=2 skip rows), so show the first page itself.
            return self._forward(start, first=True)
        self.has_previous, self.has_next = len(rows) > self.per_page, not last
        self.object_list = rows[: self.per_page][::-1]
        if not self.has_previous:
            self.number = 1

    def _numbered(self, qs, number):
        if number == 1:  # nothing to skip: the page itself, one query
            return self._forward(qs, first=True)
        # Keys first, then the page's rows by key: the skipped rows are index entries, not whole rows.
        start = (number - 1) * self.per_page
        pks = list(qs.values_list("pk", flat=True)[start: start + self.per_page + 1])
        if not pks and number > 1:
            return self._numbered(qs, 1)
        rows = {row.pk: row for row in qs.order_by().filter(pk__in=pks[: self.per_page])}
        self.object_list = [rows[k] for k in pks[: self.per_page] if k in rows]
        self.has_next, self.has_previous = len(pks) > self.per_page, number > 1
        self.number = number

    # what the pager shows
    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def num_pages(self):
        """Known only for an exact count (the pager then says 第 n / m 页)."""
        if self.count is None or self.capped:
            return None
        return max(1, -(-self.count // self.per_page))

    def _query(self, **extra):
        params = self.params.copy()
        for k, v in extra.items():
            params[k] = v
        return params.urlencode()

    @property
    def first_query(self):
        return self._query()

    @property
    def next_query(self):
        if self.number is not None and self.number < self.numbered:  # page numbers while they are cheap
            return self._query(page=self.number + 1)
        return self._query(after=self.object_list[-1].pk) if self.object_list else ""

    @property
    def previous_query(self):
        if self.number is not None:
            return self._query(page=self.number - 1) if self.number > 2 else self._query()
        return self._query(before=self.object_list[0].pk) if self.object_list else ""

    @property
    def next_cursor(self):
        """The ?after= value of the next page (None on the last): the pk of the last row shown."""
        return self.object_list[-1].pk if self.has_next and self.object_list else None

    @property
    def previous_cursor(self):
        """The ?before= value of the previous page (None on the first): the pk of the first row shown."""
        return self.object_list[0].pk if self.has_previous and self.object_list else None

    @property
    def last_query(self):
        return self._query(last=1)

    @property
    def paged(self):
        return self.has_next or self.has_previous


def _parse_cursor(raw) -> int:
    raw = str(raw).strip()
    if not raw.isdigit() or len(raw) > 18:
        raise BadCursor(raw)
    return int(raw)


def _parse_number(raw) -> int:
    """A page number as Django's get_page takes it: anything that is not a positive integer is the first page."""
    try:
        number = int(str(raw).strip())
    except ValueError:
        return 1
    return max(1, number)
