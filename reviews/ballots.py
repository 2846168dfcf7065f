"""Casting an evaluation form with a one-time code: secret, and once per code.

Once: the code is claimed with one conditional UPDATE on its own row
(``WHERE id = … AND used = false``, reviews.codes.code_claim). Two submissions of the
same code at the same instant both reach that UPDATE; under READ COMMITTED the second
waits for the first to commit, re-reads the row, finds it used and updates nothing, so
it is refused and stores nothing. The claim and the sealed form are one transaction,
so a refused or failed form leaves the code unused. (Why the claim filters on the
primary key alone is in code_claim; test_ballot_concurrency catches the mistake.)
Casting also holds a share lock on the round (reviews.codes.hold_open), so closing it
waits for the forms in progress and no form lands after the close.

Secret: the cast does not write a ballot. It writes the form sealed and padded to the
round's one length into HeldForm (reviews.held_forms), in the transaction that marks
the code used; the forms of a round and category then enter Ballot and BallotChoice in
shuffled batches of at least the campaign's ``ballot_batch_size`` (k), written by the
beat (held_ballots_release_due) or, for all that remain, by the tally. A Ballot holds
the round and the evaluator category, its choices the subject, the choice and the
comment; nothing names the code, a user, an address or a time, and keys are random
UUIDs. So whoever watches the tables sees which code was used when, and which batch
its form went out in, and no more: within the batch every ballot is as likely. At the
tally the round's codes are retired (codes_retire) and the tables that held them are
rewritten (campaign.infra.compaction). See the README's "Secret ballots" section.

Nothing here logs or keeps the code beyond the request that carries it.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.scoping import unscoped
from reviews.codes import code_claim, codes_put_back_shuffled
from reviews.held_forms import form_hold, forms_release, held_counts
from reviews.models import (
    Ballot,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    RoundCategory,
    RoundState,
)
from reviews.public_ballot import BallotRefused, Refusal, code_row_unused

# Counted as a browser's maxlength counts (UTF-16 units), so what the form lets through
# fits the sealed form's fixed length.
COMMENT_MAX_LENGTH = 500
# HeldForm.kind of evaluation forms; the box is the round, per category.
HELD_KIND = "evaluation"
# A form sealed for holding: per subject its id, the choice and the comment's length,
# then the comment in UTF-16; every form of a round is padded to the longest possible.
SUBJECT_HEADER = struct.Struct(">QBH")
# Rows per INSERT of a form's choices: under SQLite's 999 parameters (7 a row).
CHOICES_PER_INSERT = 100
# The form is public; these run with no user, and decide what they may read themselves.
SCOPE_LABEL = "ballot"
# What a cast reads of its code's row, beside its id and whether it is used.
CODE_COLUMNS = ("round_id", "category")


class BallotInvalid(ValidationError):
    """The form is incomplete or too long somewhere; ``subject_errors`` maps subject ids
    to the message to show next to that subject."""

    def __init__(self, subject_errors: dict[int, str]) -> None:
        super().__init__(list(subject_errors.values()))
        self.subject_errors = subject_errors


@dataclass(frozen=True)
class PaperSubject:
    """One line of the form: only what an evaluator needs to recognise the subject."""

    id: int
    name: str
    post: str
    is_organization: bool


def choice_labels_text(labels) -> str:
    """“满意”“基本满意”“不满意”“不了解”: choices as the instructions of a form or a paper
    sheet name them."""
    return "".join(f"“{label}”" for label in labels)


@dataclass(frozen=True)
class PaperChoice:
    """One choice of the round's form, as the campaign worded it."""

    key: str
    label: str
    counting: str


@dataclass(frozen=True)
class BallotPaper:
    """What the form page shows; plain values, so a template cannot reach a member's
    phone number or birth date through a model instance."""

    organization: str
    campaign: str
    period: str
    briefing_on: datetime.date | None
    briefing_kind: str
    briefing_summary: str
    closes_at: datetime.datetime
    subjects: tuple[PaperSubject, ...]
    choices: tuple[PaperChoice, ...]
    # A campaign of whole units (三好一满意): a satisfaction form about a unit, not a party organization.
    judges_units: bool = False

    @property
    def choice_labels(self) -> str:
        return choice_labels_text(choice.label for choice in self.choices)


def _round_refusal(evaluation_round: EvaluationRound, now: datetime.datetime) -> Refusal | None:
    if evaluation_round.state == RoundState.DRAFT:
        return Refusal.NOT_OPEN
    if evaluation_round.state != RoundState.OPEN or now >= evaluation_round.closes_at:
        return Refusal.ENDED
    if now < evaluation_round.opens_at:
        return Refusal.NOT_OPEN
    return None


# The statements of a cast are written out rather than built by the ORM: on evaluation
# day this is the hottest path of the app, and building the queries was about a quarter
# of a submission's server time (make bench, "form submissions through HTTP").


def _subject_names(round_id: int, organization_name: str) -> list[tuple[int, str]]:
    """(id, name) of the round's subjects in form order; the organization's own line
    has no member and takes the organization's name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, m.name FROM reviews_evaluationsubject s LEFT JOIN orgs_member m ON m.id = s.member_id "
            'WHERE s.round_id = %s ORDER BY s."order", s.id',
            [round_id],
        )
        return [(subject_id, name if name is not None else organization_name) for subject_id, name in cursor]


def _round_choice_keys(round_id: int) -> list[str]:
    """The keys of the round's choices in form order: a sealed form names a choice by
    its place in this list."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT key FROM reviews_roundchoice WHERE round_id = %s ORDER BY "order", id', [round_id])
        return [key for (key,) in cursor]


def form_size(subject_count: int) -> int:
    """The length every sealed form of a round with this many subjects is padded to."""
    return subject_count * (SUBJECT_HEADER.size + 2 * COMMENT_MAX_LENGTH)


def _form_bytes(cleaned: list[tuple[int, str, str]], choice_keys: list[str]) -> bytes:
    parts = []
    for subject_id, choice, comment in cleaned:
        text = comment.encode("utf-16-le")
        parts.append(SUBJECT_HEADER.pack(subject_id, choice_keys.index(choice), len(text)) + text)
    return b"".join(parts)


def _form_from_bytes(payload: bytes, choice_keys: list[str]) -> list[tuple[int, str, str]]:
    cleaned, offset = [], 0
    while offset < len(payload):
        subject_id, choice_code, length = SUBJECT_HEADER.unpack_from(payload, offset)
        offset += SUBJECT_HEADER.size
        comment = payload[offset : offset + length].decode("utf-16-le")
        offset += length
        cleaned.append((subject_id, choice_keys[choice_code], comment))
    return cleaned


def _ballots_store(round_id: int, category: str, payloads: list[bytes]) -> None:
    """Insert a released batch as ballots and choices, in the order given (shuffled by
    reviews.held_forms.forms_release): random keys, one transaction id for all of them,
    nothing else that could order or name them."""
    as_key = Ballot._meta.pk.get_db_prep_value  # a uuid for PostgreSQL, hex text for SQLite
    choice_keys = _round_choice_keys(round_id)
    ballots, choices = [], []
    for payload in payloads:
        ballot_id = as_key(uuid.uuid4(), connection)
        ballots.append((ballot_id, round_id, category))
        choices.extend(
            (as_key(uuid.uuid4(), connection), ballot_id, round_id, category, subject_id, choice, comment)
            for subject_id, choice, comment in _form_from_bytes(payload, choice_keys)
        )
    with connection.cursor() as cursor:
        for start in range(0, len(ballots), CHOICES_PER_INSERT):
            batch = ballots[start : start + CHOICES_PER_INSERT]
            cursor.execute(
                "INSERT INTO reviews_ballot (id, round_id, category) VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(batch)),
                [value for row in batch for value in row],
            )
        for start in range(0, len(choices), CHOICES_PER_INSERT):
            batch = choices[start : start + CHOICES_PER_INSERT]
            cursor.execute(
                "INSERT INTO reviews_ballotchoice (id, ballot_id, round_id, category, subject_id, choice, comment) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch)),
                [value for row in batch for value in row],
            )


def _round_held_open(round_id: int) -> tuple[EvaluationRound, str, list[str]]:
    """The round's state and times, its organization's name and its choices' keys in
    form order, the round share-locked as reviews.codes.hold_open does (closing waits
    for this cast), in one statement."""
    if not connection.features.has_select_for_update:  # SQLite: one writer at a time anyway
        evaluation_round = EvaluationRound.objects.select_related("organization").get(pk=round_id)
        return evaluation_round, evaluation_round.organization.name, _round_choice_keys(round_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.state, r.opens_at, r.closes_at, o.name, "
            'ARRAY(SELECT c.key FROM reviews_roundchoice c WHERE c.round_id = r.id ORDER BY c."order", c.id) '
            "FROM reviews_evaluationround r "
            "JOIN orgs_organization o ON o.id = r.organization_id WHERE r.id = %s FOR SHARE OF r",
            [round_id],
        )
        state, opens_at, closes_at, organization_name, choice_keys = cursor.fetchone()
    evaluation_round = EvaluationRound(pk=round_id, state=state, opens_at=opens_at, closes_at=closes_at)
    return evaluation_round, organization_name, list(choice_keys)


def _subjects(round_id: int) -> list[EvaluationSubject]:
    return list(EvaluationSubject.objects.filter(round_id=round_id).select_related("member").order_by("order", "pk"))


def _round_counted(row: dict) -> bool:
    return EvaluationRound.objects.filter(
        pk=row["round_id"], state__in=(RoundState.TALLIED, RoundState.PUBLISHED)
    ).exists()


def _code_row_unused(code: str) -> dict:
    return code_row_unused(EvaluationCode, code, CODE_COLUMNS, counted=_round_counted)


def ballot_paper(code: str) -> BallotPaper:
    """The form a code opens, or BallotRefused saying why it opens none. Two queries
    and the subjects; reads only, so opening a form never uses the code up."""
    with unscoped(SCOPE_LABEL):
        row = _code_row_unused(code)
        evaluation_round = EvaluationRound.objects.select_related("organization", "campaign").get(pk=row["round_id"])
        refusal = _round_refusal(evaluation_round, timezone.now())
        if refusal is not None:
            raise BallotRefused(refusal)
        subjects = tuple(
            PaperSubject(
                id=subject.pk,
                name=subject.member.name if subject.member_id else evaluation_round.organization.name,
                post=subject.member.role_display if subject.member_id else "",
                is_organization=subject.member_id is None,
            )
            for subject in _subjects(evaluation_round.pk)
        )
        choices = tuple(
            PaperChoice(key=choice.key, label=choice.label, counting=choice.counting)
            for choice in evaluation_round.choice_rows()
        )
    return BallotPaper(
        organization=evaluation_round.organization.name,
        campaign=evaluation_round.campaign.name,
        period=evaluation_round.period,
        briefing_on=evaluation_round.briefing_on,
        briefing_kind=evaluation_round.get_briefing_kind_display(),
        briefing_summary=evaluation_round.briefing_summary,
        closes_at=evaluation_round.closes_at,
        subjects=subjects,
        choices=choices,
        judges_units=evaluation_round.campaign.covers_all_staff,
    )


def _clean(
    subjects: list[tuple[int, str]], choice_keys: list[str], choices: dict[int, str], comments: dict[int, str]
) -> list[tuple[int, str, str]]:
    """(subject id, choice, comment) for every subject (id, name) of the round, or
    BallotInvalid naming each subject left without a choice or with too long a comment."""
    errors: dict[int, str] = {}
    cleaned = []
    for subject_id, name in subjects:
        choice = choices.get(subject_id)
        # A NUL cannot be stored in PostgreSQL text, and is never meant.
        comment = (comments.get(subject_id) or "").replace("\x00", "").strip()
        if choice not in choice_keys:
            errors[subject_id] = _("请对“%(name)s”作出评价。") % {"name": name}
        elif len(comment.encode("utf-16-le")) > 2 * COMMENT_MAX_LENGTH:
            errors[subject_id] = _("对“%(name)s”的意见请不要超过%(limit)s字。") % {
                "name": name,
                "limit": COMMENT_MAX_LENGTH,
            }
        else:
            cleaned.append((subject_id, choice, comment))
    if errors:
        raise BallotInvalid(errors)
    return cleaned


@transaction.atomic
def ballot_cast(*, code: str, choices: dict[int, str], comments: dict[int, str]) -> None:
    """Store one form for the code and use the code up, or raise BallotRefused /
    BallotInvalid and store nothing. ``choices`` and ``comments`` are keyed by subject
    id; every subject of the round needs a choice (a key of the round's), comments are
    optional. Choices for subjects that are not in the round are ignored.

    Evaluation day sends tens of thousands of these an hour, so it reads only what it
    decides on: the code, the round (share-locked, see hold_open) with its choices'
    keys, and the subjects' ids and names, three queries, then the claim and the sealed
    form's insert."""
    with unscoped(SCOPE_LABEL):
        row = _code_row_unused(code)
        round_id, category = row["round_id"], row["category"]
        evaluation_round, organization_name, choice_keys = _round_held_open(round_id)
        refusal = _round_refusal(evaluation_round, timezone.now())
        if refusal is not None:
            raise BallotRefused(refusal)
        subjects = _subject_names(round_id, organization_name)
        cleaned = _clean(subjects, choice_keys, choices, comments)

        if not code_claim(EvaluationCode, row["pk"]):
            raise BallotRefused(Refusal.USED)
        form_hold(
            kind=HELD_KIND,
            box_id=round_id,
            category=category,
            payload=_form_bytes(cleaned, choice_keys),
            size=form_size(len(subjects)),
        )


# ---------------------------------------------------------------------------
# Held forms out in batches, and the codes retired after the tally
# ---------------------------------------------------------------------------


def held_ballots_release(evaluation_round: EvaluationRound, *, final: bool) -> int:
    """Release the round's held forms as ballots, category by category, in shuffled
    batches (reviews.held_forms.forms_release); ``final`` at the close, for all that
    remain. Returns how many forms were released."""
    batch_size = evaluation_round.campaign.ballot_batch_size
    categories = RoundCategory.objects.filter(round=evaluation_round).values_list("category", flat=True)
    released = 0
    with unscoped(SCOPE_LABEL):
        for category in categories.order_by("category"):
            released += forms_release(
                kind=HELD_KIND,
                box_id=evaluation_round.pk,
                category=category,
                batch_size=batch_size,
                final=final,
                store=lambda payloads, category=category: _ballots_store(evaluation_round.pk, category, payloads),
            )
    return released


def held_ballots_release_due() -> int:
    """Beat: release a batch from every open round's category that holds 2k forms or
    more. Runs on the clock, not after each cast, so no log line follows a cast."""
    with unscoped(SCOPE_LABEL):
        held = held_counts(HELD_KIND)
        rounds = EvaluationRound.objects.filter(pk__in={round_id for round_id, _category in held}).select_related(
            "campaign"
        )
        batch_sizes = {evaluation_round.pk: evaluation_round.campaign.ballot_batch_size for evaluation_round in rounds}
        released = 0
        for (round_id, category), count in sorted(held.items()):
            batch_size = batch_sizes.get(round_id)
            if batch_size is None or count < 2 * batch_size:
                continue
            released += forms_release(
                kind=HELD_KIND,
                box_id=round_id,
                category=category,
                batch_size=batch_size,
                final=False,
                store=lambda payloads, round_id=round_id, category=category: _ballots_store(
                    round_id, category, payloads
                ),
            )
    return released


def codes_retire(evaluation_round: EvaluationRound) -> int:
    """After the tally: keep how many codes of each category were used
    (RoundCategory.codes_used), then mark every code of the round used and put them all
    back in random order, in the caller's transaction. From then on no row says which
    code was used, and all of them carry one transaction id. Returns how many codes."""
    with unscoped(SCOPE_LABEL):
        counts = dict(
            EvaluationCode.objects.filter(round=evaluation_round)
            .values("category")
            .annotate(used=Count("pk", filter=Q(used=True)))
            .order_by()
            .values_list("category", "used")
        )
        categories = list(RoundCategory.objects.filter(round=evaluation_round))
        for category in categories:
            category.codes_used = counts.get(category.category, 0)
        RoundCategory.objects.bulk_update(categories, ["codes_used"])
        EvaluationCode.objects.filter(round=evaluation_round).update(used=True)
        return codes_put_back_shuffled(EvaluationCode, "round_id = %s", [evaluation_round.pk])
