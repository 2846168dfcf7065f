"""manage.py generate_scale (campaign.devdata.scale) on a tiny size: what it builds must be a data
set the app itself could have made."""

import io
import random
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Sum
from django.urls import reverse

from campaign.campaigns.models import Campaign
from campaign.devdata.scale import ROOT_CODE, TALLY_SQL, ScaleSize, existing_size, tally_check
from campaign.devdata.scale_plan import (
    MAX_LEVELS,
    PlanError,
    PlannedRound,
    TreeBuilder,
    apportion,
    plan_forms,
    plan_member_counts,
)
from campaign.nominations.models import ModelNomination
from campaign.reports.models import InfoReport
from orgs.models import Member, Organization, OrganizationKind, Post, Role, User, path_segment
from orgs.services import organization_create
from pledges.lifecycle import pledge_content
from pledges.models import Pledge, PledgeItem, PledgeVersion, Rectification, Supervision
from reviews.models import (
    Ballot,
    BallotChoice,
    EvaluationCode,
    EvaluationRound,
    PaperCount,
    RemedialRectification,
    Review,
    RoundCategory,
    RoundState,
    TallyResult,
)
from reviews.tally import round_tally

TINY = {"orgs": 60, "members": 500, "votes": 5000}
MASS = OrganizationKind.mass_organizations()


def schema(table_names):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [table_names],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [table_names],
        )
        return constraints, cursor.fetchall()


@pytest.fixture
def generated(db):
    from campaign.devdata.scale import BULK_TABLES

    before = schema(list(BULK_TABLES))
    call_command("generate_scale", **TINY, seed=7, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return before


# ---------------------------------------------------------------------------
# On PostgreSQL: the command itself
# ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_generated_counts_match_the_options(generated):
    assert Organization.objects.count() == TINY["orgs"]
    assert Member.objects.count() == TINY["members"]
    assert BallotChoice.objects.count() == TINY["votes"]
    assert existing_size() == ScaleSize(TINY["orgs"], TINY["members"], TINY["votes"])
    campaign = Campaign.objects.get()
    assert campaign.organization.code == ROOT_CODE
    assert campaign.organization.parent is None


@pytest.mark.postgres
def test_tree_is_three_to_five_levels_deep_and_every_path_follows_its_parent(generated):
    organizations = {organization.pk: organization for organization in Organization.objects.all()}
    parents = {organization.parent_id for organization in organizations.values()}
    roots = [organization for organization in organizations.values() if organization.parent_id is None]
    assert len(roots) == 1
    for organization in organizations.values():
        parent = organizations.get(organization.parent_id)
        expected = (parent.path if parent else "") + path_segment(organization.pk)
        assert organization.path == expected
        if parent is not None:
            assert parent.kind not in MASS  # mass organizations have no children
        if organization.pk not in parents:  # a leaf
            assert 3 <= organization.depth + 1 <= MAX_LEVELS
    kinds = Counter(organization.kind for organization in organizations.values())
    assert kinds[OrganizationKind.BRANCH] > kinds[OrganizationKind.GENERAL_BRANCH] > 0
    assert set(kinds) & MASS
    assert len({organization.sector for organization in organizations.values()}) >= 3


@pytest.mark.postgres
def test_every_party_organization_has_one_secretary_with_an_account(generated):
    party = Organization.objects.exclude(kind__in=MASS)
    secretaries = Counter(Member.objects.filter(post=Post.SECRETARY).values_list("organization_id", flat=True))
    assert all(secretaries[organization.pk] == 1 for organization in party)
    assert not Member.objects.filter(organization__kind__in=MASS).exists()
    for organization in party.filter(kind=OrganizationKind.BRANCH)[:5]:
        user = User.objects.get(organization=organization)
        assert user.role == Role.SECRETARY and user.member.post == Post.SECRETARY
    office = User.objects.get(role=Role.OFFICE)
    assert office.organization.code == ROOT_CODE and not office.has_usable_password()


@pytest.mark.postgres
def test_tallies_equal_a_recount_of_the_choices(generated):
    online = defaultdict(int)
    for row in BallotChoice.objects.values("subject_id", "category", "choice").annotate(n=Count("*")):
        online[row["subject_id"], row["category"], row["choice"]] += row["n"]
    for row in PaperCount.objects.values("subject_id", "tally__category", "choice").annotate(n=Sum("count")):
        online[row["subject_id"], row["tally__category"], row["choice"]] += row["n"]
    recount = defaultdict(lambda: defaultdict(int))
    for (subject_id, category, choice), count in online.items():
        recount[subject_id, category][choice] += count
        recount[subject_id, ""][choice] += count
    results = list(TallyResult.objects.all())
    assert results
    for result in results:
        counts = recount[result.subject_id, result.category]
        assert {key: value for key, value in result.choice_counts.items() if value} == {
            key: value for key, value in counts.items() if value
        }
        # 创先争优's rule: 满意 and 基本满意 count as satisfied, 不了解 is left out.
        satisfied = counts["satisfied"] + counts["basically"]
        assert (result.satisfied, result.dissatisfied, result.unknown) == (
            satisfied,
            counts["dissatisfied"],
            counts["unknown"],
        )
        exact = Decimal(satisfied) * 100 / (satisfied + counts["dissatisfied"])
        assert abs(result.satisfaction - exact) <= Decimal("0.00005")
        assert result.below_threshold == (result.category == "" and exact < 90)
    assert any(result.below_threshold for result in results)
    # The app's own tally, run again on every round, finds exactly the same.
    for evaluation_round in EvaluationRound.objects.all():
        tally_check(evaluation_round.pk)


@pytest.mark.postgres
def test_the_tally_check_notices_a_wrong_result(generated):
    result = TallyResult.objects.filter(category="").first()
    TallyResult.objects.filter(pk=result.pk).update(satisfied=result.satisfied + 1)
    with pytest.raises(AssertionError):
        tally_check(result.round_id)


@pytest.mark.postgres
def test_subjects_under_the_threshold_have_their_remedial_rectification(generated):
    flagged = set(TallyResult.objects.filter(below_threshold=True).values_list("subject_id", flat=True))
    remedials = RemedialRectification.objects.select_related("rectification", "round")
    assert {remedial.subject_id for remedial in remedials} == flagged
    for remedial in remedials:
        assert remedial.rectification.source == "evaluation"
        assert remedial.rectification.created_at == remedial.round.tallied_at
    assert set(EvaluationRound.objects.values_list("state", flat=True)) <= {RoundState.TALLIED, RoundState.PUBLISHED}


@pytest.mark.postgres
def test_ballots_are_not_linked_to_codes(generated):
    assert {field.name for field in Ballot._meta.concrete_fields} == {"id", "round", "category"}
    ballots = Counter(Ballot.objects.values_list("round_id", "category"))
    # The rounds are tallied: the codes retired, how many were used kept per category.
    used = Counter(
        {(row.round_id, row.category): row.codes_used for row in RoundCategory.objects.filter(codes_used__gt=0)}
    )
    assert ballots == used
    assert not EvaluationCode.objects.filter(used=False).exists()
    assert EvaluationCode.objects.count() > sum(used.values())
    assert all(uuid.UUID(str(pk)).version == 4 for pk in Ballot.objects.values_list("pk", flat=True)[:200])
    # Each form chose once for every subject of its round.
    per_ballot = Counter(BallotChoice.objects.values_list("ballot_id", flat=True))
    subjects = dict(EvaluationRound.objects.annotate(n=Count("subjects")).values_list("pk", "n"))
    for ballot_id, round_id in Ballot.objects.values_list("pk", "round_id")[:200]:
        assert per_ballot[ballot_id] == subjects[round_id]


@pytest.mark.postgres
def test_pledges_reviews_reports_and_models_are_filled_in(generated):
    pledges = Pledge.objects.all()
    assert pledges.count() == Member.objects.count() + Organization.objects.exclude(kind__in=MASS).count()
    published = pledges.filter(published_version__gt=0).count()
    assert 0.75 < published / pledges.count() < 0.95
    assert PledgeVersion.objects.count() == pledges.aggregate(n=Sum("published_version"))["n"]
    # The newest version holds what pledge_publish would have frozen; a revised pledge's
    # first version had one item fewer.
    for version in PledgeVersion.objects.filter(number=2).select_related("pledge")[:20]:
        assert version.content == pledge_content(version.pledge)
        first = version.pledge.versions.get(number=1).content
        assert first["items"] == version.content["items"][: max(1, len(version.content["items"]) - 1)]
    for version in PledgeVersion.objects.filter(number=1, pledge__published_version=1).select_related("pledge")[:20]:
        assert version.content == pledge_content(version.pledge)
    assert PledgeItem.objects.filter(completed_on__isnull=False).exists()
    assert PledgeItem.objects.filter(completed_on__isnull=True, due_date__lt="2011-06-30").exists()
    assert Supervision.objects.filter(closed_at__isnull=True).exists()
    assert Rectification.objects.filter(source="found_problem", is_published=True).exists()
    # Some found problems signed off from above, some reported and waiting for it.
    found = Rectification.objects.filter(source="found_problem")
    assert found.filter(status="verified", verified_by__isnull=False, lookback_due__isnull=False).exists()
    assert found.filter(status="solved", reported_at__isnull=False).exists()
    assert Review.objects.exists() and Review.objects.filter(requires_rectification=True).exists()
    per_month = InfoReport.objects.filter(reported_on__month=9).values("organization").annotate(n=Count("*"))
    counts = [row["n"] for row in per_month]
    assert max(counts) >= 3 and min(counts) < 3
    assert ModelNomination.objects.filter(status="selected").exists()


@pytest.mark.postgres
def test_schema_is_as_it_was_and_sequences_go_on(generated):
    from campaign.devdata.scale import BULK_TABLES

    assert schema(list(BULK_TABLES)) == generated
    root = Organization.objects.get(code=ROOT_CODE)
    added = organization_create(code="NEW", name="新建党支部", kind="branch", sector="rural", parent=root)
    assert added.pk == Organization.objects.order_by("-pk").values_list("pk", flat=True)[1] + 1


@pytest.mark.postgres
def test_generated_pages_open_for_the_office(generated, client):
    client.force_login(User.objects.get(role=Role.OFFICE))
    campaign = Campaign.objects.get()
    evaluation_round = EvaluationRound.objects.first()
    pledge = Pledge.objects.filter(published_version=2).first()
    for url in (
        reverse("campaign:detail", args=[campaign.pk]),
        reverse("pledges:coverage") + f"?campaign={campaign.pk}",
        reverse("pledges:detail", args=[pledge.pk]),
        reverse("pledges:diff", args=[pledge.pk, 1, 2]),
        reverse("reviews:results", args=[evaluation_round.pk]),
        reverse("reviews:review_coverage"),
        reverse("campaign:report_quota") + "?month=2010-09",
        reverse("campaign:nomination_quota") + "?quarter=2010-Q4",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.postgres
def test_generating_the_same_size_again_does_nothing_and_other_data_is_refused(generated, capsys):
    call_command("generate_scale", **TINY)
    assert "nothing to do" in capsys.readouterr().out
    assert Organization.objects.count() == TINY["orgs"]
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_scale", orgs=61, members=500, votes=5000)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reset_replaces_the_data_set():
    # Outside a test transaction, as the command runs: flush cannot empty tables with pending checks.
    quiet = open("/dev/null", "w")
    call_command("generate_scale", orgs=20, members=100, votes=1000, stdout=quiet)
    call_command("generate_scale", orgs=40, members=300, votes=2000, reset=True, stdout=quiet)
    assert existing_size() == ScaleSize(40, 300, 2000)
    # The same size again is kept, --reset or not: a bench reuses its database.
    first_member = Member.objects.order_by("pk").values_list("pk", flat=True).first()
    call_command("generate_scale", orgs=40, members=300, votes=2000, reset=True, stdout=quiet)
    assert Member.objects.order_by("pk").values_list("pk", flat=True).first() == first_member


@pytest.mark.postgres
def test_tally_sql_is_the_module_tally(generated):
    # The statement is one INSERT over many rounds; a round tallied again by it twice
    # over would break the unique result per subject and category.
    round_id = EvaluationRound.objects.values_list("pk", flat=True).first()
    TallyResult.objects.filter(round_id=round_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(TALLY_SQL, {"rounds": [round_id], "threshold": Decimal(90), "basic": True})
    EvaluationRound.objects.filter(pk=round_id).update(state=RoundState.CLOSED)
    tally_check(round_id)
    round_tally(round_id=round_id)
    assert EvaluationRound.objects.get(pk=round_id).state == RoundState.TALLIED


# ---------------------------------------------------------------------------
# Anywhere: the plan
# ---------------------------------------------------------------------------


def test_generate_scale_refuses_sqlite(db, monkeypatch):
    # Whatever the suite runs on, the command must refuse before writing a row.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_scale", **TINY)


def test_apportion_splits_exactly():
    rng = random.Random(3)
    for _ in range(200):
        weights = [rng.random() for _ in range(rng.randint(1, 30))]
        total = rng.randint(len(weights) * 2, 10_000)
        parts = apportion(total, weights, minimum=2)
        assert sum(parts) == total and min(parts) >= 2


@pytest.mark.parametrize("size", [3, 4, 60, 1_000, 2_000, 2_001, 12_000])
def test_planned_tree_has_the_size_asked_for_within_five_levels(size):
    builder = TreeBuilder(random.Random(size), 1)
    organizations = builder.build(size)
    assert len(organizations) == size
    assert len({organization.code for organization in organizations}) == size
    has_children = {organization.parent.id for organization in organizations if organization.parent}
    leaves = [organization for organization in organizations if organization.id not in has_children]
    assert all(3 <= organization.level <= MAX_LEVELS for organization in leaves)
    members = size * 30
    plan_member_counts(organizations, members, random.Random(1))
    assert sum(organization.member_count for organization in organizations) == members
    assert all(organization.member_count >= 1 for organization in organizations if organization.is_party)


def test_planned_forms_carry_exactly_the_votes_asked_for():
    rng = random.Random(5)
    for votes in (0, 120, 5000, 99_991, 299_993):
        rounds = [PlannedRound(index, None, 0, list(range(rng.randint(3, 9)))) for index in range(12)]
        plan_forms(rounds, votes, rng)
        assert sum(r.forms * r.subject_count for r in rounds) == votes
        for evaluation_round in rounds:
            assert sum(evaluation_round.forms_by_category.values()) == evaluation_round.forms
            for category, cast in evaluation_round.forms_by_category.items():
                assert cast <= evaluation_round.codes_by_category[category]


def test_too_few_votes_for_whole_forms_is_refused():
    rounds = [PlannedRound(index, None, 0, [1, 2, 3]) for index in range(2)]
    with pytest.raises(PlanError):
        plan_forms(rounds, 1, random.Random(1))


@pytest.mark.postgres
def test_bench_dashboard_times_the_office_and_a_township_leader(generated):
    out = io.StringIO()
    call_command("bench_dashboard", repeat=2, stdout=out)
    report = out.getvalue()
    assert "figures_refresh of 2011-06" in report
    for who in ("office", "township"):
        for figure in ("dashboard server time p50", "dashboard server time p95", "subtree query", "coverage query"):
            assert f"{figure}" in report and f", {who} (" in report
    assert report.count("dashboard server time") == 4 and report.count("| bare SQL of the same sums:") == 4
    # Each p95 against a county's target (a small tree); met or not is the bench's to say.
    assert report.count("target value <= 100: ") == 2
