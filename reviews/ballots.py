"""Casting an evaluation form with a one-time code: secret, and once per code.

Once: the code is claimed with one conditional UPDATE on its own row
(``WHERE id = … AND used = false``, reviews.codes.code_claim). Two submissions of the
same code at the same instant both reach that UPDATE; under READ COMMITTED the second
waits for the first to commit, re-reads the row, finds it used and updates nothing, so
it is refused and stores nothing. The claim, the ballot and its choices are one
transaction, so a refused or failed form leaves the code unused. (Why the claim filters
on the primary key alone is in code_claim; test_ballot_concurrency catches the
mistake.) Casting also holds a share lock on the round (reviews.codes.hold_open), so
closing it waits for the forms in progress and no form lands after the close.

Secret: a Ballot holds the round and the evaluator category, its choices the subject,
the choice and the comment; nothing names the code, a user, an address or a time, and
keys are random UUIDs. What is left is PostgreSQL's own bookkeeping, which would
otherwise pair each ballot with its code:

- every row written by a transaction carries that transaction's id in the hidden column
  ``xmin``, so the ballot and the code it used would share it;
- an updated row is written anew at the next free place, so used codes would line up,
  by their physical position (``ctid``), in the order they were used, which is the
  order the ballots lie in.

So right after each cast commits, the used codes of its round and category are taken
out and put back in random order (reviews.codes.codes_put_back_shuffled), in a
transaction of their own (``used_codes_rewrite``), by a worker as soon as it takes the
task (``used_codes_rewrite_soon``; casts that commit while one is queued share it):
all of them then carry one newer id, and their order says nothing about when each was
used. Rewriting only the one code would not do: its id would be the one next to its
ballot's, and it would be the last in line. ``round_codes_scrub`` does the same for all
codes of the round when it is tallied. See the README's "Secret ballots" section.

Nothing here logs or keeps the code beyond the request that carries it.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.infra.outbox import task_send
from orgs.scoping import unscoped
from reviews.codes import code_claim, codes_put_back_shuffled
from reviews.models import (
    Ballot,
    Choice,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    RoundCategory,
    RoundState,
)
from reviews.public_ballot import CACHE_DOWN, BallotRefused, Refusal, code_row_unused

logger = logging.getLogger(__name__)
COMMENT_MAX_LENGTH = 500
# A queued rewrite of used codes is trusted to come this long; after that (a lost task)
# the next cast queues another. The round's scrub at its close covers every code anyway.
REWRITE_PENDING_SECONDS = 60
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


@dataclass(frozen=True)
class BallotPaper:
    """What the form page shows; plain values, so a template cannot reach a member's
    phone number or birth date through a model instance."""

    organization: str
    period: str
    briefing_on: datetime.date | None
    briefing_kind: str
    briefing_summary: str
    closes_at: datetime.datetime
    subjects: tuple[PaperSubject, ...]


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


def _store_form(round_id: int, category: str, cleaned: list[tuple[int, str, str]]) -> None:
    """Insert the ballot and its choices: random keys, nothing else that could order or
    name them (module docstring)."""
    as_key = Ballot._meta.pk.get_db_prep_value  # a uuid for PostgreSQL, hex text for SQLite
    ballot_id = as_key(uuid.uuid4(), connection)
    rows = [
        (as_key(uuid.uuid4(), connection), ballot_id, round_id, category, subject_id, choice, comment)
        for subject_id, choice, comment in cleaned
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reviews_ballot (id, round_id, category) VALUES (%s, %s, %s)", [ballot_id, round_id, category]
        )
        for start in range(0, len(rows), CHOICES_PER_INSERT):
            batch = rows[start : start + CHOICES_PER_INSERT]
            cursor.execute(
                "INSERT INTO reviews_ballotchoice (id, ballot_id, round_id, category, subject_id, choice, comment) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch)),
                [value for row in batch for value in row],
            )


def _round_held_open(round_id: int) -> tuple[EvaluationRound, str]:
    """The round's state and times, and its organization's name, share-locked as
    reviews.codes.hold_open does (closing waits for this cast), in one statement."""
    if not connection.features.has_select_for_update:  # SQLite: one writer at a time anyway
        evaluation_round = EvaluationRound.objects.select_related("organization").get(pk=round_id)
        return evaluation_round, evaluation_round.organization.name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.state, r.opens_at, r.closes_at, o.name FROM reviews_evaluationround r "
            "JOIN orgs_organization o ON o.id = r.organization_id WHERE r.id = %s FOR SHARE OF r",
            [round_id],
        )
        state, opens_at, closes_at, organization_name = cursor.fetchone()
    return EvaluationRound(pk=round_id, state=state, opens_at=opens_at, closes_at=closes_at), organization_name


def _subjects(round_id: int) -> list[EvaluationSubject]:
    return list(EvaluationSubject.objects.filter(round_id=round_id).select_related("member").order_by("order", "pk"))


def ballot_paper(code: str) -> BallotPaper:
    """The form a code opens, or BallotRefused saying why it opens none. Two queries
    and the subjects; reads only, so opening a form never uses the code up."""
    with unscoped(SCOPE_LABEL):
        row = code_row_unused(EvaluationCode, code, CODE_COLUMNS)
        evaluation_round = EvaluationRound.objects.select_related("organization").get(pk=row["round_id"])
        refusal = _round_refusal(evaluation_round, timezone.now())
        if refusal is not None:
            raise BallotRefused(refusal)
        subjects = tuple(
            PaperSubject(
                id=subject.pk,
                name=subject.member.name if subject.member_id else evaluation_round.organization.name,
                post=subject.member.get_post_display() if subject.member_id else "",
                is_organization=subject.member_id is None,
            )
            for subject in _subjects(evaluation_round.pk)
        )
    return BallotPaper(
        organization=evaluation_round.organization.name,
        period=evaluation_round.period,
        briefing_on=evaluation_round.briefing_on,
        briefing_kind=evaluation_round.get_briefing_kind_display(),
        briefing_summary=evaluation_round.briefing_summary,
        closes_at=evaluation_round.closes_at,
        subjects=subjects,
    )


def _clean(
    subjects: list[tuple[int, str]], choices: dict[int, str], comments: dict[int, str]
) -> list[tuple[int, str, str]]:
    """(subject id, choice, comment) for every subject (id, name) of the round, or
    BallotInvalid naming each subject left without a choice or with too long a comment."""
    errors: dict[int, str] = {}
    cleaned = []
    for subject_id, name in subjects:
        choice = choices.get(subject_id)
        # A NUL cannot be stored in PostgreSQL text, and is never meant.
        comment = (comments.get(subject_id) or "").replace("\x00", "").strip()
        if choice not in Choice.values:
            errors[subject_id] = _("请对“%(name)s”作出评价。") % {"name": name}
        elif len(comment) > COMMENT_MAX_LENGTH:
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
    id; every subject of the round needs a choice (a Choice value), comments are
    optional. Choices for subjects that are not in the round are ignored.

    Evaluation day sends tens of thousands of these an hour, so it reads only what it
    decides on: the code, the round (share-locked, see hold_open) and the subjects'
    ids and names, three queries, then the claim and two inserts."""
    with unscoped(SCOPE_LABEL):
        row = code_row_unused(EvaluationCode, code, CODE_COLUMNS)
        round_id, category = row["round_id"], row["category"]
        evaluation_round, organization_name = _round_held_open(round_id)
        refusal = _round_refusal(evaluation_round, timezone.now())
        if refusal is not None:
            raise BallotRefused(refusal)
        cleaned = _clean(_subject_names(round_id, organization_name), choices, comments)

        if not code_claim(EvaluationCode, row["pk"]):
            raise BallotRefused(Refusal.USED)
        _store_form(round_id, category, cleaned)

    def rewrite_used_codes() -> None:
        used_codes_rewrite_soon(round_id=round_id, category=category)

    # The form is stored whatever happens to this rewrite, so a failure is logged
    # (robust) rather than shown to the evaluator as an error.
    transaction.on_commit(rewrite_used_codes, robust=True)


def _rewrite_pending_key(round_id: int, category: str) -> str:
    return f"ballot:rewrite-pending:{round_id}:{category}"


def used_codes_rewrite_soon(*, round_id: int, category: str) -> None:
    """Have a worker rewrite the used codes of the round and category (used_codes_rewrite),
    unless a rewrite is already queued and not yet started: that one takes this cast's
    code too, since it reads the codes after it starts. So on evaluation day a burst
    of casts costs one rewrite, not one each, and the evaluator does not wait for it.
    Without a broker the rewrite runs here, at once."""
    try:
        first = cache.add(_rewrite_pending_key(round_id, category), True, REWRITE_PENDING_SECONDS)
    except CACHE_DOWN:
        # Redis is down, and it is the broker too: queueing would only make the evaluator
        # wait for the broker's retries. The next cast's rewrite, or the tally's scrub,
        # takes this code along (every rewrite covers all used codes of the category).
        logger.warning("used-code rewrite not queued: the cache does not answer", exc_info=True)
        return
    if first:
        task_send("reviews.tasks.rewrite_used_codes", round_id, category)


def used_codes_rewrite_started(*, round_id: int, category: str) -> None:
    """The queued rewrite has started: a cast from now on must queue another. With the
    cache down the mark stays until it expires; the rewrite itself goes ahead."""
    try:
        cache.delete(_rewrite_pending_key(round_id, category))
    except CACHE_DOWN:
        logger.warning("could not clear the pending-rewrite mark: the cache does not answer", exc_info=True)


def used_codes_rewrite(*, round_id: int, category: str) -> int:
    """Put the used codes of one round and category back in random order, in a
    transaction of its own (module docstring). Returns how many codes.

    Rewrites of one category take turns on the category's row: two at once would
    each wait for codes the other has already taken out."""
    with unscoped(SCOPE_LABEL), transaction.atomic():
        list(RoundCategory.objects.select_for_update().filter(round_id=round_id, category=category).values_list("pk"))
        return codes_put_back_shuffled(EvaluationCode, "round_id = %s AND category = %s AND used", [round_id, category])


def round_codes_scrub(evaluation_round: EvaluationRound) -> int:
    """Put all codes of the round back in random order, in one transaction. Call it when
    the round is closed (the tally does): afterwards used and unused codes alike carry
    one transaction id and lie in an order that says nothing, whatever happened to the
    rewrites after each cast. Returns how many codes."""
    with unscoped(SCOPE_LABEL), transaction.atomic():
        # In turn with any rewrite after a last cast (see used_codes_rewrite).
        categories = RoundCategory.objects.select_for_update().filter(round_id=evaluation_round.pk).order_by("pk")
        list(categories.values_list("pk"))
        return codes_put_back_shuffled(EvaluationCode, "round_id = %s", [evaluation_round.pk])
