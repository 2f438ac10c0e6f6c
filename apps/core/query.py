"""Query helpers that keep searches on indexes on every supported database."""

from django.db import connection
from django.db.models import Q


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in a form the database answers from a b-tree index.

    PostgreSQL uses LIKE 'x%' on the pattern-ops index Django creates; SQLite's LIKE is
    case-insensitive and skips the index, so there we use an equivalent range.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})
