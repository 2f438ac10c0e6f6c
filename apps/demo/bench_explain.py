"""`make bench`, the query plans: EXPLAIN of every statement the figures sent, each plan line classified (a full scan
of members or organizations, an index walked without a condition, a sort of every row before a page …), and the
findings with a hint at the cure (apps.demo.bench runs it after the figures)."""

import re
import sqlite3

from django.db import connection

from .bench import median_ms

SCANNED_TABLES = ("members_member", "orgs_organization")
FINDING_MIN_MS = 5.0  # flagged plans of statements faster than this are listed, not reported as findings
HI = "\U0010ffff"  # upper bound of SQLite prefix ranges (apps.core.query.prefix_q)


def sqlite_has_stats() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_stat1")
        return cursor.fetchone()[0] > 0



def _show(value):
    if isinstance(value, str):
        return "'" + value.replace("'", "''").replace(HI, "\\U0010ffff") + "'"
    return str(value)


def readable_sql(sql, params, *, collapse=True):
    """The statement with its parameters in place (for reading, not executing); long column lists shortened."""
    parts = sql.split("%s")
    out = parts[0]
    for value, part in zip(params, parts[1:]):
        out += _show(value) + part
    if collapse:
        m = re.match(r"SELECT (.*?) FROM ", out, re.S)
        if m and len(m.group(1)) > 100:
            out = f"SELECT <{m.group(1).count(',') + 1} columns> FROM " + out[m.end():]
    return out


class Explainer:
    def __init__(self):
        self.vendor = connection.vendor
        self._share = {}
        self._index_cols = {}

    def plan(self, sql, params) -> list[str]:
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                return [row[3] for row in cursor.fetchall()]
            cursor.execute("EXPLAIN " + sql, params)
            return [row[0] for row in cursor.fetchall()]

    def index_columns(self, index):
        if index not in self._index_cols:
            with connection.cursor() as cursor:
                cursor.execute(f'PRAGMA index_info("{index}")')
                self._index_cols[index] = [row[2] for row in cursor.fetchall()]
        return self._index_cols[index]

    def range_share(self, params):
        """Largest share of organizations inside one of the statement's prefix ranges (prefix, prefix + U+10FFFF)."""
        best = (0.0, "", 0)
        prefixes = {v[:-1] for v in params if isinstance(v, str) and v.endswith(HI)}
        if not prefixes:
            return best
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "orgs_organization"')
            total = cursor.fetchone()[0]
            for prefix in prefixes:
                cursor.execute('SELECT count(*) FROM "orgs_organization" WHERE path >= %s AND path < %s', [prefix, prefix + HI])
                share = cursor.fetchone()[0] / total if total else 0.0
                best = max(best, (share, prefix, total))
        return best

    def top_share(self, table, column):
        """Share of the table's rows holding the column's most common value."""
        key = (table, column)
        if key not in self._share:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT "{column}", count(*) FROM "{table}" GROUP BY 1 ORDER BY 2 DESC LIMIT 1')
                row = cursor.fetchone()
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                total = cursor.fetchone()[0]
            self._share[key] = (row[0], row[1] / total if total else 0.0, total) if row else (None, 0.0, total)
        return self._share[key]

    def classify(self, plan, sql, params=()) -> list[tuple]:
        """(verdict, note) for each plan line; verdict None when there is nothing to say."""
        offset = bool(re.search(r"OFFSET\s+\d*[1-9]", sql))
        if self.vendor == "sqlite":
            return [self._sqlite_line(line, offset, params) for line in plan]
        return [self._pg_line(plan, k, offset) for k in range(len(plan))]

    def _sqlite_line(self, line, offset, params):
        m = re.match(r"(SCAN|SEARCH) (\w+)(?: AS \w+)?(?: USING (COVERING )?INDEX (\w+))?(?: \((.*)\))?", line)
        if not m:
            if line.startswith("USE TEMP B-TREE FOR ORDER BY") and offset:
                return "SORT+OFFSET", "every matching row is sorted, then OFFSET rows are skipped"
            return None, None
        op, table, covering, index, cond = m.groups()
        if table not in SCANNED_TABLES:
            return ("index", None) if op == "SEARCH" else (None, None)
        if op == "SCAN" and not index:
            return "FULL TABLE SCAN", f"reads every row of {table}"
        if op == "SCAN":
            return "ORDERED INDEX WALK", (f"walks all of {index} in order with no condition on it"
                                          + ("" if covering else f", reading each {table} row") + "; cheap only if LIMIT is reached early")
        if table == "orgs_organization" and cond and re.search(r"\bpath>\? AND path<\?", cond):
            share, prefix, total = self.range_share(params)
            if share > 0.5:
                return ("WHOLE-TREE RANGE",
                        f"the access-scope range path >= '{prefix}' covers {share:.0%} of {total:,} organizations, so the "
                        "join then visits every member row under them (organization_id), whatever else the query asks")
        if index and cond:
            cols = self.index_columns(index)
            first = cols[0] if cols else None
            if first and re.match(rf"{first}=\?", cond):
                value, share, total = self.top_share(table, first)
                if share > 0.5:
                    return ("NON-SELECTIVE INDEX",
                            f"{table}.{first}: the value '{value}' alone is {share:.0%} of {total:,} rows, so this "
                            f"'search' visits nearly the whole table{'' if covering else ' through the index, row by row'}")
        return "index", None

    @staticmethod
    def _pg_details(plan, k):
        """The detail lines (Index Cond, Filter, …) that belong to plan node k."""
        indent = len(plan[k]) - len(plan[k].lstrip())
        out = []
        for line in plan[k + 1:]:
            stripped = line.lstrip()
            if stripped.startswith("->") or len(line) - len(stripped) <= indent:
                break
            out.append(stripped)
        return out

    def _pg_line(self, plan, k, offset):
        line = plan[k]
        m = re.search(r"Seq Scan on (\w+)", line)
        if m and m.group(1) in SCANNED_TABLES:
            flt = next((d for d in self._pg_details(plan, k) if d.startswith("Filter:")), "")
            like = re.search(r"\((\w+)\)::text ~~ '([^']*)'", flt)
            if like and m.group(1) == "members_member" and like.group(1) != "path":
                return "LIKE WITHOUT INDEX", (f"reads every row of {m.group(1)} to test {like.group(1)} LIKE '{like.group(2)}': "
                                              f"no index on {like.group(1)} that LIKE can use")
            return "FULL TABLE SCAN", f"reads every row of {m.group(1)}"
        m = re.search(r"(Index Only Scan|Index Scan)(?: Backward)? using (\w+) on (\w+)", line)
        if m:
            details = self._pg_details(plan, k)
            if m.group(3) in SCANNED_TABLES and not any(d.startswith("Index Cond:") for d in details):
                flt = next((d for d in details if d.startswith("Filter:")), "")
                return "ORDERED INDEX WALK", (f"walks {m.group(2)} in order with no index condition ({flt or 'no filter'}); "
                                              "cheap only if LIMIT is reached early")
            return "index", None
        if "Bitmap Index Scan" in line:
            return "index", None
        if offset and re.search(r"(Incremental )?Sort\s+\(cost", line):
            return "SORT+OFFSET", "every matching row is sorted, then OFFSET rows are skipped"
        return None, None


SQLITE_HINTS = {
    "NON-SELECTIVE INDEX": (
        "without statistics SQLite takes an equality on any index as selective, so it starts from the single-column "
        "index on a column where one value is nearly every row. Drop that index (db_index=False): SQLite then starts "
        "from the search's own index (name, name_initials/name_pinyin, id_hash). ANALYZE alone is no cure: the plan then "
        "starts from the scope's path range instead (bench --analyze shows it)."),
    "WHOLE-TREE RANGE": (
        "for a user whose scope is a whole tree the scope filter selects everything, yet SQLite drives the join from it "
        "instead of from the search's own index. Leave the filter out when the scope covers every root "
        "(policy.restrict(Member, …) / subtree_q); for counts, an index on (organization_id, status) makes the join covering."),
    "SORT ALL, THEN LIMIT": "the first page of 50 needs 50 entries of the (name_pinyin, id) order, not a sort of every "
                            "matching row; it follows from the plan starting elsewhere (the findings above).",
    "FULL TABLE SCAN": "no index serves these conditions.",
    "ORDERED INDEX WALK": "the index gives the ORDER BY but not the WHERE; when matches are rare the walk reads the whole "
                          "index and table. An index on the searched column (see the findings above) lets the planner start there.",
    "SORT+OFFSET": "deep pages cost O(rows before the page); use keyset pagination (WHERE (name_pinyin, id) > (…)) "
                   "or sort only the ids (deferred join), and do not select ciphertext columns for the list.",
}
PG_HINTS = {
    "FULL TABLE SCAN": "the whole table is read: right when the query needs most of its rows (a count over the whole "
                       "district), wasteful otherwise; at larger scale cache such counts or keep them per organization.",
    "LIKE WITHOUT INDEX": (
        "Member.name has only a plain b-tree (Meta.indexes); LIKE 'x%' can use a b-tree only with the C collation or a "
        "pattern-ops operator class. Use db_index=True on name (Django then adds a varchar_pattern_ops '_like' index, as "
        "for name_pinyin and name_initials) or Index(fields=['name'], name=…, opclasses=['varchar_pattern_ops'])."),
    "SORT ALL, THEN LIMIT": "every matching row is sorted to return one page.",
    "ORDERED INDEX WALK": (
        "the ORDER BY index is walked and every row filtered: cheap when the first LIMIT rows come early (the list's first "
        "page), a read of the whole table when matches are rare (a name search, see LIKE WITHOUT INDEX) or behind a large OFFSET."),
    "SORT+OFFSET": SQLITE_HINTS["SORT+OFFSET"],
}



def explain_report(bench) -> list[str]:
    ex = Explainer()
    lines = []
    if ex.vendor == "sqlite":
        stats = sqlite_has_stats()
        lines.append(f"EXPLAIN QUERY PLAN (SQLite {sqlite3.sqlite_version}; planner statistics sqlite_stat1: "
                     f"{'present' if stats else 'ABSENT — ANALYZE has never run'})")
        hints = SQLITE_HINTS
    else:
        lines.append(f"EXPLAIN ({connection.vendor})")
        hints = PG_HINTS
    findings = []
    for i, st in enumerate(bench.statements.values(), start=1):
        plan = ex.plan(st.sql, st.params)
        marks, worst = [], None
        for line, (verdict, note) in zip(plan, ex.classify(plan, st.sql, st.params)):
            marks.append((line, verdict, note))
            if verdict and verdict != "index":
                worst = worst or verdict
                findings.append((i, st, verdict, note, line))
        if worst and worst != "SORT+OFFSET" and re.search(r"\bLIMIT\b", st.sql) and not re.search(r"OFFSET\s+\d*[1-9]", st.sql):
            for k, (line, verdict, note) in enumerate(marks):
                if verdict is None and re.match(r"(USE TEMP B-TREE FOR ORDER BY|(->\s+)?Sort\s+\(cost)", line.strip()):
                    note = "every matching row is sorted to return one page"
                    marks[k] = (line, "SORT ALL, THEN LIMIT", note)
                    findings.append((i, st, "SORT ALL, THEN LIMIT", note, line))
        uses_index = any(v == "index" for _, v, _ in marks)
        summary = worst or ("uses an index" if uses_index else "no table access")
        lines.append("")
        lines.append(f"[Q{i}] {median_ms(st.times):.1f} ms bare, {st.rows} row(s) — {summary}")
        lines.append(f"      used by: {'; '.join(st.figures)}")
        lines.append(f"      {readable_sql(st.sql, st.params)}")
        for line, verdict, note in marks:
            flag = f"   ← {verdict}: {note}" if verdict and note else (f"   ← {verdict}" if verdict else "")
            lines.append(f"        {line}{flag}")
    lines.append("")
    if not findings:
        lines.append("Findings: every request-path query is answered from an index.")
        return lines
    lines.append("Findings (request-path queries that read most of members/organizations, or sort everything before paging):")
    grouped, minor = {}, set()
    for i, st, verdict, note, line in findings:
        if median_ms(st.times) < FINDING_MIN_MS:
            minor.add(i)
            continue
        group = grouped.setdefault((verdict, note), {"line": line.strip(), "sts": {}})
        group["sts"][i] = st
    for (verdict, note), group in grouped.items():
        sts, line = group["sts"], group["line"]
        total = sum(median_ms(st.times) for st in sts.values())
        ids = ", ".join(f"Q{i} ({median_ms(st.times):.1f} ms)" for i, st in sts.items())
        lines.append(f"  • [{verdict}] {len(sts)} statement(s), {total:.1f} ms bare in all: {ids}")
        lines.append(f"      plan: {line}")
        lines.append(f"      why:  {note}")
        lines.append(f"      hint: {hints.get(verdict, '')}")
    if minor:
        lines.append(f"  (left out: flagged statements under {FINDING_MIN_MS} ms bare — "
                     f"{', '.join(f'Q{i}' for i in sorted(minor))}: small tables or early LIMIT)")
    return lines
