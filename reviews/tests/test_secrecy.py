"""Secret ballots: given the database and the list of codes, nothing links a stored
form to the code that cast it (see reviews.ballots and the README)."""

import uuid

import pytest
from django.db import connection, models

from orgs.models import User
from reviews.ballots import ballot_cast, codes_retire, held_ballots_release
from reviews.models import (
    Ballot,
    BallotChoice,
    Choice,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    EvaluatorCategory,
    HeldForm,
    RoundCategory,
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
    held_ballots_release(evaluation_round, final=True)
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
    held_ballots_release(open_round, final=True)

    code.refresh_from_db()
    assert code.used
    assert {field.name for field in EvaluationCode._meta.concrete_fields} == {"id", "round", "category", "code", "used"}


# ---------------------------------------------------------------------------
# Held forms: sealed, one length, out in shuffled batches
# ---------------------------------------------------------------------------


def codes_of(evaluation_round, category=EvaluatorCategory.PUBLIC):
    return list(
        EvaluationCode.objects.filter(round=evaluation_round, category=category)
        .order_by("pk")
        .values_list("code", flat=True)
    )


def test_a_cast_writes_no_ballot_only_a_sealed_form_of_the_round_length(open_round):
    subjects = subject_ids(open_round)
    codes = codes_of(open_round)
    cast(codes[0], subjects)
    ballot_cast(
        code=codes[1],
        choices=dict.fromkeys(subjects, Choice.DISSATISFIED),
        comments={subjects[0]: "食堂的账目要公开" * 60, subjects[1]: "好"},
    )

    assert not Ballot.objects.exists() and not BallotChoice.objects.exists()
    held = list(HeldForm.objects.values_list("kind", "box_id", "category", "sealed"))
    assert [(kind, box, category) for kind, box, category, _sealed in held] == [
        ("evaluation", open_round.pk, EvaluatorCategory.PUBLIC)
    ] * 2
    # A long comment or none: every sealed form of the round is the same length...
    assert len({len(bytes(sealed)) for *_box, sealed in held}) == 1
    # ... and none shows what was written or which subjects it names.
    for *_box, sealed in held:
        sealed = bytes(sealed)
        assert "食堂".encode("utf-16-le") not in sealed and "食堂".encode() not in sealed
    assert {field.name for field in HeldForm._meta.concrete_fields} == {"id", "kind", "box_id", "category", "sealed"}


def test_batches_go_out_at_2k_keeping_k_back_and_all_at_the_close(campaign, county):
    campaign.ballot_batch_size = 5
    campaign.save()
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 30})
    subjects = subject_ids(evaluation_round)
    codes = codes_of(evaluation_round)
    for code in codes[:9]:
        cast(code, subjects)
    assert held_ballots_release(evaluation_round, final=False) == 0  # 9 < 2k

    cast(codes[9], subjects)
    assert held_ballots_release(evaluation_round, final=False) == 5  # 10 held: 5 out, 5 back
    assert Ballot.objects.count() == 5 and HeldForm.objects.count() == 5
    assert BallotChoice.objects.count() == 5 * len(subjects)

    cast(codes[10], subjects)
    assert held_ballots_release(evaluation_round, final=False) == 0  # 6 < 2k
    assert held_ballots_release(evaluation_round, final=True) == 6
    assert Ballot.objects.count() == 11 and not HeldForm.objects.exists()


def test_a_batch_goes_out_in_an_order_unrelated_to_the_casts(campaign, county):
    """Insertion order is what ctid (and SQLite's rowid) keeps: within a batch it is shuffled."""
    orders = set()
    for _attempt in range(3):
        evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 12})
        cast_order = cast_in_order(evaluation_round, 12)
        subjects = subject_ids(evaluation_round)
        with connection.cursor() as cursor:
            order = "ctid" if connection.vendor == "postgresql" else "rowid"
            cursor.execute(f"SELECT id FROM reviews_ballot WHERE round_id = %s ORDER BY {order}", [evaluation_round.pk])
            stored = [uuid.UUID(str(ballot_id)) for (ballot_id,) in cursor.fetchall()]
        orders.add(tuple(number_of(ballot_id, subjects) for ballot_id in stored))
    assert tuple(cast_order) not in orders and len(orders) == 3


def test_the_tally_releases_every_held_form_counts_it_and_retires_the_codes(open_round):
    from reviews.rounds import round_progress, round_transition
    from reviews.tally import round_tally

    subjects = subject_ids(open_round)
    for code in codes_of(open_round)[:3]:
        cast(code, subjects)
    cast(codes_of(open_round, EvaluatorCategory.PARTY_MEMBER)[0], subjects)
    round_transition(open_round, "close")

    summary = round_tally(round_id=open_round.pk)

    assert summary["forms"] == 4 and not HeldForm.objects.exists()
    assert Ballot.objects.filter(round=open_round).count() == 4
    # Every code now reads used; how many really were is kept per category.
    assert not EvaluationCode.objects.filter(round=open_round, used=False).exists()
    assert dict(
        RoundCategory.objects.filter(round=open_round, code_count__gt=0).values_list("category", "codes_used")
    ) == {
        EvaluatorCategory.PUBLIC: 3,
        EvaluatorCategory.PARTY_MEMBER: 1,
    }
    assert round_progress(open_round) == {
        EvaluatorCategory.PARTY_MEMBER: {"issued": 5, "used": 1},
        EvaluatorCategory.PUBLIC: {"issued": 10, "used": 3},
    }


def test_a_code_of_a_tallied_round_says_the_evaluation_is_over_not_used(client, open_round):
    from reviews.rounds import round_transition
    from reviews.tally import round_tally

    never_used = codes_of(open_round)[5]
    round_transition(open_round, "close")
    round_tally(round_id=open_round.pk)

    response = client.get(f"/p/{never_used}/")
    assert response.status_code == 410


def test_a_form_sealed_before_a_key_rotation_opens_with_the_old_key_in_the_fallbacks(open_round, settings):
    from reviews.held_forms import HeldFormUnreadable

    subjects = subject_ids(open_round)
    cast(codes_of(open_round)[0], subjects)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(HeldFormUnreadable):
        held_ballots_release(open_round, final=True)
    assert HeldForm.objects.count() == 1 and not Ballot.objects.exists()  # nothing half-done

    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert held_ballots_release(open_round, final=True) == 1


def test_a_sealed_form_opens_only_in_its_own_box(campaign, county, open_round):
    from reviews.held_forms import HeldFormUnreadable

    other = make_round(campaign, county.branch_b1, state=RoundState.OPEN)
    cast(codes_of(open_round)[0], subject_ids(open_round))
    HeldForm.objects.update(box_id=other.pk)  # moved by someone who can write the table
    with pytest.raises(HeldFormUnreadable):
        held_ballots_release(other, final=True)


def test_retired_codes_keep_their_values_but_all_read_used(open_round):
    cast(codes_of(open_round)[0], subject_ids(open_round))
    before = set(EvaluationCode.objects.filter(round=open_round).values_list("id", "category", "code"))

    assert codes_retire(open_round) == 15

    assert set(EvaluationCode.objects.filter(round=open_round).values_list("id", "category", "code")) == before
    assert set(EvaluationCode.objects.filter(round=open_round).values_list("used", flat=True)) == {True}


# ---------------------------------------------------------------------------
# PostgreSQL's transaction ids (xmin) and row places (ctid)
# ---------------------------------------------------------------------------


def xmins(table, where="", params=()):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text::bigint FROM {table} {where}", params)  # table names are ours, not input
        return [value for (value,) in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_ballot_shares_a_transaction_id_with_any_code(open_round):
    subjects = subject_ids(open_round)
    codes = EvaluationCode.objects.filter(round=open_round)
    for category, count in ((EvaluatorCategory.PUBLIC, 5), (EvaluatorCategory.PARTY_MEMBER, 3)):
        for code in codes.filter(category=category).values_list("code", flat=True)[:count]:
            cast(code, subjects)
    held_ballots_release(open_round, final=True)

    ballot_xmins = set(xmins(Ballot._meta.db_table)) | set(xmins(BallotChoice._meta.db_table))
    code_xmins = set(xmins(EvaluationCode._meta.db_table))
    # A batch per category, each one transaction, none of the casts'.
    assert len(set(xmins(Ballot._meta.db_table))) == 2
    assert not ballot_xmins & code_xmins


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_trap_held_forms_close_a_ballot_written_by_its_cast_would_share_the_code_transaction_id(open_round):
    """Shown with the held row, which is what a cast writes: the query that would link
    a code to a ballot written in the same transaction finds the sealed form instead."""
    code = EvaluationCode.objects.filter(round=open_round).first().code
    cast(code, subject_ids(open_round))

    with connection.cursor() as cursor:
        cursor.execute("SELECT c.code FROM reviews_heldform h JOIN reviews_evaluationcode c ON h.xmin = c.xmin")
        assert cursor.fetchall() == [(code,)]
        cursor.execute("SELECT count(*) FROM reviews_ballot b JOIN reviews_evaluationcode c ON b.xmin = c.xmin")
        assert cursor.fetchone() == (0,)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_tally_every_code_of_the_round_carries_one_transaction_id(campaign, county):
    from reviews.rounds import round_transition
    from reviews.tally import round_tally

    evaluation_round = make_round(
        campaign, county.branch_a1, state=RoundState.OPEN, codes={EvaluatorCategory.PUBLIC: 60}
    )
    other = make_round(campaign, county.branch_b1, state=RoundState.OPEN)
    subjects = subject_ids(evaluation_round)
    for code in codes_of(evaluation_round)[:12]:
        cast(code, subjects)
    other_before = xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s", [other.pk])
    round_transition(evaluation_round, "close")

    round_tally(round_id=evaluation_round.pk)

    assert len(set(xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s", [evaluation_round.pk]))) == 1
    assert xmins(EvaluationCode._meta.db_table, "WHERE round_id = %s", [other.pk]) == other_before


def test_a_cast_logs_nothing_and_queues_no_task(client, open_round, caplog, monkeypatch):
    """Logs at INFO or below give no time per cast: a cast writes no log record and asks a
    worker for nothing (a task's own log lines would stamp the time); batches go out on
    the beat's clock."""
    import logging

    from celery.app.task import Task

    queued = []
    monkeypatch.setattr(Task, "apply_async", lambda self, *args, **kwargs: queued.append(self.name))
    caplog.set_level(logging.DEBUG)
    subjects = subject_ids(open_round)
    for code in codes_of(open_round)[:5]:
        data = {f"choice_{subject}": Choice.SATISFIED for subject in subjects}
        assert client.post(f"/p/{code}/", data).status_code == 302

    assert queued == []
    assert [record for record in caplog.records if record.levelno <= logging.INFO] == []
    assert HeldForm.objects.count() == 5


def test_the_superuser_s_admin_shows_no_code_as_used(admin_client, open_round):
    code = EvaluationCode.objects.filter(round=open_round).order_by("pk").first()
    cast(code.code, subject_ids(open_round))

    listed = admin_client.get("/admin/reviews/evaluationcode/")
    assert listed.status_code == 200 and code.code in listed.content.decode()
    assert "已使用" not in listed.content.decode()
    # Filtering by use from the address is refused, not answered.
    refused = admin_client.get("/admin/reviews/evaluationcode/?used__exact=1")
    assert refused.status_code == 400 and "请求有误" in refused.content.decode()
    assert admin_client.get("/admin/reviews/evaluationcode/?used=0").status_code == 400
    detail = admin_client.get(f"/admin/reviews/evaluationcode/{code.pk}/change/")
    assert detail.status_code == 200 and "已使用" not in detail.content.decode()
