"""The demo county at work (campaign.devdata.demo_activity): what ``load_demo`` fills in, and
that it is written the way the services would have written it.

The whole county takes seconds to load, so it is loaded once for this module inside a
transaction that is rolled back at the end; each test runs in a savepoint of its own.
"""

import datetime
import time
from collections import Counter
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Min, Q
from django.test import override_settings
from django.utils import timezone

from campaign.campaigns.models import Campaign, StandardSubject
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.services import nomination_quota
from campaign.reports.models import InfoReport
from campaign.reports.services import report_quota
from orgs.models import Organization, OrganizationKind, Post, Role, User
from orgs.services import account_role_for_member
from pledges.coverage import covered_members, members_without_pledge, organizations_without_pledge
from pledges.lifecycle import pledge_content
from pledges.models import (
    Fulfillment,
    Pledge,
    PledgeItem,
    PledgeState,
    PledgeVersion,
    ProgressEntry,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Supervision,
)
from pledges.vagueness import item_warnings
from reviews.assignments import may_review
from reviews.models import (
    Ballot,
    BallotChoice,
    EvaluationCode,
    EvaluationRound,
    HeldForm,
    OverdueReview,
    PaperTally,
    RemedialRectification,
    Review,
    ReviewSection,
    RoundCategory,
    RoundState,
    TallyResult,
)
from reviews.review_coverage import review_subjects_in

pytestmark = pytest.mark.django_db

LAST_MONTH = (datetime.date(2012, 10, 1), datetime.date(2012, 10, 31))
LAST_HALF_YEAR = datetime.date(2012, 7, 1)
# What one load may take on SQLite in CI; it takes a few seconds.
SANE_SECONDS = 60


@dataclass(frozen=True)
class Loaded:
    output: str
    seconds: float


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        with transaction.atomic():
            started = time.perf_counter()
            output = load_demo()
            seconds = time.perf_counter() - started
            yield Loaded(output, seconds)
            transaction.set_rollback(True)


def campaign() -> Campaign:
    """The county's campaign, whose work the demo generates (the health one has none)."""
    return Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)


def activity_counts() -> dict[str, int]:
    models = (
        Pledge,
        PledgeItem,
        PledgeVersion,
        ProgressEntry,
        Rectification,
        Supervision,
        Review,
        ReviewSection,
        OverdueReview,
        EvaluationRound,
        EvaluationCode,
        Ballot,
        BallotChoice,
        PaperTally,
        TallyResult,
        RemedialRectification,
        InfoReport,
        ModelNomination,
    )
    counts = {model.__name__: model.objects.count() for model in models}
    counts.update({f"history of {model.__name__}": model.history.count() for model in (Pledge, Review, InfoReport)})
    return counts


def test_load_demo_prints_one_line_on_the_work_and_runs_in_a_sane_time(demo):
    assert "已生成演示工作数据：" in demo.output
    assert demo.seconds < SANE_SECONDS, f"load_demo took {demo.seconds:.1f} s"


def test_loading_again_creates_nothing_more(demo):
    before = activity_counts()

    output = load_demo()

    assert activity_counts() == before
    assert "演示活动已有工作数据，没有重复生成。" in output


def test_every_kind_of_work_is_there(demo):
    states = Counter(Pledge.objects.values_list("state", flat=True))
    assert states[PledgeState.IN_PROGRESS] and states[PledgeState.ASSESSED]
    assert states[PledgeState.DRAFT] and states[PledgeState.SUBMITTED] and states[PledgeState.RETURNED]
    assert set(Pledge.objects.exclude(fulfillment="").values_list("fulfillment", flat=True)) == set(Fulfillment.values)
    items = PledgeItem.objects.filter(pledge__published_version__gt=0)
    assert items.filter(completed_on__isnull=False).exists()
    late = items.filter(completed_on__isnull=True, due_date__lt=timezone.localdate())
    assert late.exclude(pledge__state=PledgeState.ASSESSED).count() >= 20
    assert Supervision.objects.filter(closed_at__isnull=True, pledge_item__isnull=False).exists()
    assert Supervision.objects.filter(closed_at__isnull=False).exists()
    assert Supervision.objects.filter(rectification__isnull=False).exists()
    rectifications = Counter(Rectification.objects.values_list("source", "status"))
    for source in (RectificationSource.FOUND_PROBLEM, RectificationSource.PLEDGE, RectificationSource.REVIEW):
        assert rectifications[(source, RectificationStatus.SOLVED)], source
        assert rectifications[(source, RectificationStatus.OPEN)], source
    assert Rectification.objects.filter(is_published=True).exists()
    assert Review.objects.filter(requires_rectification=True, rectification__isnull=False).exists()
    assert Review.objects.filter(acknowledged_at__isnull=False).exists()
    assert OverdueReview.objects.exists()
    assert EvaluationRound.objects.filter(state=RoundState.PUBLISHED).exists()
    assert Ballot.objects.exists() and PaperTally.objects.exists()
    assert InfoReport.objects.exclude(adopted_level="").values("adopted_level").distinct().count() >= 3
    statuses = set(ModelNomination.objects.values_list("status", flat=True))
    assert statuses == set(NominationStatus.values)


def test_the_campaigns_last_month_quarter_and_half_year_have_work_of_every_kind(demo):
    first, last = LAST_MONTH
    in_month = {"__range": (first, last)}

    def month(field):
        return {field + key: value for key, value in in_month.items()}

    assert ProgressEntry.objects.filter(**month("recorded_on")).count() >= 30
    assert Pledge.objects.filter(**month("assessed_at__date")).exists()
    assert Pledge.objects.filter(**month("created_at__date")).exists()
    assert Review.objects.filter(period_start=LAST_HALF_YEAR).count() >= 300
    rounds = EvaluationRound.objects.filter(period="2012年下半年", **month("closes_at__date"))
    assert rounds.filter(state__in=[RoundState.TALLIED, RoundState.PUBLISHED]).count() >= 10
    assert InfoReport.objects.filter(**month("reported_on")).values("organization").distinct().count() >= 40
    assert ModelNomination.objects.filter(**month("created_at__date")).exists()
    assert ModelNomination.objects.filter(status=NominationStatus.SELECTED, **month("decided_at__date")).exists()
    assert Rectification.objects.filter(Q(**month("created_at__date")) | Q(**month("solved_on"))).count() >= 5


def test_some_townships_lag_behind_the_others(demo):
    county = Organization.objects.get(code="SN")
    today = timezone.localdate()
    uncovered = (
        members_without_pledge(campaign(), [county], today=today).count()
        / covered_members(campaign(), [county]).count()
    )
    assert 0.10 <= uncovered <= 0.25
    townships = Organization.objects.filter(parent=county).exclude(kind__in=OrganizationKind.mass_organizations())
    shares = [
        members_without_pledge(campaign(), [township], today=today).count()
        / covered_members(campaign(), [township]).count()
        for township in townships
    ]
    assert max(shares) - min(shares) >= 0.15
    assert organizations_without_pledge(campaign(), [county], today=today).exists()

    subjects = len(review_subjects_in([county]))
    for start in (datetime.date(2010, 7, 1), datetime.date(2011, 7, 1), LAST_HALF_YEAR):
        reviewed = Review.objects.filter(period_start=start).values("organization", "member").distinct().count()
        assert 0.6 <= reviewed / subjects <= 0.9, start

    quota = report_quota(campaign(), LAST_MONTH[0])
    assert 0 < len(quota.below) < len(quota.rows) / 2
    for quarter in (datetime.date(2011, 4, 1), datetime.date(2012, 10, 1)):
        selected = [row.selected for row in nomination_quota(campaign(), quarter)]
        assert 0 in selected and any(selected), quarter


def test_subjects_under_the_threshold_get_remedial_rectification(demo):
    flagged = TallyResult.objects.filter(category="", below_threshold=True).select_related("subject", "round")
    assert 5 <= flagged.count() <= 25
    assert any(result.subject.member_id for result in flagged)
    remedials = RemedialRectification.objects.select_related("rectification", "round__campaign")
    assert {remedial.subject_id for remedial in remedials} == {result.subject_id for result in flagged}
    on_time = overdue = 0
    for remedial in remedials:
        rectification = remedial.rectification
        assert rectification.source == RectificationSource.EVALUATION
        days = remedial.round.campaign.remedial_days
        assert rectification.deadline == remedial.round.tallied_at.date() + datetime.timedelta(days=days)
        if rectification.status == RectificationStatus.SOLVED:
            on_time += rectification.solved_on <= rectification.deadline
        else:
            overdue += rectification.deadline < timezone.localdate()
    assert on_time and overdue
    # Both half-years were evaluated, the speech's and the campaign's last.
    assert set(EvaluationRound.objects.values_list("period", flat=True)) == {"2010年下半年", "2012年下半年"}


def test_ballots_stay_secret(demo):
    assert {field.name for field in Ballot._meta.get_fields()} == {"id", "round", "category", "choices"}
    counted = (RoundState.TALLIED, RoundState.PUBLISHED)
    # Tallied rounds keep how many codes were used; open ones still mark each code.
    used = Counter(
        {
            (row.round_id, row.category): row.codes_used
            for row in RoundCategory.objects.filter(round__state__in=counted, codes_used__gt=0)
        }
    )
    used.update(
        EvaluationCode.objects.filter(used=True).exclude(round__state__in=counted).values_list("round", "category")
    )
    cast = Counter(Ballot.objects.values_list("round", "category"))
    cast.update(HeldForm.objects.values_list("box_id", "category"))  # waiting for their batch
    # As many forms as codes used, per round and category, and nothing more to go by.
    assert used == cast and sum(cast.values()) >= 50
    codes = set(EvaluationCode.objects.values_list("code", flat=True))
    stored = [str(value) for row in BallotChoice.objects.values_list("id", "comment") for value in row]
    stored += [str(value) for value in Ballot.objects.values_list("id", flat=True)]
    assert not any(code in text for text in stored for code in codes)


def test_published_pledges_are_frozen_as_the_lifecycle_freezes_them(demo):
    pledges = Pledge.objects.filter(published_version__gt=0).select_related("campaign")
    versions = {version.pledge_id: version for version in PledgeVersion.objects.all()}
    for pledge in pledges:
        assert versions[pledge.pk].content == pledge_content(pledge), pledge
        assert pledge.submitted_by_id != pledge.decided_by_id
        assert pledge.published_on <= pledge.campaign.ends_on
    counts = PledgeItem.objects.values("pledge").annotate(n=Count("pk"))
    by_pledge = {row["pledge"]: row["n"] for row in counts}
    for pledge in pledges:
        assert (3 <= by_pledge[pledge.pk] <= 5) if pledge.member_id is None else (2 <= by_pledge[pledge.pk] <= 3)


def test_pledge_items_are_concrete_and_serve_the_pledgers_standard(demo):
    items = PledgeItem.objects.select_related("pledge__campaign", "dimension__standard")
    for item in items:
        subject = StandardSubject.MEMBER if item.pledge.member_id else StandardSubject.ORGANIZATION
        assert item.dimension.standard.subject == subject
        assert item_warnings(item, item.pledge.campaign) == [], item.target
    # An item is done on the day of the entry that said so (pledges.progress.progress_record).
    first_done = dict(
        ProgressEntry.objects.filter(marks_done=True)
        .values("item")
        .annotate(day=Min("recorded_on"))
        .values_list("item", "day")
    )
    completed = dict(PledgeItem.objects.filter(completed_on__isnull=False).values_list("pk", "completed_on"))
    assert completed == first_done


def test_a_pledges_history_shows_each_step_with_who_and_when(demo):
    pledge = Pledge.objects.filter(state=PledgeState.ASSESSED, member__isnull=False).order_by("pk").first()
    records = list(Pledge.history.filter(id=pledge.pk).order_by("history_date", "history_id"))
    states = [record.state for record in records]
    assert states[0] == PledgeState.DRAFT and records[0].history_type == "+"
    assert states[-1] == PledgeState.ASSESSED
    # In the order of the life cycle, whether or not it was returned once on the way.
    assert [state for state in dict.fromkeys(states) if state != PledgeState.RETURNED][:5] == [
        PledgeState.DRAFT,
        PledgeState.SUBMITTED,
        PledgeState.APPROVED,
        PledgeState.PUBLISHED,
        PledgeState.IN_PROGRESS,
    ]
    dates = [record.history_date for record in records]
    assert dates == sorted(dates) and dates[-1].year == 2012
    assert records[1].history_user_id == pledge.submitted_by_id
    assert records[-1].history_user_id == pledge.assessed_by_id


def test_rows_carry_the_days_they_were_made_not_the_day_of_loading(demo):
    ends = datetime.datetime(2012, 12, 31, tzinfo=datetime.UTC)
    for model in (Pledge, ProgressEntry, PledgeVersion, Review, InfoReport, ModelNomination, Rectification):
        assert not model.objects.filter(created_at__gt=ends).exists(), model.__name__
    assert not EvaluationRound.objects.filter(Q(created_at__gt=ends) | Q(tallied_at__gt=ends)).exists()
    for model in (Pledge, PledgeItem, ProgressEntry, Review, ReviewSection, InfoReport, ModelNomination):
        assert not model.history.filter(history_date__gt=ends).exists(), model.__name__
    # The service's own: a review's edit window closed long ago.
    assert all(review.created_at.date() == review.reviewed_on for review in Review.objects.all()[:200])


def test_reviews_are_written_by_whom_the_tree_assigns(demo):
    reviews = Review.objects.select_related("reviewer__organization", "organization__parent", "member").annotate(
        section_count=Count("sections")
    )
    for review in reviews:
        assert review.reviewer_organization_id == review.reviewer.organization_id
        assert may_review(review.reviewer, review.organization, review.member)
        assert review.section_count == 5


def test_each_organization_works_through_its_secretarys_account(demo):
    county = Organization.objects.get(code="SN")
    parties = Organization.objects.exclude(kind__in=OrganizationKind.mass_organizations()).exclude(pk=county.pk)
    for organization in parties:
        account = User.objects.get(organization=organization, role__in=[Role.LEADER, Role.SECRETARY])
        assert account.member.organization == organization and account.member.post == Post.SECRETARY
        assert account.role == account_role_for_member(account.member)
    # Those made for the demo cannot log in until the office resets their password.
    assert not any(user.has_usable_password() for user in User.objects.filter(username__startswith="dy"))
    reporters = set(InfoReport.objects.values_list("organization", "submitted_by__organization"))
    assert all(organization == anchor for organization, anchor in reporters)
    assert {organization for organization, _ in reporters} >= set(parties.values_list("pk", flat=True))
