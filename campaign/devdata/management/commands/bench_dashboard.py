"""Figures for the campaign dashboard on a generated data set: `make bench` runs this in
the county's and the province's databases (scripts/bench.sh), after generate_scale.

Refreshes the figures rollup of the month the dashboard shows (campaign.dashboard.figures,
timed: that is the live counting the rollup saves each page view) and analyzes it as
autovacuum soon would. Then requests the dashboard through Django's test client as the
office at the top of the tree and as the leader of the largest township, repeatedly:
server time (request in, response out, in process) and queries per request. For
reference it runs the bare SQL of the same sums (the rollup rows of the subtree summed
per child organization and per sector) and gives the ratio: what the view, the ORM and
the template add to the floor. Then the subtree query every scoped page starts from
(against a bare path-prefix SELECT) and the pledge coverage page's counts (against its
own SQL sent bare), for the same two users.
"""

import time
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Length, Substr
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import FIGURE_NAMES, figures_refresh
from campaign.dashboard.models import OrganizationFigures
from campaign.devdata.benchmarks import Report, Target, bare_subtree_ids, median, percentile, replay, statements_of
from campaign.devdata.scale import ROOT_CODE, existing_size
from orgs.models import Organization, OrganizationKind, Role, User
from orgs.scoping import PATH_SEGMENT_LENGTH, unscoped
from orgs.selectors import subtree
from pledges.coverage import coverage_summary

# The targets for the dashboard's p95: a county's office, a province's.
COUNTY_LIMIT = 10_000  # organizations; above it the data set is a province
COUNTY_TARGET_MS = 100
PROVINCE_TARGET_MS = 1000
SUMS = ", ".join(f'SUM(f."{name}")' for name in FIGURE_NAMES)


class Command(BaseCommand):
    help = "Time the dashboard as the office and a township leader on a generate_scale data set (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="requests timed per user (default 30)")
        parser.add_argument("--label", default="", help="the data set's name in the figures, e.g. county")

    def handle(self, *args, repeat, label, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_dashboard needs PostgreSQL (set DATABASE_URL).")
        size = existing_size()
        if size is None:
            raise CommandError("No generated data set here: run manage.py generate_scale first.")
        label = label or connection.settings_dict["NAME"]
        report = Report(self.stdout, f"dashboard {label}")
        with unscoped("bench"):
            campaign = Campaign.objects.select_related("organization").get(organization__code=ROOT_CODE)
            organizations = Organization.objects.count()
            target_ms = COUNTY_TARGET_MS if organizations <= COUNTY_LIMIT else PROVINCE_TARGET_MS
            month = campaign.ends_on.replace(day=1)
            start = time.perf_counter()
            rows = figures_refresh(campaign=campaign, month=month)
            report.figure(
                f"figures_refresh of {month:%Y-%m} (the rollup a view reads)",
                time.perf_counter() - start,
                "s",
                detail=f"{rows:,} organizations' rows, recomputed by a task at most every ten minutes",
            )
            # Autovacuum analyzes the fresh rows within a minute or so; without statistics
            # the planner takes the month's rows for two and walks them all by index.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {OrganizationFigures._meta.db_table}")
            office = User.objects.select_related("organization").get(
                role=Role.OFFICE, organization=campaign.organization
            )
            leader = self.township_leader(campaign.organization)
        url = f"{reverse('campaign:dashboard')}?{urlencode({'campaign': campaign.pk, 'month': f'{month:%Y-%m}'})}"
        for title, user in (("office", office), ("township", leader)):
            with unscoped("bench"):
                subtree_size = Organization.objects.filter(path__startswith=user.organization.path).count()
            who = f"{title} ({subtree_size:,} organizations)"
            timings, queries = self.time_requests(user, url, repeat)
            bare = self.time(lambda user=user: self.bare_sums(campaign, month, user.organization), repeat)
            for share, name in ((0.5, "p50"), (0.95, "p95")):
                report.figure(
                    f"dashboard server time {name}, {who}",
                    percentile(timings, share),
                    "ms",
                    reference=percentile(bare, share),
                    reference_name="bare SQL of the same sums",
                    target=Target("value", at_most=target_ms) if name == "p95" else None,
                    detail=f"{repeat} requests, {median(queries):.0f} queries each",
                )
            self.subtree_and_coverage(report, who, user.organization, campaign, repeat)
        report.save()

    def subtree_and_coverage(self, report, who, root, campaign, repeat):
        """The subtree query every scoped page starts from, and the pledge coverage page's
        counts, against the database doing the same."""
        with unscoped("bench"):
            ids = self.time(lambda: list(subtree(root).values_list("id", flat=True)), repeat)
            bare_ids = self.time(lambda: bare_subtree_ids(root), repeat)
            report.figure(
                f"subtree query p50, {who}",
                median(ids),
                "ms",
                reference=median(bare_ids),
                reference_name="bare SQL path prefix",
            )
            today = campaign.ends_on
            summaries = []
            statements = statements_of(lambda: summaries.append(coverage_summary(campaign, [root], today=today)))
            coverage = self.time(lambda: coverage_summary(campaign, [root], today=today), max(3, repeat // 5))
            replayed = self.time(lambda: replay(statements), max(3, repeat // 5))
            report.figure(
                f"coverage query p50, {who}",
                median(coverage),
                "ms",
                reference=median(replayed),
                reference_name="the same SQL sent bare",
                detail=f"{len(statements)} queries, {len(summaries[0].rows)} rows",
            )

    def township_leader(self, root: Organization) -> User:
        """The leader of the township-level organization (a child of a 县委) with the most
        organizations below it."""
        county = Organization.objects.filter(kind=OrganizationKind.COUNTY_COMMITTEE).order_by("path").first()
        width = len(county.path) + PATH_SEGMENT_LENGTH
        largest = (
            Organization.objects.filter(path__startswith=root.path)
            .annotate(length=Length("path"), township=Substr("path", 1, width))
            .filter(length__gte=width)
            .values("township")
            .annotate(size=Count("pk"))
            .order_by("-size", "township")
            .first()
        )
        return User.objects.select_related("organization").get(role=Role.LEADER, organization__path=largest["township"])

    def time_requests(self, user: User, url: str, repeat: int) -> tuple[list[float], list[int]]:
        # The test client asks for the host "testserver".
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            client = Client()
            client.force_login(user)
            client.get(url)  # warm: templates compiled, connection open, as on a running server
            timings, queries = [], []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"the dashboard answered {response.status_code}")
                queries.append(len(captured))
        return timings, queries

    def bare_sums(self, campaign: Campaign, month, top: Organization) -> None:
        """The dashboard's two sums over the subtree's rollup rows, and the children's names."""
        width = len(top.path) + PATH_SEGMENT_LENGTH
        with connection.cursor() as cursor:
            children = []
            for key in (f"substr(o.path, 1, {width})", "o.sector"):
                cursor.execute(
                    f"SELECT {key}, {SUMS}, MAX(f.computed_at) FROM campaign_organizationfigures f "
                    "JOIN orgs_organization o ON o.id = f.organization_id "
                    "WHERE f.campaign_id = %s AND f.month = %s AND o.path LIKE %s GROUP BY 1",
                    [campaign.pk, month, top.path + "%"],
                )
                children = children or [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT id, name FROM orgs_organization WHERE path = ANY(%s)", [children])
            cursor.fetchall()

    def time(self, function, repeat: int) -> list[float]:
        function()
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            timings.append((time.perf_counter() - start) * 1000)
        return timings
