"""manage.py backup / restore round trip on the test database (SQLite and PostgreSQL): a small district with members,
a record with a photo, a case with a photo; back up, empty the database and the media, restore, and every table's
row count and checksum and every file's hash are as before. A damaged or tampered archive is refused before anything
changes; a database in use is overwritten only with --force."""

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
import time as time_module
from datetime import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.cases.intake import Intake, case_submit
from apps.cases.models import Case, CasePhoto, HandlingUnit, RoutingRule, Service, UnitKind
from apps.cases.tests.test_intake import jpeg
from apps.core import backup, media_swap
from apps.members.models import Member
from apps.orgs.models import Organization
from apps.records import services as record_services
from apps.records.defaults import ensure_default_types
from apps.records.models import ActivityType, RecordFile
from tests.factories import Tree, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _seed():
    with transaction.atomic():  # the factories write the member counts as a service does: in its transaction
        tree = Tree()
        for n in range(5):
            make_member(tree.branch_a, f"党员{n}", seq=100 + n, phone=f"1380000{n:04d}")
    ensure_default_types()  # after a transactional test's flush the data migration's rows are gone
    secretary = tree.users["secretary_a"]
    record = record_services.record_create(
        actor=secretary, organization=tree.branch_a, activity_type=ActivityType.objects.get(code="theme_day"),
        data={"held_on": timezone.localdate(), "starts_at": time(9), "ends_at": time(11), "place": "党员活动室",
              "topic": "学习", "host": "张书记", "recorder": "李委员", "minutes": "会议学习了文件。",
              "content_items": "集中学习"})
    record_services.record_file_add(actor=secretary, record=record, kind="photo", upload=jpeg(name="meeting.jpg"))
    unit = HandlingUnit.objects.create(name="甲镇", kind=UnitKind.TOWNSHIP, organization=tree.town_a)
    HandlingUnit.objects.create(name="区群众工作中心", kind=UnitKind.DISTRICT, organization=tree.district)
    service = Service.objects.create(code="env", name="环境卫生", group="城乡建设")
    RoutingRule.objects.create(to_area_unit=True, note="属地办理")
    case, _code = case_submit(intake=Intake(service=service, description="小区门口垃圾堆积多日无人清运",
                                            area=tree.branch_a, contact_name="杨学伦", phone="13900001111",
                                            photos=[jpeg(size=(80, 60))]))
    return tree, unit, case


def _file_hashes(root: Path):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _empty_everything():
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def test_backup_then_restore_gives_back_every_row_and_file(tmp_path, capsys):
    tree, _unit, case = _seed()
    media = Path(settings.MEDIA_ROOT)
    files_before = _file_hashes(media)
    assert len(files_before) == 2  # the record's photo and the case's photo
    sums_before = backup.current_checksums()
    assert sums_before["members_member"]["rows"] == 7 and sums_before["cases_casephoto"]["rows"] == 1
    phone = Member.objects.get(name="党员3").phone

    call_command("backup", "--output", str(tmp_path / "out"))
    out = capsys.readouterr()
    archive = next((tmp_path / "out").glob("yangguang-backup-*.tar.gz"))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert "FIELD_ENCRYPTION_KEY" in out.err and "FIELD_HASH_KEY" in out.err and "备份完成" in out.out
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert "manifest.json" in names and {f"media/{rel}" for rel in files_before} <= names
    assert not any("key" in name for name in names)

    _empty_everything()
    assert not Member.objects.exists() and not media.exists()

    call_command("restore", str(archive))
    out = capsys.readouterr()
    assert "恢复完成" in out.out
    assert backup.current_checksums() == sums_before
    assert _file_hashes(media) == files_before
    # The restored rows work: ciphertext decrypts under the same keys, the photo opens, the tree is whole.
    assert Member.objects.get(name="党员3").phone == phone
    photo = CasePhoto.objects.get(case_id=case.pk)
    with photo.file.open("rb") as f:
        assert f.read(2) == b"\xff\xd8"
    assert RecordFile.objects.get().file.size > 0
    assert Case.objects.get(pk=case.pk).number == case.number
    assert Organization.objects.filter(path__startswith=tree.district.path).count() == 6


def _tamper(archive: Path, target: Path, change):
    """Copy `archive` to `target` with the entries `change(name, data)` returns changed (None: left out)."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None:
                data = change(member.name, data)
                if data is None:
                    continue
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def test_a_tampered_or_damaged_archive_is_refused_and_nothing_changes(tmp_path):
    _seed()
    media = Path(settings.MEDIA_ROOT)
    result = backup.create_archive(tmp_path / "out")
    sums, files = backup.current_checksums(), _file_hashes(media)
    photo = next(name for name in result.manifest["media"])
    db_file = result.manifest["database"]["file"]

    cases = [
        (_tamper(result.path, tmp_path / "photo.tar.gz",
                 lambda n, d: d[:-4] + b"XXXX" if n == f"media/{photo}" else d), "上传文件校验失败"),
        (_tamper(result.path, tmp_path / "gone.tar.gz",
                 lambda n, d: None if n == f"media/{photo}" else d), "上传文件校验失败"),
        (_tamper(result.path, tmp_path / "db.tar.gz",
                 lambda n, d: d[:100] + bytes([d[100] ^ 1]) + d[101:] if n == db_file else d), "数据库文件校验失败"),
        (_tamper(result.path, tmp_path / "nomanifest.tar.gz",
                 lambda n, d: None if n == "manifest.json" else d), "manifest.json"),
    ]
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(result.path.read_bytes()[: result.path.stat().st_size // 2])
    cases.append((truncated, "无法读取备份文件"))
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    cases.append((tmp_path / "junk.tar.gz", "无法读取备份文件"))
    for archive, message in cases:
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(archive), "--force")
        assert backup.current_checksums() == sums, archive.name
        assert _file_hashes(media) == files, archive.name
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
    assert not list(media.parent.glob(".restore-*"))  # no staging left behind


def test_a_database_in_use_is_overwritten_only_with_force(tmp_path, capsys):
    tree, _unit, _case = _seed()
    result = backup.create_archive(tmp_path / "out")
    sums = backup.current_checksums()
    with transaction.atomic():
        make_member(tree.branch_b, "后来的党员", seq=321)
    changed = backup.current_checksums()
    assert changed != sums
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(result.path))
    assert backup.current_checksums() == changed
    call_command("restore", str(result.path), "--force")
    assert backup.current_checksums() == sums
    assert not Member.objects.filter(name="后来的党员").exists()
    assert "恢复完成" in capsys.readouterr().out


def test_an_archive_older_than_the_code_is_migrated_after_loading(tmp_path, capsys):
    _seed()
    call_command("migrate", "records", "0002", verbosity=0)  # the archive is made by the version before 0003
    result = backup.create_archive(tmp_path / "out")
    assert "records.0003_record_type_index" not in result.manifest["migrations"]
    call_command("migrate", verbosity=0)
    call_command("restore", str(result.path), "--force")
    assert "records.0003_record_type_index" in capsys.readouterr().out
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert ("records", "0003_record_type_index") in MigrationRecorder(connection).applied_migrations()


def test_media_on_a_mount_point_is_replaced_in_place(tmp_path, monkeypatch):
    """MEDIA_ROOT on a shared NFS export cannot be renamed (EBUSY): its contents are replaced instead."""
    root, new = tmp_path / "media", tmp_path / "staging" / "media"
    (root / "old").mkdir(parents=True)
    (root / "old" / "gone.jpg").write_bytes(b"old")
    (root / "stale.txt").write_bytes(b"stale")
    (new / "cases").mkdir(parents=True)
    (new / "cases" / "kept.jpg").write_bytes(b"new")

    def busy(src, dst):
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(backup.os, "replace", busy)
    media_swap.swap_media(new, root, tmp_path / "staging" / "media-replaced")
    assert _file_hashes(root) == {"cases/kept.jpg": hashlib.sha256(b"new").hexdigest()}


def test_a_load_that_fails_half_way_leaves_the_database_as_it_was(tmp_path):
    """Past the archive's checks (as if the file broke afterwards, or the tool died): PostgreSQL's load is one
    transaction that is committed only after pg_restore wrote the whole dump; SQLite's copy is checked first."""
    _seed()
    result = backup.create_archive(tmp_path / "out")
    sums = backup.current_checksums()
    name = result.manifest["database"]["file"]
    with tarfile.open(result.path) as tar:
        data = tar.extractfile(name).read()
    broken = tmp_path / name
    # The table of contents is whole, the data is cut short. A PostgreSQL dump's data follows its table of contents,
    # which in a small database with many tables is most of the file: there the cut is near the end.
    cut = len(data) - 100 if connection.vendor == "postgresql" else len(data) * 9 // 10
    broken.write_bytes(data[:cut])
    with pytest.raises(backup.BackupError, match="数据库恢复失败，数据库未改变"):
        if connection.vendor == "postgresql":
            backup._load_postgresql(broken)
        else:
            backup._load_sqlite(broken, result.manifest["tables"])
    assert backup.current_checksums() == sums


def test_sessions_and_api_tokens_are_left_out_and_everyone_signs_in_again(tmp_path, capsys):
    """A stolen archive must not sign anyone in: DRF's tokens (plain keys) and the sessions are archived as empty
    tables; after a restore they are empty and every other table is as it was."""
    tree, _unit, _case = _seed()
    token = Token.objects.create(user=tree.users["secretary_a"])
    session = SessionStore()
    session["_auth_user_id"] = str(tree.users["secretary_a"].pk)
    session.create()
    sums = backup.current_checksums()
    assert sums["authtoken_token"]["rows"] == 1 and sums["django_session"]["rows"] == 1

    call_command("backup", "--output", str(tmp_path / "out"))
    assert "重新登录" in capsys.readouterr().out
    archive = next((tmp_path / "out").glob("yangguang-backup-*.tar.gz"))
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        database = tar.extractfile(manifest["database"]["file"]).read()
    assert manifest["emptied_tables"] == ["authtoken_token", "django_session"]
    assert manifest["tables"]["authtoken_token"] == backup.EMPTY_TABLE == manifest["tables"]["django_session"]
    assert token.key.encode() not in database and session.session_key.encode() not in database
    assert manifest["tables"]["members_member"] == sums["members_member"]

    call_command("restore", str(archive), "--force")
    assert "重新登录" in capsys.readouterr().out
    assert not Token.objects.exists() and not Session.objects.exists()
    expected = {**sums, "authtoken_token": backup.EMPTY_TABLE, "django_session": backup.EMPTY_TABLE}
    assert backup.current_checksums() == expected


def _mount(tmp_path):
    root, new = tmp_path / "media", tmp_path / "staging" / "media"
    (root / "old").mkdir(parents=True)
    (root / "old" / "a.jpg").write_bytes(b"old a")
    (root / "stale.txt").write_bytes(b"stale")
    for name in ("a", "b", "c"):
        (new / name).mkdir(parents=True)
        (new / name / f"{name}.jpg").write_bytes(name.encode())
    return root, new


def test_media_on_a_mount_point_stays_as_it_was_when_the_copy_fails_half_way(tmp_path, monkeypatch):
    root, new = _mount(tmp_path)
    before = _file_hashes(root)
    monkeypatch.setattr(backup.os.path, "ismount", lambda path: Path(path) == root)
    copied = []

    def copy_then_fail(src, dst):
        if copied:
            raise OSError(28, "No space left on device")
        copied.append(src)
        return shutil.copy2(src, dst)

    monkeypatch.setattr(media_swap, "copy_file", copy_then_fail)
    with pytest.raises(OSError, match="No space"):
        media_swap.swap_media(new, root, tmp_path / "staging" / "media-replaced")
    assert copied and _file_hashes(root) == before
    assert sorted(p.name for p in root.iterdir()) == ["old", "stale.txt"]  # no working folder left


def test_media_on_a_mount_point_goes_back_when_a_rename_fails_half_way(tmp_path, monkeypatch):
    root, new = _mount(tmp_path)
    before = _file_hashes(root)
    monkeypatch.setattr(backup.os.path, "ismount", lambda path: Path(path) == root)
    rename = os.rename

    def fail_on_second_new_entry(src, dst):
        if Path(dst) == root / "b":
            raise OSError(5, "Input/output error")
        return rename(src, dst)

    monkeypatch.setattr(backup.os, "rename", fail_on_second_new_entry)
    with pytest.raises(OSError, match="Input/output"):
        media_swap.swap_media(new, root, tmp_path / "staging" / "media-replaced")
    assert _file_hashes(root) == before
    assert sorted(p.name for p in root.iterdir()) == ["old", "stale.txt"]
    monkeypatch.setattr(backup.os, "rename", rename)
    media_swap.swap_media(new, root, tmp_path / "staging" / "media-replaced")
    assert _file_hashes(root) == {f"{n}/{n}.jpg": hashlib.sha256(n.encode()).hexdigest() for n in "abc"}


def test_the_old_media_come_back_when_the_second_rename_fails(tmp_path, monkeypatch):
    root, new = _mount(tmp_path)
    before = _file_hashes(root)
    replace = os.replace

    def fail_into_place(src, dst):
        if Path(src) == new:
            raise OSError(28, "No space left on device")
        return replace(src, dst)

    monkeypatch.setattr(backup.os, "replace", fail_into_place)
    with pytest.raises(OSError):
        media_swap.swap_media(new, root, tmp_path / "staging" / "media-replaced")
    assert _file_hashes(root) == before


def test_a_restore_whose_media_swap_fails_says_so_and_keeps_the_old_files(tmp_path, monkeypatch):
    _seed()
    result = backup.create_archive(tmp_path / "out")
    media = Path(settings.MEDIA_ROOT)
    (media / "later.txt").write_bytes(b"after the backup")
    files = _file_hashes(media)
    monkeypatch.setattr(backup.os.path, "ismount", lambda path: Path(path) == media)
    monkeypatch.setattr(media_swap, "copy_file", lambda src, dst: (_ for _ in ()).throw(OSError(28, "disk full")))
    with pytest.raises(CommandError, match="上传文件未能替换"):
        call_command("restore", str(result.path), "--force")
    assert _file_hashes(media) == files


def test_a_killed_backups_working_folder_is_removed_by_the_next(tmp_path, monkeypatch, capsys):
    _seed()
    out = tmp_path / "out"
    stale, fresh = out / ".backup-killed", out / ".backup-running"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "database.sqlite3").write_bytes(b"plain copy")
    old = time_module.time() - (backup.STALE_WORK_HOURS + 1) * 3600
    os.utime(stale / "database.sqlite3", (old, old))
    os.utime(stale, (old, old))
    modes = []
    dump = backup._dump_database

    def dump_and_look(path):
        modes.append(stat.S_IMODE(path.parent.stat().st_mode))
        return dump(path)

    monkeypatch.setattr(backup, "_dump_database", dump_and_look)
    call_command("backup", "--output", str(out))
    assert "已删除一次中断的备份留下的临时目录" in capsys.readouterr().err
    assert not stale.exists() and fresh.exists()  # one still being written (by another run) is left alone
    assert modes == [0o700]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".backup-")) == [".backup-running"]
