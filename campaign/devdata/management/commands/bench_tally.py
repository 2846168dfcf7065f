"""Figures for the tally of a mass evaluation round: `make bench` runs this for rounds of
1,000,000 and 10,000,000 votes.

Builds each closed round straight into the database (campaign.devdata.scale.ballots_insert):
votes (BallotChoice rows) on 50 subjects, i.e. 20,000 forms per million, plus a paper
tally sheet; rounds are kept for the next run. Then times round_tally (a full recount:
state reset to closed before each run) against the bare SQL GROUP BY over the same rows,
which is the floor any tally must pay. With --worker the same tallies run as the Celery
task in a worker started for the purpose, for its peak memory.
"""

import datetime
import random
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_create
from campaign.devdata.benchmarks import BenchWorker, Report, Target, median
from campaign.devdata.scale import DeferredConstraints, ballots_insert
from orgs.models import Member, Organization, OrganizationKind, Post, Sector
from orgs.scoping import unscoped
from orgs.services import organization_create
from pledges.models import Rectification
from reviews.models import (
    Choice,
    EvaluationRound,
    EvaluationSubject,
    EvaluatorCategory,
    PaperCount,
    PaperTally,
    RemedialRectification,
    RoundState,
    TallyResult,
)
from reviews.rounds import round_evaluation_copy
from reviews.tally import round_tally

ROOT_CODE = "BENCHTALLY"
TARGET_RATIO = 1.5
BRANCH_CODE = "BENCHTALLY-1"
# How evaluators split over the categories, as in a village briefing meeting.
CATEGORY_WEIGHTS = {
    EvaluatorCategory.PUBLIC: 50,
    EvaluatorCategory.PARTY_MEMBER: 30,
    EvaluatorCategory.STAFF: 15,
    EvaluatorCategory.REPRESENTATIVE: 5,
}


class Command(BaseCommand):
    help = "Time the tally of rounds of 1,000,000 and 10,000,000 votes (PostgreSQL) against a bare SQL GROUP BY."

    def add_arguments(self, parser):
        parser.add_argument(
            "--votes",
            type=int,
            nargs="+",
            default=[1_000_000],
            help="BallotChoice rows per round (e.g. 1000000 10000000)",
        )
        parser.add_argument("--subjects", type=int, default=50)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument(
            "--worker", action="store_true", help="also tally each round in a Celery worker and report its peak memory"
        )

    def handle(self, *args, votes, subjects, repeat, worker, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_tally needs PostgreSQL (set DATABASE_URL).")
        if subjects < 1 or min(votes) < subjects:
            raise CommandError("need at least one subject and one vote per subject")
        report = Report(self.stdout, "tally")
        with unscoped("bench"):
            rounds = self.prepare(votes, subjects)
            for evaluation_round in rounds:
                self.tally(report, evaluation_round, subjects, repeat)
            if worker:
                self.in_worker(report, votes, rounds)
        report.save()

    def tally(self, report, evaluation_round, subjects, repeat):
        stored = self.choice_rows(evaluation_round)
        bare = self.time(lambda: self.bare_group_by(evaluation_round), repeat)
        summaries = []

        def tally():
            EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
            summaries.append(round_tally(round_id=evaluation_round.pk))

        timings = self.time(tally, repeat)
        summary = summaries[-1]
        report.figure(
            f"tally of {stored:,} votes",
            median(timings),
            "s",
            reference=median(bare),
            reference_name="bare SQL GROUP BY",
            target=Target("ratio", at_most=TARGET_RATIO),
            detail=f"median of {repeat}; {stored // subjects:,} online forms, {subjects} subjects, "
            f"{summary['flagged']} under the threshold",
        )

    def in_worker(self, report, votes, rounds):
        """The same tallies as the Celery task, in a worker process of their own: its
        peak memory against the same process idle (Django, Celery and the fonts loaded)."""
        from reviews.tasks import tally_round

        with BenchWorker() as bench_worker:
            for size, evaluation_round in zip(votes, rounds, strict=True):
                EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
                run = bench_worker.run(tally_round.s(evaluation_round.pk))
                report.figure(
                    f"worker peak memory, tally of {size:,} votes",
                    run.peak_mb,
                    "MB",
                    reference=run.idle_mb,
                    reference_name="the worker idle",
                    detail=f"the task took {run.seconds:.2f} s in the worker",
                )

    def time(self, function, repeat):
        function()  # warm the cache, as a second run on the worker would find it
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            timings.append(time.perf_counter() - start)
        return timings

    def bare_group_by(self, evaluation_round):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT subject_id, category, choice, COUNT(*) FROM reviews_ballotchoice "
                "WHERE round_id = %s GROUP BY subject_id, category, choice",
                [evaluation_round.pk],
            )
            return cursor.fetchall()

    def choice_rows(self, evaluation_round):
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM reviews_ballotchoice WHERE round_id = %s", [evaluation_round.pk])
            return cursor.fetchone()[0]

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------

    def period(self, votes, subjects):
        return f"基准 {votes} 票 {subjects} 人"

    def prepare(self, sizes, subjects):
        """The bench round of each size, built if it is not there yet; rounds of other
        sizes are removed."""
        branch, campaign = self.organizations(subjects)
        periods = [self.period(votes, subjects) for votes in sizes]
        self.clear(branch, keep=periods)
        rounds, built = [], False
        for votes, period in zip(sizes, periods, strict=True):
            existing = EvaluationRound.objects.filter(organization=branch, period=period).first()
            if existing is None:
                start = time.perf_counter()
                existing = self.build(branch, campaign, period, votes, subjects)
                self.stdout.write(f"built the round of {votes:,} votes in {time.perf_counter() - start:.1f} s")
                built = True
            rounds.append(existing)
        if built:
            # Now rather than by autovacuum in the middle of the timings (it would have
            # 10 million fresh rows to go through).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE reviews_ballot, reviews_ballotchoice")
        return rounds

    @transaction.atomic
    def organizations(self, subjects):
        root = Organization.objects.filter(code=ROOT_CODE).first()
        if root is None:
            root = organization_create(
                code=ROOT_CODE,
                name="基准评议县委",
                kind=OrganizationKind.COUNTY_COMMITTEE,
                sector=Sector.ORGAN,
                parent=None,
            )
            organization_create(
                code=BRANCH_CODE,
                name="基准评议村党支部",
                kind=OrganizationKind.BRANCH,
                sector=Sector.RURAL,
                parent=root,
            )
        branch = Organization.objects.get(code=BRANCH_CODE)
        have = Member.objects.filter(organization=branch).count()
        Member.objects.bulk_create(
            Member(
                organization=branch,
                name=f"基准党员{index:04d}",
                gender="male",
                birth_date=datetime.date(1970, 1, 1),
                joined_date=datetime.date(1995, 7, 1),
                post=Post.SECRETARY if index == 0 else Post.MEMBER,
            )
            for index in range(have, subjects - 1)
        )
        campaign = Campaign.objects.filter(organization=root, name="基准评议活动").first() or campaign_create(
            organization=root,
            name="基准评议活动",
            theme="",
            starts_on=datetime.date(2010, 4, 26),
            ends_on=datetime.date(2012, 6, 30),
            by=None,
        )
        return branch, campaign

    @transaction.atomic
    def clear(self, branch, *, keep):
        """Remove earlier bench rounds: the big tables by plain SQL, not row by row."""
        round_ids = list(
            EvaluationRound.objects.filter(organization=branch).exclude(period__in=keep).values_list("pk", flat=True)
        )
        if not round_ids:
            return
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reviews_ballotchoice WHERE round_id = ANY(%s)", [round_ids])
            cursor.execute("DELETE FROM reviews_ballot WHERE round_id = ANY(%s)", [round_ids])
        rectification_ids = list(
            RemedialRectification.objects.filter(round_id__in=round_ids).values_list("rectification_id", flat=True)
        )
        RemedialRectification.objects.filter(round_id__in=round_ids).delete()
        Rectification.objects.filter(pk__in=rectification_ids).delete()
        TallyResult.objects.filter(round_id__in=round_ids).delete()
        PaperCount.objects.filter(tally__round_id__in=round_ids).delete()
        PaperTally.objects.filter(round_id__in=round_ids).delete()
        EvaluationRound.objects.filter(pk__in=round_ids).delete()

    @transaction.atomic
    def build(self, branch, campaign, period, votes, subjects):
        now = timezone.now()
        evaluation_round = EvaluationRound.objects.create(
            campaign=campaign,
            organization=branch,
            period=period,
            opens_at=now - datetime.timedelta(days=3),
            closes_at=now - datetime.timedelta(days=1),
            state=RoundState.CLOSED,
            opened_at=now - datetime.timedelta(days=3),
            closed_at=now - datetime.timedelta(days=1),
        )
        round_evaluation_copy(evaluation_round, {})
        members = list(Member.objects.filter(organization=branch).order_by("pk")[: subjects - 1])
        subject_rows = EvaluationSubject.objects.bulk_create(
            [EvaluationSubject(round=evaluation_round, member=None, order=0)]
            + [EvaluationSubject(round=evaluation_round, member=member, order=i) for i, member in enumerate(members, 1)]
        )
        rng = random.Random(2010)
        # Each subject has its own share of satisfied evaluators: from 80% to 99%, so some fall under 90%.
        shares = [0.80 + 0.19 * index / max(1, subjects - 1) for index in range(subjects)]
        categories = list(CATEGORY_WEIGHTS)
        forms = Counter(rng.choices(categories, list(CATEGORY_WEIGHTS.values()), k=votes // subjects))
        with connection.cursor() as cursor:
            # Indexes and keys rebuilt once after the load rather than kept up row by row.
            window = DeferredConstraints(cursor, ["reviews_ballot", "reviews_ballotchoice"])
            window.drop()
            ballots_insert(
                cursor,
                forms=[(evaluation_round.pk, category, count) for category, count in forms.items()],
                shares=[
                    (subject.pk, evaluation_round.pk, share)
                    for subject, share in zip(subject_rows, shares, strict=True)
                ],
            )
            window.restore()
        # One paper tally sheet, as the secretary would enter it after the meeting.
        sheet = PaperTally.objects.create(round=evaluation_round, category=EvaluatorCategory.PUBLIC, forms=40)
        PaperCount.objects.bulk_create(
            PaperCount(tally=sheet, subject=subject, choice=choice, count=count)
            for subject in subject_rows
            for choice, count in ((Choice.SATISFIED, 34), (Choice.BASICALLY_SATISFIED, 2), (Choice.DISSATISFIED, 4))
        )
        return evaluation_round
