"""Rounds, ballots, paper tallies and reviews for tests, built directly so each test can
start in the state it needs."""

import datetime

from django.utils import timezone

from orgs.models import Member
from reviews.assignments import period_start
from reviews.models import (
    Ballot,
    BallotChoice,
    Choice,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    EvaluatorCategory,
    PaperCount,
    PaperTally,
    Review,
    ReviewForm,
    RoundState,
)
from reviews.rounds import round_evaluation_copy


def make_round(campaign, organization, *, state=RoundState.DRAFT, codes=None, members=None, **fields):
    """A round of the organization and its members. ``codes``: {category: count} (default
    10 for 群众代表 and 5 for 党员); codes are generated when the state is past draft."""
    now = timezone.now()
    evaluation_round = EvaluationRound.objects.create(
        campaign=campaign,
        organization=organization,
        period=fields.pop("period", "2010年下半年"),
        briefing_on=fields.pop("briefing_on", datetime.date(2010, 12, 20)),
        briefing_summary=fields.pop("briefing_summary", "通报了全年承诺践诺情况。"),
        opens_at=fields.pop("opens_at", now - datetime.timedelta(hours=1)),
        closes_at=fields.pop("closes_at", now + datetime.timedelta(days=3)),
        state=state,
        **fields,
    )
    EvaluationSubject.objects.create(round=evaluation_round, member=None, order=0)
    members = members if members is not None else Member.objects.filter(organization=organization).order_by("pk")
    for order, member in enumerate(members, start=1):
        EvaluationSubject.objects.create(round=evaluation_round, member=member, order=order)
    codes = codes or {EvaluatorCategory.PUBLIC: 10, EvaluatorCategory.PARTY_MEMBER: 5}
    round_evaluation_copy(evaluation_round, codes)
    for category, count in codes.items():
        if state != RoundState.DRAFT:
            for index in range(count):
                EvaluationCode.objects.create(
                    round=evaluation_round,
                    category=category,
                    code=f"T{evaluation_round.pk:03d}{category[:2].upper()}{index:05d}",
                )
    return evaluation_round


def make_review(
    campaign, organization, member=None, *, day=datetime.date(2010, 9, 15), reviewer=None, reviewer_organization=None
):
    """A review row as the review services would leave it (they are tested on their own)."""
    return Review.objects.create(
        campaign=campaign,
        period_start=period_start(campaign, day),
        reviewer=reviewer,
        reviewer_organization=reviewer_organization or organization.parent,
        organization=organization,
        member=member,
        form=ReviewForm.MEETING,
        reviewed_on=day,
    )


def open_round_with_votes(county, campaign):
    """An open round of 红湾社区党支部 in which one member falls under 90%."""
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    subjects = list(evaluation_round.subjects.order_by("order"))
    weak = evaluation_round.subjects.get(member=county.member_a1)
    for index in range(10):
        category = EvaluatorCategory.PUBLIC if index < 7 else EvaluatorCategory.PARTY_MEMBER
        ballot = Ballot.objects.create(round=evaluation_round, category=category)
        for subject in subjects:
            choice = Choice.DISSATISFIED if subject == weak and index < 2 else Choice.SATISFIED
            BallotChoice.objects.create(
                ballot=ballot, round=evaluation_round, category=category, subject=subject, choice=choice
            )
    return evaluation_round


def cast(evaluation_round, category, forms):
    """Online forms: each a {subject: choice} mapping."""
    for choices in forms:
        ballot = Ballot.objects.create(round=evaluation_round, category=category)
        BallotChoice.objects.bulk_create(
            BallotChoice(ballot=ballot, round=evaluation_round, category=category, subject=subject, choice=choice)
            for subject, choice in choices.items()
        )


def paper(evaluation_round, category, forms, counts):
    """A paper tally sheet: ``counts`` is {subject: {choice: n}}."""
    tally = PaperTally.objects.create(round=evaluation_round, category=category, forms=forms)
    for subject, by_choice in counts.items():
        for choice, count in by_choice.items():
            PaperCount.objects.create(tally=tally, subject=subject, choice=choice, count=count)


def forms_out(*rounds):
    """Every form held for the rounds released as ballots, as the tally does first
    (reviews.held_forms): for tests that look at the ballots of forms just cast."""
    from reviews.ballots import held_ballots_release

    for evaluation_round in rounds:
        held_ballots_release(evaluation_round, final=True)
