"""Figures for the organization tree at province scale: `make bench` runs this.

Builds a synthetic tree (province → cities → counties → townships → branches) straight
into the database with COPY (campaign.devdata.scale.copy_rows), then times the subtree and
member-count queries the pages use: the subtree against a bare path-prefix SELECT, the
home page's tree against its own SQL sent bare (what the ORM and the Python around it add).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from campaign.devdata.benchmarks import Report, bare_subtree_ids, percentile, replay, statements_of
from campaign.devdata.scale import copy_rows, next_id, sync_sequence
from orgs.models import Organization, new_public_token, path_segment
from orgs.scoping import unscoped
from orgs.selectors import subtree, tree_with_member_counts

# 1 + 14 + 140 + 1,680 + 100,800 = 102,635 organizations by default.
DEFAULT_FANOUT = (14, 10, 12, 60)
KINDS = ("county", "committee", "committee", "committee", "branch")


class Command(BaseCommand):
    help = "Build a province-size organization tree (PostgreSQL) and time subtree queries."

    def add_arguments(self, parser):
        parser.add_argument("--fanout", default=",".join(map(str, DEFAULT_FANOUT)))
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, fanout, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_tree needs PostgreSQL (set DATABASE_URL).")
        fanout = tuple(int(part) for part in fanout.split(","))
        with unscoped("bench"):
            self.build(fanout)
            province = Organization.objects.get(parent__isnull=True, code="BENCH")
            city = Organization.objects.filter(parent=province).first()
            county = Organization.objects.filter(parent=city).first()
            total = Organization.objects.count()
            report = Report(self.stdout, f"organization tree ({total:,} organizations, depth {len(fanout) + 1})")
            for label, root in (("county", county), ("city", city), ("province", province)):
                size = subtree(root).count()
                timings = self.time(lambda r=root: list(subtree(r).values_list("id", flat=True)), repeat)
                bare = self.time(lambda r=root: bare_subtree_ids(r), repeat)
                self.report(report, f"subtree ids of a {label} ({size:,} orgs)", timings, bare, "bare SQL path prefix")
            for label, root, times in (
                ("a county", county, repeat),
                ("the province (cut to 2 levels)", province, max(3, repeat // 5)),
            ):
                statements = statements_of(lambda r=root: tree_with_member_counts([r]))
                timings = self.time(lambda r=root: tree_with_member_counts([r]), times)
                bare = self.time(lambda s=statements: replay(s), times)
                self.report(report, f"home-page tree of {label}", timings, bare, "the same SQL sent bare")
            report.save()

    def time(self, function, repeat):
        function()  # warm the cache, as a page visited twice would
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            timings.append((time.perf_counter() - start) * 1000)
        return timings

    def report(self, report, label, timings, bare, reference_name):
        for share, name in ((0.5, "p50"), (0.95, "p95")):
            report.figure(
                f"{label} {name}",
                percentile(timings, share),
                "ms",
                reference=percentile(bare, share),
                reference_name=reference_name,
            )

    @transaction.atomic
    def build(self, fanout):
        if Organization.objects.filter(code="BENCH").exists():
            return
        with connection.cursor() as cursor:
            copy_rows(
                cursor,
                "orgs_organization",
                ("id", "code", "name", "kind", "sector", "parent_id", "path", "notice_board_token"),
                self.rows(next_id(cursor, "orgs_organization"), fanout),
            )
            sync_sequence(cursor, "orgs_organization")
            cursor.execute("ANALYZE orgs_organization")

    def rows(self, pk, fanout):
        """province → cities → counties → townships → branches, by the fanout of each level."""
        level = [(pk, path_segment(pk), "BENCH")]
        yield (pk, "BENCH", "基准省委", "county", "organ", None, level[0][1], new_public_token())
        pk += 1
        for depth, width in enumerate(fanout, start=1):
            children = []
            for parent_id, parent_path, parent_code in level:
                for index in range(width):
                    path = parent_path + path_segment(pk)
                    code = f"{parent_code}-{index}"
                    yield (pk, code, f"组织{code}", KINDS[depth], "rural", parent_id, path, new_public_token())
                    children.append((pk, path, code))
                    pk += 1
            level = children
