"""Secret ballots and integrity over a large round (issue 9, part 2): 400 forms in four
categories cast through the service in a random order of codes, plus a paper sheet.
Afterwards nothing in PostgreSQL ties a ballot to its code, and the tally equals a recount
from the raw rows."""

import random
from collections import Counter

import pytest
from django.db import connection

from reviews.ballots import ballot_cast, held_ballots_release_due
from reviews.models import (
    Ballot,
    BallotChoice,
    Choice,
    EvaluationCode,
    EvaluationRound,
    EvaluatorCategory,
    PaperCount,
    PaperTally,
    RoundState,
    TallyResult,
)
from reviews.rounds import round_transition
from reviews.tally import round_tally
from reviews.tests.factories import make_round

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CODES_PER_CATEGORY = 100


def xmins(table, where="", params=()):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text::bigint FROM {table} {where}", params)  # table names are ours
        return {value for (value,) in cursor.fetchall()}


def ascents(sequence):
    return sum(1 for before, after in zip(sequence, sequence[1:], strict=False) if after > before)


@pytest.fixture
def large_round(county, campaign):
    evaluation_round = make_round(
        campaign,
        county.branch_a1,
        state=RoundState.OPEN,
        codes=dict.fromkeys(EvaluatorCategory.values, CODES_PER_CATEGORY),
    )
    codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", "category"))
    subjects = list(evaluation_round.subjects.order_by("order").values_list("pk", flat=True))
    rng = random.Random(2010)
    rng.shuffle(codes)
    cast_order = []
    for number, (code, _category) in enumerate(codes, start=1):
        choices = {subject: rng.choice(Choice.values) for subject in subjects}
        ballot_cast(code=code, choices=choices, comments={})
        cast_order.append(code)
        if number % 25 == 0:  # the beat's turn: batches out of the categories holding 2k
            held_ballots_release_due()
    sheet = PaperTally.objects.create(round=evaluation_round, category=EvaluatorCategory.PUBLIC, forms=30)
    for subject in subjects:
        for choice, count in ((Choice.SATISFIED, 25), (Choice.DISSATISFIED, 3), (Choice.UNKNOWN, 2)):
            PaperCount.objects.create(tally=sheet, subject_id=subject, choice=choice, count=count)
    return evaluation_round, cast_order, subjects


def test_every_code_cast_once_and_nothing_ties_a_ballot_to_its_code(large_round):
    evaluation_round, cast_order, subjects = large_round
    forms = len(cast_order)
    assert EvaluationCode.objects.filter(round=evaluation_round, used=False).count() == 0
    batch_size = evaluation_round.campaign.ballot_batch_size
    released_while_open = Ballot.objects.filter(round=evaluation_round).count()
    assert released_while_open >= forms - 4 * 2 * batch_size  # each category keeps fewer than 2k back
    round_transition(evaluation_round, "close")
    round_tally(round_id=evaluation_round.pk)
    assert Ballot.objects.filter(round=evaluation_round).count() == forms == 4 * CODES_PER_CATEGORY
    assert BallotChoice.objects.filter(round=evaluation_round).count() == forms * len(subjects)

    # Ballots went in as batches of at least k, none in a transaction that touched a code.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM reviews_ballot WHERE round_id = %s GROUP BY xmin::text", [evaluation_round.pk]
        )
        assert min(size for (size,) in cursor.fetchall()) >= batch_size
    ballot_ids = xmins("reviews_ballot", "WHERE round_id = %s", [evaluation_round.pk])
    code_ids = xmins("reviews_evaluationcode", "WHERE round_id = %s", [evaluation_round.pk])
    assert not ballot_ids & code_ids and len(code_ids) == 1  # retired together by the tally
    # Codes lie in no order of use (sorted: 399 ascents of 399; shuffled: about half).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM reviews_evaluationcode WHERE round_id = %s ORDER BY ctid", [evaluation_round.pk]
        )
        by_position = [code for (code,) in cursor.fetchall()]
    positions = [cast_order.index(code) for code in by_position]
    assert ascents(positions) < 0.6 * (forms - 1)


def test_the_tally_equals_a_recount_from_the_raw_rows(large_round):
    evaluation_round, cast_order, subjects = large_round
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    round_tally(round_id=evaluation_round.pk)

    recount = Counter()
    for subject, category, choice in BallotChoice.objects.filter(round=evaluation_round).values_list(
        "subject_id", "category", "choice"
    ):
        recount[(subject, category, choice)] += 1
        recount[(subject, "", choice)] += 1
    for subject, category, choice, count in PaperCount.objects.filter(tally__round=evaluation_round).values_list(
        "subject_id", "tally__category", "choice", "count"
    ):
        recount[(subject, category, choice)] += count
        recount[(subject, "", choice)] += count
    online = Counter(Ballot.objects.filter(round=evaluation_round).values_list("category", flat=True))
    paper = Counter(dict(PaperTally.objects.filter(round=evaluation_round).values_list("category", "forms")))
    forms = online + paper
    forms[""] = sum(forms.values())

    results = TallyResult.objects.filter(round=evaluation_round)
    assert results.filter(category="").count() == len(subjects)
    for result in results:
        for choice in Choice.values:
            expected = recount[(result.subject_id, result.category, choice)]
            assert result.choice_counts.get(choice, 0) == expected, (result, choice)
        # 创先争优's default: 满意 and 基本满意 count as satisfied, 不了解 is left out.
        assert result.satisfied == result.choice_counts.get(Choice.SATISFIED, 0) + result.choice_counts.get(
            Choice.BASICALLY_SATISFIED, 0
        )
        assert result.dissatisfied == result.choice_counts.get(Choice.DISSATISFIED, 0)
        assert result.unknown == result.choice_counts.get(Choice.UNKNOWN, 0)
        assert result.forms == forms[result.category]
