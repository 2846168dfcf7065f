"""Backups (`make backup`, `make restore`): the database and the media folder, together,
in one folder per backup, with a manifest that lets a restore check it has them whole.

- PostgreSQL: pg_dump's custom format, consistent as of one moment while the app keeps
  running; restored by pg_restore into the configured database, replacing what is there,
  in one transaction (a failed restore leaves the database as it was).
- SQLite (`make run` without a server): SQLite's own online backup, page by page.
- Media (evidence photos, issued circulars, uploads waiting for confirmation): a
  .tar.gz of MEDIA_ROOT; restored into a fresh folder that then replaces MEDIA_ROOT, so
  a failed extraction leaves the old folder in place.

Each file's SHA-256 is in manifest.json, with the app's migrations at the time: a restore
refuses a backup whose files do not match, and says so in Chinese.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
DATABASE_DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_ARCHIVE = "media.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """Why a backup or a restore could not be done, for the person running it."""


@dataclass(frozen=True)
class Backup:
    folder: Path
    manifest: dict


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _postgres_environment() -> tuple[list[str], dict]:
    """Connection options for pg_dump and pg_restore, the password in the environment
    (never on the command line, where `ps` shows it)."""
    database = connection.settings_dict
    arguments = ["--dbname", database["NAME"]]
    if database.get("HOST"):
        arguments += ["--host", database["HOST"]]
    if database.get("PORT"):
        arguments += ["--port", str(database["PORT"])]
    if database.get("USER"):
        arguments += ["--username", database["USER"]]
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    return arguments, environment


def _run(command: list[str], environment: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            _("找不到 %(program)s，请先安装 PostgreSQL 客户端（postgresql-client）。") % {"program": command[0]}
        )
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(
            _("%(program)s 执行失败：%(error)s") % {"program": command[0], "error": finished.stderr.strip()[-500:]}
        )


def _migrations() -> dict[str, str]:
    """The last migration applied of each app: a backup restores into the same code."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("id").values_list("app", "name"):
        latest[app] = name
    return latest


def backup_create(destination: Path) -> Backup:
    """Write a backup of the database and the media folder into a new folder under
    ``destination``, named by the time (UTC); returns it."""
    vendor = connection.vendor
    if vendor not in DATABASE_DUMP:
        raise BackupError(_("不支持备份这种数据库：%(vendor)s。") % {"vendor": vendor})
    now = datetime.datetime.now(datetime.UTC)
    folder = Path(destination) / now.strftime("%Y%m%dT%H%M%S%fZ")
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True)
    try:
        dump = partial / DATABASE_DUMP[vendor]
        if vendor == "postgresql":
            arguments, environment = _postgres_environment()
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *arguments],
                environment,
            )
        else:
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        media_root = Path(settings.MEDIA_ROOT)
        archive = partial / MEDIA_ARCHIVE
        with tarfile.open(archive, "w:gz") as tar:
            if media_root.is_dir():
                for child in sorted(media_root.iterdir()):
                    tar.add(child, arcname=child.name)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": vendor,
            "migrations": _migrations(),
            "files": {path.name: _sha256(path) for path in (dump, archive)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        # Only a whole backup gets its final name.
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Backup(folder=folder, manifest=manifest)


def backup_read(folder: Path) -> Backup:
    """The backup in ``folder``, its files checked against the manifest."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(
            _("%(folder)s 不是一份完整的备份（没有可读的 manifest.json）。") % {"folder": folder}
        ) from None
    if manifest.get("format") != FORMAT or manifest.get("database") not in DATABASE_DUMP:
        raise BackupError(_("无法识别这份备份的格式。"))
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(_("备份文件 %(name)s 缺失或已损坏，不能用于恢复。") % {"name": name})
    return Backup(folder=folder, manifest=manifest)


def backup_restore(folder: Path) -> Backup:
    """Replace the database and the media folder with the backup's. Refuses a backup of
    another kind of database, or one whose files do not match its manifest."""
    backup = backup_read(folder)
    vendor = connection.vendor
    if backup.manifest["database"] != vendor:
        raise BackupError(
            _("这份备份来自 %(source)s 数据库，不能恢复到当前的 %(target)s 数据库。")
            % {"source": backup.manifest["database"], "target": vendor}
        )
    # The media first, into a folder of its own: a bad archive stops the restore before
    # the database is touched.
    fresh = _media_unpack(backup.folder / MEDIA_ARCHIVE)
    try:
        _database_restore(backup.folder / DATABASE_DUMP[vendor], vendor)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    _media_swap(fresh)
    return backup


def _database_restore(dump: Path, vendor: str) -> None:
    if vendor == "postgresql":
        arguments, environment = _postgres_environment()
        connection.close()  # our own session must not hold a lock on a table being replaced
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *arguments,
                str(dump),
            ],
            environment,
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _media_unpack(archive: Path) -> Path:
    """The archive unpacked into a new folder beside MEDIA_ROOT."""
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # "data": no absolute paths, no links out of the folder, no device files.
            tar.extractall(fresh, filter="data")
    except (tarfile.TarError, OSError) as error:
        shutil.rmtree(fresh, ignore_errors=True)
        raise BackupError(_("备份中的附件归档无法安全解开：%(error)s") % {"error": error}) from None
    return fresh


def _media_swap(fresh: Path) -> None:
    """Put the unpacked folder in MEDIA_ROOT's place (renames, on one file system)."""
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        old = media_root.with_name(media_root.name + ".before-restore")
        shutil.rmtree(old, ignore_errors=True)
        media_root.rename(old)
        fresh.rename(media_root)
        shutil.rmtree(old, ignore_errors=True)
    else:
        fresh.rename(media_root)
