"""Build a county- or province-size data set for benches (PostgreSQL); see campaign.devdata.scale.

    manage.py generate_scale --size province
    manage.py generate_scale --orgs 1000 --members 30000 --votes 300000 --seed 2010

Idempotent by size: if the database already holds a generated data set with these
numbers of organizations, members and votes, nothing is done (whatever the seed). Any
other data is left alone and the command refuses, unless --reset is given: then every
table of the database is emptied first (``manage.py flush``) and the data set made
anew. Give it a database of its own.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from campaign.devdata.scale import (
    COUNTY,
    PROVINCE,
    ScaleGenerator,
    ScaleSize,
    database_size,
    existing_size,
    holds_data,
    vacuum_analyze,
)
from campaign.devdata.scale_plan import PlanError

PRESETS = {"county": COUNTY, "province": PROVINCE}


class Command(BaseCommand):
    help = "Generate a county- or province-size data set in an empty PostgreSQL database (campaign.devdata.scale)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(PRESETS), default="county", help="preset sizes (default county)")
        parser.add_argument("--orgs", type=int, help="organizations (county 1,000; province 100,000)")
        parser.add_argument("--members", type=int, help="party members (county 30,000; province 3,000,000)")
        parser.add_argument("--votes", type=int, help="votes, i.e. ballot choices (province 30,000,000)")
        parser.add_argument("--seed", type=int, default=2010)
        parser.add_argument(
            "--reset", action="store_true", help="empty every table first, unless the same size is already there"
        )

    def handle(self, *args, size, orgs, members, votes, seed, reset, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_scale needs PostgreSQL: set DATABASE_URL to a database of its own.")
        preset = PRESETS[size]
        wanted = ScaleSize(
            organizations=preset.organizations if orgs is None else orgs,
            members=preset.members if members is None else members,
            votes=preset.votes if votes is None else votes,
        )
        if min(wanted.organizations, wanted.members, wanted.votes) < 0:
            raise CommandError("Sizes cannot be negative.")
        database = connection.settings_dict["NAME"]
        found = existing_size()
        if found == wanted:
            self.stdout.write(f"{database} already holds a generated data set of {wanted}: nothing to do.")
            return
        if not reset:
            if holds_data():
                raise CommandError(
                    f"{database} already holds data"
                    + (f" (a generated data set of {found})" if found else "")
                    + ". Use a database of its own, or pass --reset to empty every table first."
                )
        started = time.perf_counter()
        if reset and holds_data():
            self.stdout.write(f"emptying every table of {database}")
            call_command("flush", interactive=False, verbosity=0)
        self.stdout.write(f"generating {wanted} in {database} (seed {seed})")
        generator = ScaleGenerator(wanted, seed=seed, report=self.stdout.write)
        try:
            generator.run()
        except PlanError as error:
            raise CommandError(str(error)) from error
        if connection.in_atomic_block:
            self.stdout.write("  (inside a transaction: VACUUM skipped)")
        else:
            vacuum_started = time.perf_counter()
            vacuum_analyze()
            self.stdout.write(f"  {'VACUUM (ANALYZE)':<51}{time.perf_counter() - vacuum_started:7.1f} s")
        self.stdout.write(
            f"generated {wanted} in {time.perf_counter() - started:.0f} s; database size {database_size()}"
        )
