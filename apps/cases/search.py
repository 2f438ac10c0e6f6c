"""Full-text search over case text in Chinese, by character bigrams.

Chinese has no spaces between words, so the text is indexed as overlapping two-character tokens ("路灯不亮" →
路灯 灯不 不亮) plus whole Latin words and numbers; a query is cut the same way and matched as a phrase, so every
hit contains the query's characters in order. The tokens are kept in `Case.search_tokens`; SQLite searches them
through an FTS5 table kept by triggers, PostgreSQL through a GIN index on to_tsvector('simple', …) (migration
0002). A query of one Chinese character (no bigram to look up) falls back to a substring match.
"""

import re
import unicodedata

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_TOKENS = 6000  # a 4,000-character description and its answer fit


def _runs(text):
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _RUN.findall(text)


def _run_tokens(run):
    if _IS_CJK.match(run):
        if len(run) == 1:
            return [run]
        return [run[i:i + 2] for i in range(len(run) - 1)]
    return [run[:40]]


def index_text(*parts) -> str:
    """The tokens of the given texts, space-separated, for Case.search_tokens."""
    tokens = []
    for part in parts:
        for run in _runs(part):
            tokens.extend(_run_tokens(run))
            if len(tokens) >= MAX_TOKENS:
                return " ".join(tokens[:MAX_TOKENS])
    return " ".join(tokens)


def parse_query(q):
    """(phrases, singles): the token phrases to match, and lone Chinese characters (no bigram to look up)."""
    phrases, singles = [], []
    for word in (q or "").split():
        for run in _runs(word):
            if _IS_CJK.match(run) and len(run) == 1:
                singles.append(run)
            else:
                phrases.append(_run_tokens(run))
    return phrases, singles


class _TextMatch(Func):
    """to_tsvector('simple', search_tokens) @@ to_tsquery('simple', …): the expression of the GIN index."""

    arg_joiner = ") @@ to_tsquery('simple', "
    template = "(to_tsvector('simple', %(expressions)s))"
    output_field = BooleanField()


def search(queryset, q):
    """`queryset` narrowed to cases whose text matches every word of `q`."""
    phrases, singles = parse_query(q)
    for char in singles:
        queryset = queryset.filter(Q(description__contains=char) | Q(address__contains=char))
    if not phrases:
        return queryset if singles else queryset.none()
    if connection.vendor == "postgresql":
        expression = " & ".join("(" + " <-> ".join(tokens) + ")" for tokens in phrases)
        return queryset.filter(_TextMatch(F("search_tokens"), Value(expression)))
    expression = " AND ".join('"' + " ".join(tokens) + '"' for tokens in phrases)
    return queryset.filter(pk__in=RawSQL("SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s", [expression]))
