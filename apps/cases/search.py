"""Full-text search over case text in Chinese, by character bigrams.

Chinese has no spaces between words, so the text is indexed as overlapping two-character tokens ("路灯不亮" →
路灯 灯不 不亮) plus whole Latin words and numbers; a query is cut the same way and matched as a phrase, so every
hit contains the query's characters in order. The tokens are kept in `Case.search_tokens`; SQLite searches them
through an FTS5 table kept by triggers (migration 0002), PostgreSQL through their tsvector stored in a generated column
with a GIN index (migration 0008). A query of one Chinese character (no bigram to look up) falls back to a substring
match.
"""

import re
import unicodedata

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL

from apps.core.text import remove_numbers

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_TOKENS = 6000  # a 4,000-character description and its answer fit


def _runs(text):
    # Personal numbers go before tokenizing, however typed (138 0013 8000 would otherwise index as 138, 0013, 8000).
    text = unicodedata.normalize("NFKC", remove_numbers(text or "")).lower()
    return _RUN.findall(text)


def _run_tokens(run):
    if _IS_CJK.match(run):
        if len(run) == 1:
            return [run]
        return [run[i:i + 2] for i in range(len(run) - 1)]
    if run.isdigit() and len(run) >= 7:
        return []  # a phone or ID number: never searchable, so that a search cannot tell whether one is in a case
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
    if remove_numbers(q or "") != (q or ""):
        phrases.append(None)  # a personal number is never indexed: nothing can match it
    for word in (q or "").split():
        for run in _runs(word):
            if _IS_CJK.match(run) and len(run) == 1:
                singles.append(run)
            elif tokens := _run_tokens(run):
                phrases.append(tokens)
            else:
                phrases.append(None)  # a number that is never indexed: nothing can match it
    return phrases, singles


# SQLite: the FTS5 index and the triggers that keep it. SQLite rebuilds a table to alter it (a migration adding a
# column to cases_case), and the rebuild drops the table's triggers: ensure_index() puts them back after every
# migrate (apps.CasesConfig.ready) and then rebuilds the index from the table.
SQLITE_INDEX = ("CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5(search_tokens, content='cases_case', "
                "content_rowid='id', tokenize='unicode61')")
SQLITE_TRIGGERS = {
    "cases_case_fts_ai": "CREATE TRIGGER cases_case_fts_ai AFTER INSERT ON cases_case BEGIN "
                         "INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "cases_case_fts_ad": "CREATE TRIGGER cases_case_fts_ad AFTER DELETE ON cases_case BEGIN "
                         "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) "
                         "VALUES ('delete', old.id, old.search_tokens); END",
    "cases_case_fts_au": "CREATE TRIGGER cases_case_fts_au AFTER UPDATE OF search_tokens ON cases_case "
                         "WHEN old.search_tokens IS NOT new.search_tokens BEGIN "
                         "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) "
                         "VALUES ('delete', old.id, old.search_tokens); "
                         "INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
}


def ensure_index(using="default"):
    """On SQLite, the text index and its triggers exist; when a trigger was missing, the index is rebuilt."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'cases_case'")
        if not cursor.fetchone():
            return False  # not migrated this far
        cursor.execute(SQLITE_INDEX)
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_case'")
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute("INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')")
    return bool(missing)


class _VectorMatch(Func):
    """search_vector @@ to_tsquery('simple', …) on PostgreSQL: the tsvector of search_tokens stored in a generated
    column with its GIN index (migration 0008), so a row's test looks the tokens up instead of parsing them again. The
    column is no model field (the ORM would read it with every case): it is named here from the compiled column of
    search_tokens, which carries the query's alias for the table (a subquery's U0 too)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        tokens, query = self.get_source_expressions()
        column, params = compiler.compile(tokens)
        quoted = connection.ops.quote_name("search_tokens")
        if not column.endswith(quoted):
            raise ValueError(f"not the search_tokens column: {column}")
        query_sql, query_params = compiler.compile(query)
        vector = column[: -len(quoted)] + connection.ops.quote_name("search_vector")
        return f"({vector} @@ to_tsquery('simple', {query_sql}))", [*params, *query_params]


def search(queryset, q):
    """`queryset` narrowed to cases whose text matches every word of `q`."""
    phrases, singles = parse_query(q)
    if None in phrases:
        return queryset.none()
    for char in singles:
        queryset = queryset.filter(Q(description__contains=char) | Q(address__contains=char))
    if not phrases:
        return queryset if singles else queryset.none()
    if connection.vendor == "postgresql":
        expression = " & ".join("(" + " <-> ".join(tokens) + ")" for tokens in phrases)
        return queryset.filter(_VectorMatch(F("search_tokens"), Value(expression)))
    expression = " AND ".join('"' + " ".join(tokens) + '"' for tokens in phrases)
    return queryset.filter(pk__in=RawSQL("SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s", [expression]))
