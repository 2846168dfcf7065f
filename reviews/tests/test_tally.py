"""The tally: satisfaction, the threshold, categories, paper forms and remedial rectification."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pledges.models import Rectification, RectificationSource
from reviews.models import (
    Choice,
    EvaluatorCategory,
    RemedialRectification,
    RoundState,
    TallyResult,
)
from reviews.tally import Votes, is_below_threshold, percent_text, round_tally, satisfaction_percent, threshold_text
from reviews.tests.factories import cast, make_round, paper

PUBLIC = EvaluatorCategory.PUBLIC
PARTY = EvaluatorCategory.PARTY_MEMBER


def cast_same(evaluation_round, category, subject, **counts):
    """Online forms giving one subject the counted choices, e.g. satisfied=9, dissatisfied=1."""
    cast(evaluation_round, category, [{subject: Choice[name.upper()]} for name, n in counts.items() for _ in range(n)])


def organization_result(evaluation_round, category=""):
    return TallyResult.objects.get(round=evaluation_round, subject__member__isnull=True, category=category)


@pytest.fixture
def closed_round(county, campaign):
    """A closed round of 红湾社区党支部 whose only subject is the branch itself."""
    return make_round(campaign, county.branch_a1, state=RoundState.CLOSED, members=[])


def org_subject(evaluation_round):
    return evaluation_round.subjects.get(member__isnull=True)


S, B, D, U = Choice.SATISFIED, Choice.BASICALLY_SATISFIED, Choice.DISSATISFIED, Choice.UNKNOWN


@pytest.mark.parametrize(
    ("counts", "basic_counts", "threshold", "satisfaction", "flagged"),
    [
        pytest.param({S: 9, D: 1}, True, "90", "90.0000", False, id="9 of 10 is exactly 90% and passes"),
        pytest.param({S: 89, D: 11}, True, "90", "89.0000", True, id="89 of 100 fails"),
        pytest.param({}, True, "90", None, False, id="no vote is not evaluated"),
        pytest.param({U: 6}, True, "90", None, False, id="only 不了解 is not evaluated, never 0% or 100%"),
        pytest.param({S: 9, D: 1, U: 30}, True, "90", "90.0000", False, id="不了解 is left out of the denominator"),
        pytest.param({S: 8, B: 1, D: 1}, True, "90", "90.0000", False, id="基本满意 counts when the campaign says so"),
        pytest.param({S: 8, B: 1, D: 1}, False, "90", "80.0000", True, id="基本满意 not counted elsewhere"),
        pytest.param({S: 17, D: 3}, True, "85", "85.0000", False, id="a campaign threshold of 85 passes 85%"),
        pytest.param({S: 21, D: 4}, True, "85", "84.0000", True, id="and fails 84%"),
        pytest.param({D: 3}, True, "90", "0.0000", True, id="all dissatisfied is 0% and fails"),
        pytest.param({S: 2, D: 1}, True, "60", "66.6667", False, id="two of three is stored to four places"),
        pytest.param({S: 3}, True, "100", "100.0000", False, id="all satisfied meets a threshold of 100"),
    ],
)
def test_threshold_table(closed_round, counts, basic_counts, threshold, satisfaction, flagged):
    campaign = closed_round.campaign
    # How 基本满意 counts is the round's own, copied from the campaign when it was set up.
    closed_round.choices.filter(key=B).update(counting="satisfied" if basic_counts else "counted")
    campaign.satisfaction_threshold = Decimal(threshold)
    campaign.save()
    subject = org_subject(closed_round)
    cast_same(closed_round, PUBLIC, subject, **{Choice(choice).name.lower(): n for choice, n in counts.items()})

    round_tally(round_id=closed_round.pk)

    result = organization_result(closed_round)
    assert result.satisfaction == (Decimal(satisfaction) if satisfaction else None)
    assert result.is_evaluated is (satisfaction is not None)
    assert result.below_threshold is flagged
    assert result.forms == sum(counts.values())
    assert RemedialRectification.objects.filter(subject=subject).exists() is flagged


def test_the_verdict_is_exact_where_rounding_would_pass_the_subject(closed_round):
    """17,999 of 20,000 is 89.995%: rounded to two places it would read 90.00%."""
    subject = org_subject(closed_round)
    paper(closed_round, PUBLIC, 20_000, {subject: {S: 17_999, D: 2_001}})

    round_tally(round_id=closed_round.pk)

    result = organization_result(closed_round)
    assert result.satisfaction == Decimal("89.9950")
    assert result.below_threshold is True
    assert percent_text(result.satisfaction, under=Decimal(90)) == "89.99%"
    assert percent_text(result.satisfaction) == "90.00%", "rounded half up when no verdict hangs on it"
    assert Rectification.objects.get(remedial__round=closed_round).problem.startswith(
        "2010年下半年群众评议满意率为89.99%"
    )


def test_the_helpers_never_use_floats():
    votes = Votes(satisfied=1, dissatisfied=2)
    assert satisfaction_percent(votes) == Decimal("33.3333")
    assert is_below_threshold(votes, threshold=Decimal("33.33")) is False
    assert is_below_threshold(votes, threshold=Decimal("33.34")) is True
    assert threshold_text(Decimal("90.00")) == "90"
    assert threshold_text(Decimal("85.50")) == "85.5"
    assert percent_text(None) == ""
    assert percent_text(Decimal("66.6667")) == "66.67%"
    assert percent_text(Decimal("89.9950"), under=Decimal("89.5")) == "89.99%"
    assert percent_text(Decimal("89.4950"), under=Decimal("89.5")) == "89.49%"
    assert percent_text(Decimal("89.4949"), under=Decimal("89.5")) == "89.49%"


def test_paper_forms_are_added_to_the_online_ones(closed_round):
    subject = org_subject(closed_round)
    cast_same(closed_round, PUBLIC, subject, satisfied=4, dissatisfied=1)
    paper(closed_round, PUBLIC, 6, {subject: {S: 4, B: 1, U: 1}})

    round_tally(round_id=closed_round.pk)

    result = organization_result(closed_round)
    assert (result.forms, result.satisfied, result.dissatisfied, result.unknown) == (11, 9, 1, 1)
    assert result.choice_counts == {S: 8, B: 1, D: 1, U: 1}
    assert result.satisfaction == Decimal("90.0000")
    assert result.below_threshold is False


def test_results_by_category_add_up_to_the_overall_result_and_flag_nothing(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.CLOSED)
    subjects = list(evaluation_round.subjects.order_by("order"))
    organization, first_member = subjects[0], subjects[1]
    # 党员 rate the branch well and one member badly; 群众代表 the other way round.
    cast(evaluation_round, PARTY, [{organization: S, first_member: D}] * 5)
    cast(evaluation_round, PUBLIC, [{organization: D, first_member: S}] * 2 + [{organization: S, first_member: S}] * 8)
    paper(evaluation_round, PUBLIC, 3, {organization: {S: 3}, first_member: {S: 2, U: 1}})

    round_tally(round_id=evaluation_round.pk)

    rows = {
        (row.subject_id, row.category): row
        for row in TallyResult.objects.filter(round=evaluation_round, subject__in=[organization, first_member])
    }
    assert rows[(organization.pk, PARTY)].satisfaction == Decimal("100.0000")
    assert rows[(organization.pk, PUBLIC)].forms == 13
    assert rows[(organization.pk, PUBLIC)].satisfaction == Decimal("84.6154")
    overall = rows[(organization.pk, "")]
    assert (overall.forms, overall.satisfied, overall.dissatisfied) == (18, 16, 2)
    assert overall.satisfaction == Decimal("88.8889") and overall.below_threshold
    assert rows[(first_member.pk, PARTY)].satisfaction == Decimal("0.0000")
    assert not rows[(first_member.pk, PARTY)].below_threshold, "only the overall row carries the verdict"
    member_overall = rows[(first_member.pk, "")]
    assert (member_overall.satisfied, member_overall.dissatisfied, member_overall.unknown) == (12, 5, 1)
    assert member_overall.below_threshold
    # Every subject has a row overall and per category that cast forms, voted on or not.
    assert TallyResult.objects.filter(round=evaluation_round).count() == len(subjects) * 3
    silent = TallyResult.objects.get(round=evaluation_round, subject=subjects[2], category="")
    assert silent.forms == 18 and silent.satisfaction is None and not silent.below_threshold


def test_a_flagged_member_gets_a_remedial_rectification_with_the_campaign_deadline(county, campaign):
    campaign.remedial_days = 20
    campaign.save()
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.CLOSED)
    organization = evaluation_round.subjects.get(member__isnull=True)
    weak = evaluation_round.subjects.get(member=county.member_a1)
    cast(evaluation_round, PUBLIC, [{organization: S, weak: S}] * 89 + [{organization: S, weak: D}] * 11)

    summary = round_tally(round_id=evaluation_round.pk)

    assert summary["flagged"] == 1 and summary["forms"] == 100
    remedial = RemedialRectification.objects.select_related("rectification").get(round=evaluation_round)
    task = remedial.rectification
    assert remedial.subject == weak
    assert task.source == RectificationSource.EVALUATION
    assert task.organization == county.branch_a1 and task.member == county.member_a1
    assert task.deadline == timezone.localdate() + datetime.timedelta(days=20)
    assert task.problem == "2010年下半年群众评议满意率为89.00%，未达到90%的要求。"
    assert task.owner == county.member_a1.name
    assert task.category == "群众评议未达标补课整改"
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.TALLIED and evaluation_round.tallied_at is not None


def test_a_flagged_organization_is_put_to_its_secretary_under_the_township(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.CLOSED, members=[])
    cast_same(evaluation_round, PUBLIC, org_subject(evaluation_round), satisfied=5, dissatisfied=5)

    round_tally(round_id=evaluation_round.pk)

    task = Rectification.objects.get(remedial__round=evaluation_round)
    assert task.member is None
    assert task.owner == "安秀英"
    assert "红湾寺镇党委指导下" in task.measure


def test_a_round_that_is_not_closed_is_not_tallied(county, campaign):
    from reviews.rounds import RoundTransitionRefused

    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    with pytest.raises(RoundTransitionRefused):
        round_tally(round_id=evaluation_round.pk)
    assert not TallyResult.objects.filter(round=evaluation_round).exists()
