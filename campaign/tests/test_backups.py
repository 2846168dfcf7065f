"""make backup / make restore (campaign.infra.backups): the demo county and its media folder
go out and come back the same, on PostgreSQL and on SQLite; a damaged or foreign backup
is refused before anything is replaced."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from campaign.infra.backups import DATABASE_DUMP, MANIFEST, MEDIA_ARCHIVE, BackupError, backup_read, backup_restore
from orgs.models import Organization
from orgs.scoping import unscoped

OUR_APPS = ("orgs", "campaign", "pledges", "reviews")


def snapshot() -> dict[str, tuple[int, str]]:
    """Every row of every model of the app, as a count and a hash per table."""
    tables = {}
    with unscoped("test"):
        for label in OUR_APPS:
            for model in apps.get_app_config(label).get_models():
                rows = model._base_manager.order_by("pk").values_list()
                digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
                tables[model._meta.label] = (len(rows), digest)
    return tables


def media_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_county_and_its_media_round_trip_through_a_backup_on_postgresql(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", no_activity=True, stdout=io.StringIO())
    (settings.MEDIA_ROOT / "evidence" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "evidence" / "2026" / "照片.jpg").write_bytes(b"\xff\xd8 a photo")
    before, before_media = snapshot(), media_files(settings.MEDIA_ROOT)
    assert before["orgs.Organization"][0] > 60 and before["orgs.Member"][0] > 500

    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip())
    assert sorted(path.name for path in folder.iterdir()) == [DATABASE_DUMP["postgresql"], MANIFEST, MEDIA_ARCHIVE]

    # After the backup: a name changed, everything else wiped, a photo lost.
    with unscoped("test"):
        Organization.objects.filter(parent__isnull=True).update(name="改错的名称")
    call_command("flush", interactive=False, stdout=io.StringIO())
    (settings.MEDIA_ROOT / "evidence" / "2026" / "照片.jpg").unlink()

    call_command("restore", str(folder), yes=True, stdout=io.StringIO())

    assert snapshot() == before
    assert media_files(settings.MEDIA_ROOT) == before_media


def test_the_sqlite_database_of_make_run_round_trips_too(tmp_path):
    """make run's SQLite file, in processes of their own as an operator would run them."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "CI")
    } | {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media")}

    def manage(*arguments: str) -> str:
        finished = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        return finished.stdout

    count = (
        "from orgs.scoping import unscoped\nfrom orgs.models import Organization, Member\n"
        "with unscoped('test'):\n"
        "    root = Organization.objects.get(parent__isnull=True)\n"
        "    print(Organization.objects.count(), Member.objects.count(), root.name)"
    )
    manage("migrate", "-v", "0")
    manage("load_demo", "--no-activity")
    (tmp_path / "media" / "circulars").mkdir(parents=True)
    (tmp_path / "media" / "circulars" / "通报.pdf").write_bytes(b"%PDF-1.7 issued")
    before = manage("shell", "-c", count).splitlines()[-1]
    folder = manage("backup", str(tmp_path / "backups")).strip()

    manage(
        "shell",
        "-c",
        "from orgs.scoping import unscoped\nfrom orgs.models import Organization\n"
        "with unscoped('test'): Organization.objects.filter(parent__isnull=True).update(name='改错的名称')",
    )
    (tmp_path / "media" / "circulars" / "通报.pdf").unlink()
    manage("restore", folder, "--yes")

    assert manage("shell", "-c", count).splitlines()[-1] == before
    assert "中共肃南裕固族自治县委员会" in before
    assert (tmp_path / "media" / "circulars" / "通报.pdf").read_bytes() == b"%PDF-1.7 issued"


def fake_backup(folder: Path, *, database: str, media: bytes | None = None) -> Path:
    """A backup folder whose manifest matches its files."""
    folder.mkdir(parents=True)
    (folder / DATABASE_DUMP[database]).write_bytes(b"not a real dump")
    archive = folder / MEDIA_ARCHIVE
    if media is None:
        with tarfile.open(archive, "w:gz"):
            pass
    else:
        archive.write_bytes(media)
    files = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in (DATABASE_DUMP[database], MEDIA_ARCHIVE)
    }
    (folder / MANIFEST).write_text(json.dumps({"format": 1, "database": database, "created_at": "x", "files": files}))
    return folder


def test_a_damaged_backup_is_refused_in_chinese(tmp_path):
    folder = fake_backup(tmp_path / "b", database="sqlite")
    (folder / MEDIA_ARCHIVE).write_bytes(b"changed after the backup")
    with pytest.raises(BackupError, match="缺失或已损坏"):
        backup_read(folder)
    with pytest.raises(CommandError, match="不是一份完整的备份"):
        call_command("restore", str(tmp_path / "nothing-here"), yes=True)


@pytest.mark.django_db
def test_a_backup_of_another_kind_of_database_is_refused_before_anything_changes(tmp_path, settings):
    from django.db import connection

    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    folder = fake_backup(tmp_path / "b", database=other)
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "kept.txt").write_text("kept")
    with pytest.raises(BackupError, match="不能恢复到当前的"):
        backup_restore(folder)
    assert (tmp_path / "media" / "kept.txt").read_text() == "kept"


@pytest.mark.django_db
def test_an_archive_reaching_outside_the_media_folder_is_refused_and_nothing_is_replaced(tmp_path, settings):
    from django.db import connection

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        payload = b"overwrite settings"
        member = tarfile.TarInfo("../../campaign/settings.py")
        member.size = len(payload)
        tar.addfile(member, io.BytesIO(payload))
    folder = fake_backup(tmp_path / "b", database=connection.vendor, media=buffer.getvalue())
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "kept.txt").write_text("kept")
    before = snapshot()

    with pytest.raises(BackupError, match="无法安全解开"):
        backup_restore(folder)

    assert (tmp_path / "media" / "kept.txt").read_text() == "kept"
    assert not (tmp_path.parent / "campaign").exists()
    assert snapshot() == before
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".restore-")] == []
