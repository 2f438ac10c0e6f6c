"""Backup and restore of one server: the database and the uploaded files, in one .tar.gz with a manifest.

`manage.py backup` and `manage.py restore` are thin shells around `create_archive` and `restore_archive`.

The database goes in with the engine's own tool, not a Django-level dump (dumpdata/loaddata), because:
- it is exact: indexes, the FTS5 triggers and the trigram/GIN indexes, identity sequences and the migration table
  come back as they were, with nothing rebuilt by hand;
- it is fast at district scale (~50k members, a few hundred thousand audit rows): PostgreSQL's COPY and SQLite's
  page copy take seconds, where loaddata would build and save every row through the ORM, and would decrypt and
  re-encrypt every ID and phone number on the way (Fernet ciphertext is not deterministic);
- it is consistent: SQLite's online backup API (`sqlite3.Connection.backup`) copies one snapshot while the
  server keeps running; on PostgreSQL the checksums are computed in a REPEATABLE READ transaction whose snapshot
  `pg_dump --snapshot` dumps, so manifest and dump describe the same instant;
- it restores atomically: SQLite replaces the pages under one write lock, PostgreSQL's load runs in one transaction
  (committed only once pg_restore streamed the whole dump), so a failed load leaves the database as it was.
The price: an archive restores into the same engine (a PostgreSQL server needs pg_dump/pg_restore/psql of its
major version or newer on PATH — the postgresql-client package). Moving SQLite → PostgreSQL is a separate step.

Checksums: per table, sha256 over the rows ordered by primary key (text keys in byte order), each row one line of
canonical JSON of the raw column values as the database driver returns them (ciphertext stays ciphertext). They
compare within one engine; restore recomputes them after loading and fails loudly on any difference.

Left empty on purpose: the tables whose rows are working credentials (`CREDENTIAL_MODELS`: DRF's API tokens, kept in
plain text, and the sessions) — a stolen archive must not sign anyone in. Their tables are in the archive, without
rows (PostgreSQL: `pg_dump --exclude-table-data`; SQLite: the rows are deleted from the copy, with secure_delete, before
its checksums); the manifest lists them (`emptied_tables`); after a restore everyone signs in again and API tokens
are issued anew.

Not in the archive: the keys (FIELD_ENCRYPTION_KEY, FIELD_HASH_KEY, SECRET_KEY) — kept apart on purpose, so a
stolen archive reveals no ID or phone number — and job files (JOBS_DIR: temporary exports and imports).
"""

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from . import media_swap

FORMAT = "yangguang-backup"
VERSION = 1
CHUNK = 1 << 20
DB_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# Tables whose rows make a database "in use": restore refuses to overwrite them without --force. A freshly migrated
# database has rows elsewhere (content types, permissions, the default activity types) and counts as empty.
IN_USE_MODELS = (settings.AUTH_USER_MODEL, "orgs.Organization", "audit.AuditEvent")
# Tables of live credentials, archived without their rows (see the module's docstring). Not among them: the rate-limit
# rows (core.RateCounter: keyed hashes of addresses and spent one-time challenge nonces — restoring them keeps a spent
# challenge spent), Open311 keys and case query codes (only hashes are stored), record check-in tokens (a QR code
# printed for a meeting, useful only to a signed-in member).
CREDENTIAL_MODELS = ("authtoken.Token", "sessions.Session")
EMPTY_TABLE = {"rows": 0, "sha256": hashlib.sha256().hexdigest()}
# A `.backup-*` working folder untouched this long was left by a backup that was killed: it holds a plain copy of the
# database, so the next backup removes it (the timer's unit does too).
STALE_WORK_HOURS = 6


class BackupError(Exception):
    """A clear, translated message for the operator; the commands turn it into a non-zero exit."""


# --- checksums ---------------------------------------------------------------------------------------------------

def _canon(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"cannot canonicalize {type(value).__name__}")


def _tables_and_keys():
    """{table: primary key column} for every model table (auto-created many-to-many tables too) and the migration
    table; only concrete, managed models that own their table."""
    keys = {"django_migrations": "id"}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            keys.setdefault(meta.db_table, meta.pk.column)
    return keys


def credential_tables() -> list:
    tables = []
    for label in CREDENTIAL_MODELS:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:
            continue
    return sorted(tables)


def table_checksums(cursor, vendor, existing=None, empty=()) -> dict:
    """{table: {"rows": n, "sha256": hex}} for every model table that exists, read through `cursor`; the tables in
    `empty` (left out of the dump) are recorded as empty without reading them."""
    qn = connection.ops.quote_name
    # One encoder for all rows (json.dumps with options builds a new one per call: a third of the time).
    encode = json.JSONEncoder(default=_canon, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
    result = {}
    keys = _tables_and_keys()
    existing = set(existing) if existing is not None else None
    for table in sorted(keys):
        if existing is not None and table not in existing:
            continue
        if table in empty:
            result[table] = dict(EMPTY_TABLE)
            continue
        order = qn(keys[table])
        if vendor == "postgresql":
            # Text keys (sessions) in byte order: the same on a server with another default collation.
            order = f"{order}::text COLLATE \"C\"" if _is_text_key(cursor, table, keys[table]) else order
        # On PostgreSQL a server-side cursor (Django's chunked cursor, as .iterator() uses): the attendance table has
        # a million rows a district year, which a client-side cursor would hold in memory at once.
        rows_cursor = connection.chunked_cursor() if vendor == "postgresql" else cursor
        try:
            rows_cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {order}")  # noqa: S608 (registry's names)
            digest, rows = hashlib.sha256(), 0
            while batch := rows_cursor.fetchmany(2000):
                digest.update(b"".join(encode(list(row)).encode() + b"\n" for row in batch))
                rows += len(batch)
        finally:
            if rows_cursor is not cursor:
                rows_cursor.close()
        result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


def _is_text_key(cursor, table, column):
    cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
                   "AND table_name = %s AND column_name = %s", [table, column])
    row = cursor.fetchone()
    return bool(row) and row[0] in ("text", "character varying", "character")


def current_checksums() -> dict:
    """The live database's checksums (for restore's check and for tests)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(connection.connection.cursor()) as cursor:
            return table_checksums(cursor, "sqlite", _sqlite_tables(connection.connection))
    with connection.cursor() as cursor:
        return table_checksums(cursor, connection.vendor, connection.introspection.table_names(cursor))


def _sqlite_tables(raw):
    return {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- backup ------------------------------------------------------------------------------------------------------

class _HashingReader:
    """Reads a file for tarfile while hashing it: one pass, and the hash is of exactly the bytes archived."""

    def __init__(self, f):
        self.f, self.digest = f, hashlib.sha256()

    def read(self, size=-1):
        data = self.f.read(size)
        self.digest.update(data)
        return data


def _sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env():
    """libpq's environment for pg_dump/pg_restore/psql from the connection's settings (no password on a command
    line, where `ps` would show it)."""
    s = connection.settings_dict
    env = dict(os.environ)
    for var, value in (("PGHOST", s.get("HOST")), ("PGPORT", s.get("PORT")), ("PGUSER", s.get("USER")),
                       ("PGPASSWORD", s.get("PASSWORD")), ("PGDATABASE", s.get("NAME")),
                       ("PGSSLMODE", (s.get("OPTIONS") or {}).get("sslmode"))):
        if value:
            env[var] = str(value)
    return env


def _need(tool):
    if not shutil.which(tool):
        raise BackupError(_("找不到 {tool}：PostgreSQL 数据库的备份与恢复需要 PostgreSQL 客户端工具（postgresql-client，"
                            "主版本不低于数据库服务器），请安装后重试。").format(tool=tool))


def _run(args, **kwargs):
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)  # noqa: S603 (fixed tool, our arguments)
    if done.returncode:
        raise BackupError(_("{tool} 失败：{error}").format(tool=args[0], error=done.stderr.strip()[-2000:]))
    return done


def _dump_database(path: Path) -> dict:
    """Write the database to `path`; returns the checksums of exactly what was written."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
        try:
            connection.connection.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            # Credentials out of the copy; secure_delete zeroes the freed cells and pages, so no token or session
            # key is left readable in the file.
            target.execute("PRAGMA secure_delete=ON")
            present = _sqlite_tables(target)
            for table in credential_tables():
                if table in present:
                    target.execute(f'DELETE FROM "{table}"')  # noqa: S608 (a model's table name)
            target.commit()
            with contextlib.closing(target.cursor()) as cursor:
                return table_checksums(cursor, "sqlite", _sqlite_tables(target))
        finally:
            target.close()
    if connection.vendor != "postgresql":
        raise BackupError(_("不支持的数据库：{engine}").format(engine=connection.vendor))
    _need("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        # -Z0: the archive's gzip compresses it once; --no-owner/--no-privileges: restorable under another role.
        emptied = credential_tables()
        _run(["pg_dump", "--format=custom", "-Z0", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              *(f"--exclude-table-data={table}" for table in emptied), f"--file={path}"], env=_pg_env())
        return table_checksums(cursor, "postgresql", connection.introspection.table_names(cursor), empty=emptied)


def _applied_migrations():
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _media_files(root: Path):
    """Uploaded files under MEDIA_ROOT (sorted), leaving out the job directory should it lie inside."""
    if not root.is_dir():
        return []
    jobs_dir = Path(settings.JOBS_DIR).resolve()
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        # Also leaves out the working folders a restore onto a mount point left behind if it was killed.
        dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() != jobs_dir
                             and not (here == root and d.startswith(".restore-")))
        files.extend(here / f for f in sorted(filenames) if (here / f).is_file() and not (here / f).is_symlink())
    return files


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int = 0


def remove_stale_work_dirs(output_dir: Path, log=lambda message: None) -> list:
    """Remove the `.backup-*` working folders in `output_dir` in which nothing changed for STALE_WORK_HOURS."""
    removed = []
    limit = clock.time() - STALE_WORK_HOURS * 3600
    for path in sorted(output_dir.glob(".backup-*")):
        if path.is_symlink() or not path.is_dir():
            continue
        try:
            newest = max(p.lstat().st_mtime for p in (path, *path.iterdir()))
        except OSError:
            continue
        if newest < limit:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
            log(_("已删除一次中断的备份留下的临时目录 {path}（其中有数据库副本，{hours} 小时以上未变）").format(
                path=path, hours=STALE_WORK_HOURS))
    return removed


def create_archive(output_dir, log=lambda message: None) -> BackupResult:
    """Write yangguang-backup-<time>.tar.gz (mode 0600) into `output_dir`."""
    output_dir = Path(output_dir)
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_stale_work_dirs(output_dir, log)
    created = timezone.now()
    vendor = connection.vendor
    name = f"yangguang-backup-{created.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    final = output_dir / name
    n = 1
    while final.exists():
        n += 1
        final = output_dir / f"yangguang-backup-{created.strftime('%Y%m%d-%H%M%S')}-{n}.tar.gz"
    # mkdtemp: 0700, only the service user reads the database copy while it is archived.
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as staging:
        db_path = Path(staging) / DB_FILES.get(vendor, "database")
        tables = _dump_database(db_path)
        manifest = {
            "format": FORMAT, "version": VERSION, "created_at": created.isoformat(),
            "database": {"engine": vendor, "file": db_path.name, "sha256": _sha256_file(db_path)},
            "migrations": _applied_migrations(), "tables": tables, "media": {},
            "emptied_tables": [t for t in credential_tables() if t in tables],
        }
        partial = Path(staging) / "archive.part"
        # Created 0600 before a byte is written: the archive holds encrypted personal data and uploaded photos.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            tar.add(db_path, arcname=db_path.name)
            root = Path(settings.MEDIA_ROOT)
            for path in _media_files(root):
                rel = path.relative_to(root).as_posix()
                with open(path, "rb") as f:
                    info = tar.gettarinfo(arcname=f"media/{rel}", fileobj=f)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    reader = _HashingReader(f)
                    tar.addfile(info, reader)
                manifest["media"][rel] = reader.digest.hexdigest()
            # Last, so it can hold every hash; restore reads the whole archive before it changes anything.
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(created.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    return BackupResult(path=final, manifest=manifest, size=final.stat().st_size)


# --- restore -----------------------------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    manifest: dict
    tables: int = 0
    rows: int = 0
    files: int = 0
    emptied_tables: list = field(default_factory=list)
    migrations_applied: list = field(default_factory=list)


def database_in_use() -> dict:
    """{model label: rows} for the tables that make a database in use (empty dict: safe to restore into)."""
    found = {}
    existing = set(connection.introspection.table_names())
    for label in IN_USE_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._meta.db_table in existing:
            count = model._base_manager.count()
            if count:
                found[str(model._meta.verbose_name)] = count
    return found


def _safe_member_path(name: str):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


def _extract(archive: Path, staging: Path) -> tuple[dict, dict]:
    """Unpack into `staging`, hashing as it goes; returns (manifest, {archive name: sha256}). Only regular files
    with plain relative names are taken: a crafted archive cannot write outside the staging directory."""
    hashes = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                path = _safe_member_path(member.name)
                if member.isdir():
                    continue
                if path is None or not member.isfile():
                    raise BackupError(_("备份文件含有不允许的条目：{name}").format(name=member.name))
                target = staging.joinpath(*path.parts)
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as src, open(target, "xb") as dst:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        dst.write(chunk)
                hashes[path.as_posix()] = digest.hexdigest()
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, FileExistsError):
            raise BackupError(_("备份文件含有重复的条目：{name}").format(name=exc.filename)) from exc
        raise BackupError(_("无法读取备份文件（不是有效的 .tar.gz 或已损坏）：{error}").format(error=exc)) from exc
    manifest_path = staging / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(_("备份文件中没有 manifest.json，不是本系统的备份。"))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("manifest.json 无法解析：{error}").format(error=exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("备份文件中没有 manifest.json，不是本系统的备份。"))
    return manifest, hashes


def _check_manifest(manifest: dict, hashes: dict):
    if manifest.get("version") != VERSION:
        raise BackupError(_("不支持的备份格式版本：{version}").format(version=manifest.get("version")))
    db = manifest.get("database") or {}
    if db.get("engine") != connection.vendor:
        raise BackupError(_("备份来自 {archive} 数据库，当前数据库是 {current}：只能恢复到同一种数据库。").format(
            archive=db.get("engine"), current=connection.vendor))
    if db.get("file") != DB_FILES.get(connection.vendor) or hashes.get(db.get("file")) != db.get("sha256"):
        raise BackupError(_("数据库文件校验失败（缺失或已被修改），备份不可用。"))
    media = manifest.get("media")
    if not isinstance(media, dict) or not isinstance(manifest.get("tables"), dict):
        raise BackupError(_("manifest.json 不完整。"))
    expected = {f"media/{rel}": digest for rel, digest in media.items()}
    actual = {name: digest for name, digest in hashes.items() if name.startswith("media/")}
    bad = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    if bad:
        raise BackupError(_("{n} 个上传文件校验失败（缺失、多出或已被修改），例如 {name}；备份不可用。").format(
            n=len(bad), name=bad[0]))
    unknown = sorted(set(manifest.get("migrations") or []) - {f"{a}.{n}" for a, n in
                                                           MigrationExecutor(connection).loader.graph.nodes})
    if unknown:
        raise BackupError(_("备份来自更新的程序版本（含本程序没有的迁移 {name} 等），请先升级程序再恢复。").format(
            name=unknown[0]))


def _compare(expected: dict, actual: dict) -> list:
    return sorted(t for t in expected.keys() | actual.keys() if expected.get(t) != actual.get(t))


def _load_sqlite(path: Path, expected: dict):
    source = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        with contextlib.closing(source.cursor()) as cursor:
            before = table_checksums(cursor, "sqlite", _sqlite_tables(source))
        if bad := _compare(expected, before):
            raise BackupError(_("备份中的数据库与清单不符（{tables}），备份不可用。").format(tables=", ".join(bad[:5])))
        connection.ensure_connection()
        # Page by page under one write lock: on failure the database stays as it was.
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(_("数据库恢复失败，数据库未改变：{error}").format(error=exc)) from exc
    finally:
        source.close()


DROP_OWN_FUNCTIONS = """DO $$ DECLARE f record; BEGIN
  FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema()
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE 'DROP FUNCTION IF EXISTS ' || f.sig || ' CASCADE'; END LOOP;
END $$;
"""


def _load_postgresql(path: Path):
    for tool in ("pg_restore", "psql"):
        _need(tool)
    env = _pg_env()
    _run(["pg_restore", "--list", str(path)], env=env)  # a readable dump before anything is dropped
    qn = connection.ops.quote_name
    tables = connection.introspection.table_names()
    connection.close()
    # One transaction of our own around the drop and the load, committed only once pg_restore has written the whole
    # dump: psql --single-transaction would commit at the end of its input even if pg_restore died half-way (a
    # COPY cut short ends as if complete). On any failure psql is killed and the server rolls the transaction back.
    head = "SET client_min_messages = warning;\nBEGIN;\n"
    if tables:
        head += f"DROP TABLE IF EXISTS {', '.join(qn(t) for t in tables)} CASCADE;\n"
    # The schema's own functions go too (the dump creates them again: the dues ledger's trigger functions), not those
    # an extension owns (pg_trgm's).
    head += DROP_OWN_FUNCTIONS
    with tempfile.TemporaryFile() as dump_err, tempfile.TemporaryFile() as load_err:
        load = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],  # noqa: S603,S607
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=load_err, env=env)
        dump = subprocess.Popen(["pg_restore", "--no-owner", "--no-privileges", "--no-comments", "-f", "-",  # noqa: S603,S607
                                 str(path)], stdout=subprocess.PIPE, stderr=dump_err, env=env)
        try:
            load.stdin.write(head.encode())
            while chunk := dump.stdout.read(CHUNK):
                load.stdin.write(chunk)
            dump.wait()
            if dump.returncode:
                load.kill()
                with contextlib.suppress(OSError):
                    load.stdin.close()
            else:
                load.stdin.write(b"\nCOMMIT;\n")
                load.stdin.close()
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): its transaction is rolled back
            dump.kill()
            dump.wait()
        finally:
            load.wait()
        if dump.returncode or load.returncode:
            dump_err.seek(0)
            load_err.seek(0)
            error = (load_err.read() or dump_err.read()).decode(errors="replace").strip()[-2000:]
            raise BackupError(_("数据库恢复失败，数据库未改变：{error}").format(error=error))


def _empty_credentials() -> list:
    """Leave the credential tables empty (a no-op for an archive that was made without their rows)."""
    qn = connection.ops.quote_name
    existing = set(connection.introspection.table_names())
    tables = [t for t in credential_tables() if t in existing]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608 (a model's table name)
    return tables


def restore_archive(archive, *, force=False, log=lambda message: None) -> RestoreResult:
    """Check the archive completely, then load the database, check it against the manifest, put the uploaded
    files in place and run the migrations the archive is behind on."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("找不到备份文件：{path}").format(path=archive))
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Staged beside MEDIA_ROOT: the new media directory is renamed into place, on the same file system.
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as tmp:
        staging = Path(tmp)
        log(_("正在读取并校验备份文件……"))
        manifest, hashes = _extract(archive, staging)
        _check_manifest(manifest, hashes)
        in_use = database_in_use()
        if in_use and not force:
            raise BackupError(_("数据库中已有数据（{what}）。恢复会覆盖全部数据；确认无误请加 --force。").format(
                what="，".join(f"{k} {v}" for k, v in in_use.items())))
        expected = manifest["tables"]
        db_file = staging / manifest["database"]["file"]
        log(_("正在恢复数据库……"))
        if connection.vendor == "sqlite":
            _load_sqlite(db_file, expected)
        else:
            _load_postgresql(db_file)
        apps.get_model("contenttypes", "ContentType").objects.clear_cache()
        actual = current_checksums()
        if bad := _compare(expected, actual):
            raise BackupError(_("恢复后的数据库与备份清单不符：{tables}。请勿使用此数据库，检查后重新恢复。").format(
                tables=", ".join(bad[:10])))
        emptied = _empty_credentials()
        log(_("正在放入上传文件……"))
        try:
            media_swap.swap_media(staging / "media", media_root, staging / "media-replaced")
        except media_swap.MediaSwapError as exc:  # old files not all back in place: its message says where they are
            raise BackupError(str(exc)) from exc
        except OSError as exc:
            raise BackupError(_("数据库已恢复，但上传文件未能替换（原有上传文件保持不变）：{error}。排除原因后请再次恢复"
                                "（--force）。").format(error=exc)) from exc
        result = RestoreResult(manifest=manifest, tables=len(expected), emptied_tables=emptied,
                               rows=sum(t["rows"] for t in expected.values()), files=len(manifest["media"]))
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        from django.core.management import call_command

        log(_("备份早于当前程序版本，正在执行 {n} 个数据库迁移……").format(n=len(plan)))
        call_command("migrate", interactive=False, verbosity=0)
        result.migrations_applied = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
    return result
