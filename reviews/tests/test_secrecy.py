"""Secret ballots: given the database and the list of codes, nothing links a stored
form to the code that cast it (see reviews.ballots and the README)."""

import random
import uuid

import pytest
from django.db import connection, models

from orgs.models import User
from reviews.ballots import ballot_cast, round_codes_scrub
from reviews.models import (
    Ballot,
    BallotChoice,
    Choice,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    EvaluatorCategory,
    RoundState,
)
from reviews.tests.factories import make_round

BALLOT_TABLES = (Ballot, BallotChoice)
CHOICES = list(Choice.values)


@pytest.fixture
def open_round(campaign, county):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN)


def subject_ids(evaluation_round):
    return list(EvaluationSubject.objects.filter(round=evaluation_round).order_by("order").values_list("pk", flat=True))


def cast(code, subjects, choice=Choice.SATISFIED):
    ballot_cast(code=code, choices=dict.fromkeys(subjects, choice), comments={})


def cast_in_order(evaluation_round, count, category=EvaluatorCategory.PUBLIC):
    """Cast ``count`` forms, in code order, each telling itself apart by its choices
    (the form's number in base 4); returns the numbers in the order cast."""
    subjects = subject_ids(evaluation_round)
    assert 4 ** len(subjects) >= count
    codes = EvaluationCode.objects.filter(round=evaluation_round, category=category).order_by("pk")
    for number, code in enumerate(codes.values_list("code", flat=True)[:count]):
        digits = [(number // 4**position) % 4 for position in range(len(subjects))]
        ballot_cast(code=code, choices={s: CHOICES[d] for s, d in zip(subjects, digits, strict=True)}, comments={})
    return list(range(count))


def number_of(ballot_id, subjects):
    choices = dict(BallotChoice.objects.filter(ballot_id=ballot_id).values_list("subject_id", "choice"))
    return sum(CHOICES.index(choices[subject]) * 4**position for position, subject in enumerate(subjects))


def test_ballot_holds_only_round_and_category_and_its_choices_only_what_was_chosen():
    assert {field.name for field in Ballot._meta.concrete_fields} == {"id", "round", "category"}
    assert {field.name for field in BallotChoice._meta.concrete_fields} == {
        "id",
        "ballot",
        "round",
        "category",
        "subject",
        "choice",
        "comment",
    }


def test_no_ballot_column_refers_to_a_code_a_user_or_a_time(db):
    for model in BALLOT_TABLES:
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateField | models.TimeField | models.GenericIPAddressField), field
            if field.is_relation:
                assert field.related_model not in (EvaluationCode, User), field
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
            relations = connection.introspection.get_relations(cursor, model._meta.db_table)
        # The table in the database is the model, nothing added by hand.
        assert {column.name for column in columns} == {field.column for field in model._meta.concrete_fields}
        for column in columns:
            kind = connection.introspection.get_field_type(column.type_code, column)
            assert kind not in ("DateField", "DateTimeField", "TimeField", "GenericIPAddressField"), column
        referenced = {table for _column, table in relations.values()}
        assert referenced <= {
            EvaluationRound._meta.db_table,
            EvaluationSubject._meta.db_table,
            Ballot._meta.db_table,
        }


def test_ballot_keys_are_random_uuids_not_numbers_per_round(open_round):
    cast_in_order(open_round, 6)

    for model in BALLOT_TABLES:
        assert isinstance(model._meta.pk, models.UUIDField)
        for key in model.objects.values_list("pk", flat=True):
            assert isinstance(key, uuid.UUID) and key.version == 4
        # Nothing to order by but random keys: no default ordering, no sequence.
        assert model._meta.ordering == [] and not model._meta.get_latest_by


def test_ordering_ballots_by_any_column_does_not_give_the_order_the_codes_were_used(open_round):
    cast_order = cast_in_order(open_round, 10)
    subjects = subject_ids(open_round)

    for column in ("id", "round_id", "category"):
        ids = Ballot.objects.order_by(column, "pk").values_list("pk", flat=True)
        assert [number_of(ballot_id, subjects) for ballot_id in ids] != cast_order, column
    for column in ("id", "ballot_id", "round_id", "category", "subject_id"):
        seen = []
        for ballot_id in BallotChoice.objects.order_by(column, "pk").values_list("ballot_id", flat=True):
            if ballot_id not in seen:
                seen.append(ballot_id)
        assert [number_of(ballot_id, subjects) for ballot_id in seen] != cast_order, column


def test_code_keeps_only_that_it_was_used(open_round):
    code = EvaluationCode.objects.filter(round=open_round).first()
    cast(code.code, subject_ids(open_round))

    code.refresh_from_db()
    assert code.used
    assert {field.name for field in EvaluationCode._meta.concrete_fields} == {"id", "round", "category", "code", "used"}


# ---------------------------------------------------------------------------
# PostgreSQL's transaction ids (xmin)
# ---------------------------------------------------------------------------


def xmins(table, where="", params=()):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text::bigint FROM {table} {where}", params)  # table names are ours, not input
        return [value for (value,) in cursor.fetchall()]


def used_code_xmins(evaluation_round, category):
    return xmins(
        EvaluationCode._meta.db_table, "WHERE round_id = %s AND category = %s AND used", [evaluation_round.pk, category]
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_ballot_shares_a_transaction_id_with_any_code(open_round):
    subjects = subject_ids(open_round)
    codes = EvaluationCode.objects.filter(round=open_round)
    for category, count in ((EvaluatorCategory.PUBLIC, 5), (EvaluatorCategory.PARTY_MEMBER, 3)):
        for code in codes.filter(category=category).values_list("code", flat=True)[:count]:
            cast(code, subjects)

    ballot_xmins = set(xmins(Ballot._meta.db_table)) | set(xmins(BallotChoice._meta.db_table))
    code_xmins = set(xmins(EvaluationCode._meta.db_table))
    assert len(set(xmins(Ballot._meta.db_table))) == 8
    assert not ballot_xmins & code_xmins
    # Not even the id next to a ballot's: all used codes of a category carry one id.
    for category in (EvaluatorCategory.PUBLIC, EvaluatorCategory.PARTY_MEMBER):
        assert len(set(used_code_xmins(open_round, category))) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_rewrite_a_ballot_would_share_its_code_transaction_id(open_round, monkeypatch):
    """The trap the rewrite closes, shown: the query that would link them."""
    monkeypatch.setattr("reviews.ballots.used_codes_rewrite", lambda **kwargs: 0)
    code = EvaluationCode.objects.filter(round=open_round).first().code
    cast(code, subject_ids(open_round))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.code FROM reviews_ballot b JOIN reviews_evaluationcode c ON b.xmin = c.xmin",
        )
        assert cursor.fetchall() == [(code,)]


def ascents(sequence):
    """How many neighbours are in increasing order: all but one for a sorted list,
    about half for a shuffled one."""
    return sum(1 for before, after in zip(sequence, sequence[1:], strict=False) if after > before)


def codes_by_position(evaluation_round, where="", params=()):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code FROM reviews_evaluationcode WHERE round_id = %s {where} ORDER BY ctid",
            [evaluation_round.pk, *params],
        )
        return [code for (code,) in cursor.fetchall()]


def cast_forty_in_a_known_order(campaign, county):
    evaluation_round = make_round(
        campaign, county.branch_a1, state=RoundState.OPEN, codes={EvaluatorCategory.PUBLIC: 300}
    )
    codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
    used = random.Random(2010).sample(codes, 40)
    subjects = subject_ids(evaluation_round)
    for code in used:
        cast(code, subjects)
    return evaluation_round, used


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_used_codes_do_not_lie_in_the_order_they_were_used(campaign, county):
    evaluation_round, used = cast_forty_in_a_known_order(campaign, county)

    positions = [used.index(code) for code in codes_by_position(evaluation_round, "AND used")]

    # In the order of use 39 of 39 neighbours would ascend; shuffled, about 19.5 (sd 1.8).
    assert ascents(positions) < 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_rewrite_used_codes_would_line_up_in_the_order_of_use(campaign, county, monkeypatch):
    """The trap the shuffled rewrite closes: an UPDATE writes the row anew at the next free place."""
    monkeypatch.setattr("reviews.ballots.used_codes_rewrite", lambda **kwargs: 0)
    evaluation_round, used = cast_forty_in_a_known_order(campaign, county)

    positions = [used.index(code) for code in codes_by_position(evaluation_round, "AND used")]

    assert ascents(positions) >= 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_scrub_gives_every_code_of_the_round_one_transaction_id_and_a_random_place(campaign, county):
    evaluation_round = make_round(
        campaign, county.branch_a1, state=RoundState.OPEN, codes={EvaluatorCategory.PUBLIC: 60}
    )
    other = make_round(campaign, county.branch_b1, state=RoundState.OPEN)
    subjects = subject_ids(evaluation_round)
    for code in EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True)[:4]:
        cast(code, subjects)
    fields = ("id", "round_id", "category", "code", "used")
    before = set(EvaluationCode.objects.filter(round=evaluation_round).values_list(*fields))
    other_before = xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s", [other.pk])

    rewritten = round_codes_scrub(evaluation_round)

    assert rewritten == 60
    assert set(EvaluationCode.objects.filter(round=evaluation_round).values_list(*fields)) == before
    assert len(set(xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s", [evaluation_round.pk]))) == 1
    assert xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s", [other.pk]) == other_before
    # The factory inserted the codes in key order; now they lie in no order.
    ids = dict(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", "id"))
    assert ascents([ids[code] for code in codes_by_position(evaluation_round)]) < 45


@pytest.mark.django_db
def test_scrub_keeps_every_code_as_it_was(open_round):
    subjects = subject_ids(open_round)
    cast(EvaluationCode.objects.filter(round=open_round).first().code, subjects)
    fields = ("id", "round_id", "category", "code", "used")
    before = set(EvaluationCode.objects.filter(round=open_round).values_list(*fields))

    round_codes_scrub(open_round)

    assert set(EvaluationCode.objects.filter(round=open_round).values_list(*fields)) == before


@pytest.mark.django_db(transaction=True)
def test_casts_while_a_rewrite_is_queued_share_it_and_a_cast_after_it_starts_queues_another(open_round, monkeypatch):
    """Evaluation day: a burst of casts costs one rewrite of the used codes, not one each,
    and no cast is left out of every rewrite."""
    from reviews.ballots import used_codes_rewrite_started
    from reviews.tasks import rewrite_used_codes

    queued = []
    monkeypatch.setattr(rewrite_used_codes, "apply_async", lambda args, **options: queued.append(tuple(args)))
    subjects = subject_ids(open_round)
    codes = list(
        EvaluationCode.objects.filter(round=open_round, category=EvaluatorCategory.PUBLIC).values_list(
            "code", flat=True
        )
    )
    try:
        for code in codes[:3]:
            cast(code, subjects)
        assert queued == [(open_round.pk, EvaluatorCategory.PUBLIC)]

        # The worker takes the task: the casts from now on are not in its snapshot.
        used_codes_rewrite_started(round_id=open_round.pk, category=EvaluatorCategory.PUBLIC)
        cast(codes[3], subjects)
        assert queued == [(open_round.pk, EvaluatorCategory.PUBLIC)] * 2
    finally:
        used_codes_rewrite_started(round_id=open_round.pk, category=EvaluatorCategory.PUBLIC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_rewrite_task_puts_back_every_used_code_and_touches_no_other(open_round):
    from reviews.tasks import rewrite_used_codes

    subjects = subject_ids(open_round)
    codes = EvaluationCode.objects.filter(round=open_round)
    for code in codes.filter(category=EvaluatorCategory.PUBLIC).values_list("code", flat=True)[:4]:
        cast(code, subjects)
    fields = ("id", "round_id", "category", "code", "used")
    before = set(codes.values_list(*fields))
    unused_xmins = set(xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s AND NOT used", [open_round.pk]))

    assert rewrite_used_codes(open_round.pk, EvaluatorCategory.PUBLIC) == 4

    assert set(codes.values_list(*fields)) == before
    assert len(set(used_code_xmins(open_round, EvaluatorCategory.PUBLIC))) == 1
    assert set(xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s AND NOT used", [open_round.pk])) == (
        unused_xmins
    )
