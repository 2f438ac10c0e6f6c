"""The case search on PostgreSQL matches against the tsvector stored in the generated column `search_vector` (migration
0008), not the expression to_tsvector(search_tokens) parsed per row: the same hits as the tokens give, kept by the
database through every write (a resident's submission, an answer added, a bulk update past the services), inside a
subquery too (the column named with the subquery's alias); on SQLite the FTS5 table answers as before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases import search, services
from apps.cases.models import Case

pytestmark = pytest.mark.django_db


def test_the_stored_vector_finds_what_the_tokens_say_through_every_write(cases, submit):
    a, _ = submit(description="3号楼楼顶漏水严重，雨天屋里都是水")
    b, _ = submit(description="水管爆裂，漏了一地")
    c, _ = submit(description="路灯不亮已经三天", address="新华路12号")
    everything = Case.objects.all()
    assert set(search.search(everything, "漏水")) == {a}
    assert set(search.search(everything, "漏水 3号楼")) == {a}
    assert set(search.search(everything, "新华路")) == {c}
    # Inside a subquery (aliased U0) and beside the other filters of the list.
    assert set(Case.objects.filter(pk__in=search.search(everything, "水管 爆裂").values("pk"))) == {b}
    assert set(search.search(everything.exclude(pk=a.pk), "漏水")) == set()
    # An answer joins the text; a bulk update past the services is followed by the column too.
    services.case_sign(actor=cases.users["town_a_admin"], case=c, unit=cases.town_a)
    services.case_resolve(actor=cases.users["town_a_admin"], case=c, unit=cases.town_a, answer="已更换灯泡")
    assert set(search.search(everything, "更换灯泡")) == {c}
    Case.objects.filter(pk=b.pk).update(search_tokens=search.index_text("井盖丢失"))
    assert set(search.search(everything, "井盖")) == {b}
    assert set(search.search(everything, "爆裂")) == set()
    # The list's order and a page of it, as the staff list reads them.
    assert list(search.search(everything, "漏水 水管 路灯").values_list("pk", flat=True)) == []
    assert list(search.search(everything, "三天").order_by("-submitted_at", "-id")) == [c]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector is PostgreSQL's")
def test_postgresql_reads_the_stored_column_and_its_gin_index(cases, submit):
    submit(description="3号楼楼顶漏水严重")
    with CaptureQueriesContext(connection) as ctx:
        list(search.search(Case.objects.all(), "漏水"))
    sql = ctx.captured_queries[-1]["sql"]
    assert '"search_vector" @@ to_tsquery' in sql and "to_tsvector" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_case' AND indexdef LIKE '%%gin%%'")
        assert [row[0] for row in cursor.fetchall()] == ["cases_case_search_vector_gin"]
        cursor.execute("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'cases_case'::regclass "
                       "AND attname = 'search_vector'")
        assert cursor.fetchone()[0] == "s"  # a stored generated column: no write can leave it behind
