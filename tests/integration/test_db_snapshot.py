"""tests/snapshot.py, which the browser tests' demo fixture stands on: rows come back exactly, whatever was written
in between, and new rows still get fresh keys."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection

from apps.accounts.models import User
from apps.members.models import Member
from apps.orgs.models import Organization
from tests.factories import Tree, make_member
from tests.snapshot import PREFIX, DatabaseSnapshot


def _rows(model):
    return sorted(model.objects.values_list())


@pytest.fixture
def snapshot(transactional_db):
    snap = DatabaseSnapshot()
    yield snap
    snap.drop()


def test_restore_brings_back_every_row_and_new_rows_get_new_keys(snapshot):
    tree = Tree()
    before = {model: _rows(model) for model in (Organization, Member, User, ContentType)}
    snapshot.take()
    assert Organization._meta.db_table in snapshot.tables and Member._meta.db_table in snapshot.tables

    Member.objects.filter(pk=tree.member_b.pk).delete()
    Organization.objects.filter(pk=tree.district.pk).update(name="改过的名字")
    extra = make_member(tree.branch_a, "王五", seq=99)
    User.objects.all().delete()

    snapshot.restore()
    assert {model: _rows(model) for model in before} == before
    assert not Member.objects.filter(pk=extra.pk).exists()
    newer = make_member(tree.branch_a, "赵六", seq=98)
    assert newer.pk not in {pk for pk, *_ in before[Member]}


def test_restore_after_a_flush_and_drop_leaves_no_copies(snapshot):
    Tree()
    members = _rows(Member)
    snapshot.take()
    tables = connection.introspection.django_table_names(only_existing=True)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, allow_cascade=True))
    assert not Member.objects.exists()
    snapshot.restore()
    assert _rows(Member) == members
    snapshot.drop()
    with connection.cursor() as cursor:
        assert not [name for name in connection.introspection.table_names(cursor) if name.startswith(PREFIX)]
