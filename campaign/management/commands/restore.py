"""`make restore BACKUP=backups/<time>`: replace the database and the media folder with a
backup's. Stop the web and worker processes first; the command asks before it replaces
anything unless given --yes. See campaign.infra.backups."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from campaign.infra.backups import BackupError, backup_read, backup_restore


class Command(BaseCommand):
    help = "Restore the database and the media folder from a backup made by manage.py backup."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the backup's folder, e.g. backups/20261128T010203000000Z")
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the data")

    def handle(self, *args, folder, yes, **options):
        try:
            backup = backup_read(folder)
            if not yes:
                database = connection.settings_dict["NAME"]
                answer = input(
                    f"Replace database {database} and the media folder with the backup of "
                    f"{backup.manifest['created_at']}? [y/N] "
                )
                if answer.strip().lower() not in ("y", "yes"):
                    raise CommandError("Nothing restored.")
            backup_restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored {backup.folder} ({backup.manifest['created_at']})")
