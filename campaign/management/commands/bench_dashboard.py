"""Figures for the campaign dashboard on a generated data set: `make bench` runs this in
the county's and the province's databases (scripts/bench-dashboard.sh), after
generate_scale.

Refreshes the figures rollup of the month the dashboard shows (campaign.figures,
timed: that is the live counting the rollup saves each page view) and analyzes it as
autovacuum soon would. Then requests the dashboard through Django's test client as the
office at the top of the tree and as the leader of the largest township, repeatedly:
server time (request in, response out, in process) and queries per request. For
reference it runs the bare SQL of the same sums (the rollup rows of the subtree summed
per child organization and per sector) and gives the ratio: what the view, the ORM and
the template add to the floor.
"""

import statistics
import time
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Length, Substr
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from campaign.figures import FIGURE_NAMES, figures_refresh
from campaign.models import Campaign, OrganizationFigures
from campaign.scale import ROOT_CODE, existing_size
from orgs.models import Organization, OrganizationKind, Role, User
from orgs.scoping import PATH_SEGMENT_LENGTH, unscoped

SUMS = ", ".join(f'SUM(f."{name}")' for name in FIGURE_NAMES)


class Command(BaseCommand):
    help = "Time the dashboard as the office and a township leader on a generate_scale data set (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="requests timed per user (default 30)")

    def handle(self, *args, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_dashboard needs PostgreSQL (set DATABASE_URL).")
        size = existing_size()
        if size is None:
            raise CommandError("No generated data set here: run manage.py generate_scale first.")
        with unscoped("bench"):
            campaign = Campaign.objects.select_related("organization").get(organization__code=ROOT_CODE)
            month = campaign.ends_on.replace(day=1)
            start = time.perf_counter()
            rows = figures_refresh(campaign=campaign, month=month)
            self.stdout.write(
                f"figures_refresh of {month:%Y-%m}: {rows:,} organizations' rows in {time.perf_counter() - start:.2f} s"
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
        for title, user in (("the office", office), ("a township leader", leader)):
            with unscoped("bench"):
                subtree = Organization.objects.filter(path__startswith=user.organization.path).count()
            self.stdout.write(f"dashboard as {title} ({user.organization.name}, {subtree:,} organizations):")
            timings, queries = self.time_requests(user, url, repeat)
            bare = self.time(lambda user=user: self.bare_sums(campaign, month, user.organization), repeat)
            page, floor = statistics.median(timings), statistics.median(bare)
            self.stdout.write(f"  server time {self.spread(timings)}, {statistics.median(queries):.0f} queries")
            self.stdout.write(
                f"  bare SQL of the same sums {self.spread(bare)}; dashboard / bare SQL {page / floor:.1f}x"
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

    def spread(self, timings: list[float]) -> str:
        p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
        return f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms"
