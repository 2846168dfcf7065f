"""Figures for the tally of a mass evaluation round: `make bench` runs this.

Builds one closed round straight into the database (campaign.scale.ballots_insert): by
default 1,000,000 votes (BallotChoice rows) on 50 subjects, i.e. 20,000 forms, plus paper
tally sheets;
then times round_tally (a full recount: state reset to closed before each run) against
the bare SQL GROUP BY over the same rows, which is the floor any tally must pay.
"""

import datetime
import random
import statistics
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from campaign.models import Campaign
from campaign.scale import DeferredConstraints, ballots_insert
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
from reviews.tally import round_tally

ROOT_CODE = "BENCHTALLY"
BRANCH_CODE = "BENCHTALLY-1"
# How evaluators split over the categories, as in a village briefing meeting.
CATEGORY_WEIGHTS = {
    EvaluatorCategory.PUBLIC: 50,
    EvaluatorCategory.PARTY_MEMBER: 30,
    EvaluatorCategory.STAFF: 15,
    EvaluatorCategory.REPRESENTATIVE: 5,
}


class Command(BaseCommand):
    help = "Time the tally of a round of 1,000,000 votes (PostgreSQL) against a bare SQL GROUP BY."

    def add_arguments(self, parser):
        parser.add_argument("--votes", type=int, default=1_000_000, help="BallotChoice rows (e.g. 10000000)")
        parser.add_argument("--subjects", type=int, default=50)
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, votes, subjects, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_tally needs PostgreSQL (set DATABASE_URL).")
        if subjects < 1 or votes < subjects:
            raise CommandError("need at least one subject and one vote per subject")
        with unscoped("bench"):
            evaluation_round = self.prepare(votes, subjects)
            stored = self.choice_rows(evaluation_round)
            self.stdout.write(
                f"round: {stored} votes, {stored // subjects} online forms, {subjects} subjects, 4 categories"
            )
            bare = self.time(lambda: self.bare_group_by(evaluation_round), repeat)
            summaries = []

            def tally():
                EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
                summaries.append(round_tally(round_id=evaluation_round.pk))

            timings = self.time(tally, repeat)
            summary = summaries[-1]
            self.stdout.write(
                f"results: {summary['subjects']} subjects, {summary['flagged']} under the threshold, "
                f"{summary['forms']} forms (online and paper)"
            )
            tally_s, bare_s = statistics.median(timings), statistics.median(bare)
            self.stdout.write(
                f"tally of {stored} votes: {tally_s:.2f} s "
                f"(bare SQL GROUP BY: {bare_s:.2f} s, ratio {tally_s / bare_s:.1f})"
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

    def prepare(self, votes, subjects):
        """The bench round for these sizes, built if it is not there yet."""
        branch, campaign = self.organizations(subjects)
        period = self.period(votes, subjects)
        existing = EvaluationRound.objects.filter(organization=branch, period=period).first()
        if existing is not None:
            return existing
        self.clear(branch)
        start = time.perf_counter()
        evaluation_round = self.build(branch, campaign, period, votes, subjects)
        self.stdout.write(f"built the round in {time.perf_counter() - start:.1f} s")
        return evaluation_round

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
        campaign, _created = Campaign.objects.get_or_create(
            organization=root,
            name="基准评议活动",
            defaults={"starts_on": datetime.date(2010, 4, 26), "ends_on": datetime.date(2012, 6, 30)},
        )
        return branch, campaign

    @transaction.atomic
    def clear(self, branch):
        """Remove earlier bench rounds: the big tables by plain SQL, not row by row."""
        round_ids = list(EvaluationRound.objects.filter(organization=branch).values_list("pk", flat=True))
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
