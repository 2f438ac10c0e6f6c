"""The import's statements grow with its batches, not with its rows: one lookup of existing members per 900 ID
hashes, multi-row INSERTs for members and audit rows, bulk updates — never a query per row (issue 11: 63,000 rows
in about the time it takes to read the file)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.core.crypto import decrypt, keyed_hash
from apps.core.jobs import Progress
from apps.core.models import Job
from apps.demo.bench_members import write_import_file
from apps.members import counters
from apps.members.imports import run_import
from apps.members.models import Member

pytestmark = pytest.mark.django_db


def _import(tree, path):
    actor = tree.users["district_admin"]
    job = Job.objects.create(kind="member_import", title="t", created_by=actor, input_file=str(path), status="running")
    with CaptureQueriesContext(connection) as ctx:
        result = run_import(job, Progress(job), actor=actor, scope_org_ids=None)
    return result, len(ctx.captured_queries)


def _statements(tree, tmp_path, rows):
    path = tmp_path / f"import-{rows}.xlsx"
    write_import_file(path, [tree.branch_a.code, tree.branch_b.code], rows, seed=rows)
    created, n_create = _import(tree, path)
    assert created["created"] == rows and created["updated"] == 0
    updated, n_update = _import(tree, path)  # the same file again: every row updates its member
    assert updated["created"] == 0 and updated["updated"] == rows
    return n_create, n_update


def test_statements_grow_by_batches_not_rows(tree, tmp_path):
    small_create, small_update = _statements(tree, tmp_path, 50)
    large_create, large_update = _statements(tree, tmp_path, 500)
    # 450 more rows: a few more batches (one INSERT carries up to 1,000 rows where the database takes that many
    # parameters; 38 members where only 999), never one per row.
    assert large_create - small_create <= 450 // 20, (small_create, large_create)
    assert large_update - small_update <= 450 // 20, (small_update, large_update)
    assert counters.mismatches() == {}


def test_rows_written_in_bulk_are_whole(tree, tmp_path):
    """The lean INSERT stores what bulk_create did: ciphertext, hashes, masks, pinyin, timestamps, an audit row each."""
    path = tmp_path / "import-3.xlsx"
    write_import_file(path, [tree.branch_a.code], 3, seed=3)
    before = AuditEvent.objects.count()
    result, _ = _import(tree, path)
    assert result["created"] == 3
    members = list(Member.objects.filter(organization=tree.branch_a).order_by("-pk")[:3])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM members_member WHERE id = %s", [members[0].pk])
        raw_id, raw_phone = cursor.fetchone()
    m = members[0]
    assert raw_id != m.id_number and decrypt(raw_id) == m.id_number and decrypt(raw_phone) == m.phone
    assert m.id_hash == keyed_hash(m.id_number) and m.id_masked != m.id_number and "*" in m.id_masked
    assert m.name_pinyin and m.name_initials and m.created_at and m.updated_at
    events = AuditEvent.objects.filter(action="create", object_id__in=[str(x.pk) for x in members])
    assert events.count() == 3 and AuditEvent.objects.count() == before + 4  # and the import's own row
    event = events.get(object_id=str(m.pk))
    assert event.note == "Excel导入" and event.at and event.org_path == tree.branch_a.path
    assert event.after["id_number"] == m.id_masked and m.id_number not in str(event.after)


def test_pinyin_of_a_name_by_its_characters_is_pypinyins():
    """The import's pinyin keys (character by character unless a run of the name is a pypinyin phrase) are exactly
    pinyin_keys' for every demo surname and given name combination, phrases, rare readings and non-Chinese text."""
    from apps.core.text import pinyin_keys
    from apps.demo import names
    from apps.members.services import _pinyin_keys

    given = list(names.GIVEN_FEMALE) + list(names.GIVEN_MALE)
    samples = [s + g for s in names.SURNAMES for g in given[:40]]
    samples += [s + g + h for s in names.SURNAMES[:20] for g in given[:15] for h in given[-15:]]
    samples += ["单雄信", "曾国藩", "长孙无忌", "重庆", "银行", "买买提·艾力", "Anna张", "李 四", "欧阳娜娜", "乐乐", "x", ""]
    for name in samples:
        assert _pinyin_keys(name) == pinyin_keys(name), name
