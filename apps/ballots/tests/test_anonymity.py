"""Anonymity that survives a dump: no table links a ballot to a code, a voter or a time — from the schema, and from
the stored rows after the close (their order is not the order of submission); `used == ballots`."""

import random

import pytest
from django.apps import apps as django_apps
from django.db import connection, models

from apps.ballots import ballot_services, services
from apps.ballots.models import Code, CodeState, Comment, QueuedBallot, TallyCell, Voter

from .poll_helpers import all_codes, full_ratings, open_two_way, text_key

pytestmark = pytest.mark.django_db

# The tables that hold what voters answered, and the code table.
BALLOT_TABLES = (QueuedBallot, TallyCell, Comment)
LINKS = {"ballots.code", "ballots.voter", "ballots.phoneentry", "members.member", "accounts.user", "ballots.codebatch"}


@pytest.mark.parametrize("model", BALLOT_TABLES + (Code,))
def test_schema_no_link_no_time_no_sequence(model):
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None and field.concrete:
            assert field.related_model._meta.label_lower not in LINKS, (model, field.name)
        assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField), (model, field.name)
    pk = model._meta.pk
    assert isinstance(pk, models.UUIDField), f"{model.__name__}: a sequential key would give the order of arrival"
    # and in the database itself: no column of a date/time type, no column naming a code or a voter
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
    for column in columns:
        assert not any(w in column.name for w in ("code_id", "voter", "member", "user", "_at", "time", "date")), column.name


def test_no_other_model_points_at_a_ballot_table():
    for model in django_apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in BALLOT_TABLES:
                assert model in BALLOT_TABLES or model._meta.label_lower == "ballots.poll", (model, field.name)


def _rows_in_storage_order(model):
    """The rows as a dump reads them: SQLite's rowid order, PostgreSQL's physical (ctid) order."""
    table = connection.ops.quote_name(model._meta.db_table)
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {table} ORDER BY {order}")
        return [r[0] for r in cursor.fetchall()]


def test_dump_does_not_give_the_order_of_submission(tree):
    p = open_two_way(tree, members=25, invited=0, slots=0)
    codes = all_codes(p)
    assert len(codes) == 25
    submitted = []
    for n, code in enumerate(codes):
        text = f"第{n:02d}张选票的意见"
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, n % 4), texts={text_key(p): text})
        submitted.append(text)
    services.poll_close(actor=None, poll=p)
    stored = _rows_in_storage_order(Comment)
    assert sorted(stored) == sorted(submitted)
    assert stored != submitted and stored != submitted[::-1]
    # nothing per ballot remains, and no sealed code
    assert not QueuedBallot.objects.exists()
    assert not Voter.objects.exclude(sealed_code="").exists()
    p.refresh_from_db()
    assert p.sealed_slips == ""
    # the tally holds sums only: 25 ballots over 4 grades
    counts = dict(TallyCell.objects.filter(poll=p, item=p.items.first()).values_list("option", "count"))
    assert counts == {0: 7, 1: 6, 2: 6, 3: 6}


def test_sqlite_dump_has_no_trace_of_arrival(tree):
    """The full SQL dump (SQLite's iterdump) of the ballot tables after the close: comments not in order, no code."""
    if connection.vendor != "sqlite":
        pytest.skip("iterdump is SQLite's; PostgreSQL is covered by the physical order above")
    p = open_two_way(tree, members=12, invited=0, slots=0)
    codes = all_codes(p)
    for n, code in enumerate(codes):
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, 1), texts={text_key(p): f"意见{n:02d}"})
    services.poll_close(actor=None, poll=p)
    dump = "\n".join(connection.connection.iterdump())
    comment_lines = [line for line in dump.splitlines() if 'INSERT INTO "ballots_comment"' in line]
    order = [int(line.split("意见")[1][:2]) for line in comment_lines]
    assert sorted(order) == list(range(12)) and order != list(range(12))
    for code in codes:
        assert code not in dump  # plain codes are never stored, and the sealed ones are wiped


def test_used_equals_ballots_and_turnout_reconciles(tree):
    p = open_two_way(tree, members=4, invited=2, slots=2)
    codes = all_codes(p)
    assert p.eligible_count == 8 and len(codes) == 8 and len(p.eligible_fingerprint) == 64
    random.shuffle(codes)
    services.code_void(actor=None, poll=p, code=codes[0])
    for code in codes[1:6]:
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, 0))
    t = services.turnout(p)
    assert (t["eligible"], t["issued"], t["voided"], t["used"], t["ballots"], t["reconciled"]) == (8, 8, 1, 5, 0, False)
    p = services.poll_close(actor=None, poll=p)
    t = services.turnout(p)
    assert (t["used"], t["ballots"], t["reconciled"]) == (5, 5, True)
    assert Code.objects.filter(poll=p, state=CodeState.USED).count() == p.ballots_counted


def test_close_refuses_when_codes_and_ballots_disagree(tree):
    p = open_two_way(tree, members=2, invited=0, slots=0)
    for code in all_codes(p):
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, 0))
    QueuedBallot.objects.filter(poll=p).first().delete()  # a ballot lost behind the services' back
    with pytest.raises(Exception, match="核对不一致"):
        services.poll_close(actor=None, poll=p)
    p.refresh_from_db()
    assert p.status == "open"


def test_results_exist_only_after_the_close(tree):
    from apps.ballots import selectors

    p = open_two_way(tree, members=4, invited=0, slots=0)
    for n, code in enumerate(all_codes(p)):
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, [0, 0, 1, 3][n]))
    assert selectors.poll_results(p) is None
    p = services.poll_close(actor=None, poll=p)
    (result,) = selectors.poll_results(p)
    first = result.items[0]
    assert first.counts == [2, 1, 0, 1] and first.answered == 4
    assert first.score == (100 * 2 + 80 + 0) / 4 == result.score
    assert result.good_rate == 75
    scores = selectors.organization_scores("two_way", 2026, [tree.branch_a.pk])
    assert scores[tree.branch_a.pk][0] == 70


def test_used_codes_are_not_stored_in_the_order_they_voted(tree):
    """On PostgreSQL marking a code used moves its row; the close writes the codes again in random order."""
    from apps.ballots import codes as code_lib

    p = open_two_way(tree, members=20, invited=0, slots=0)
    plain = all_codes(p)
    for code in plain:
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, 0))
    services.poll_close(actor=None, poll=p)
    table = connection.ops.quote_name(Code._meta.db_table)
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code_hash, state FROM {table} WHERE poll_id = %s ORDER BY {order}", [p.pk])
        stored = cursor.fetchall()
    used_order = [code_lib.code_hash(c) for c in plain]
    assert {h for h, _s in stored} == set(used_order) and {s for _h, s in stored} == {"used"}
    assert [h for h, _s in stored] != used_order
