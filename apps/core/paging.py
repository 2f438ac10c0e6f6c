"""Pagination that keeps deep pages cheap."""

from django.core.paginator import Page, Paginator


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
