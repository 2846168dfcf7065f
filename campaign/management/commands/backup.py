"""`make backup`: the database and the media folder into a new folder under backups/
(or the folder given). See campaign.infra.backups."""

from django.core.management.base import BaseCommand, CommandError

from campaign.infra.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the media folder (PostgreSQL: pg_dump; SQLite: its online backup)."

    def add_arguments(self, parser):
        parser.add_argument("destination", nargs="?", default="backups", help="folder to put the backup in")

    def handle(self, *args, destination, **options):
        try:
            backup = backup_create(destination)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{backup.folder}")
