"""The tally of a closed round (测评结果汇总); see round_tally.

Satisfaction = (votes for choices that count as satisfied) ÷ (votes for choices that
count at all), by the round's own choices (RoundChoice.counting, copied from the campaign
when the round was set up: 创先争优 counts 满意 and 基本满意 as satisfied and leaves
不了解 out). The verdict is taken on integers: a subject is under the threshold when
``satisfied × 100 < threshold × counted``, so exactly at the threshold passes and no
rounding or binary float ever decides it. A subject with no counted vote is "not
evaluated" (satisfaction empty) and is never flagged.

The votes are counted by the database: one GROUP BY over the round's BallotChoice rows
and one over its paper counts, whatever the number of forms. Python only adds up the
few hundred grouped rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.infra.outbox import outbox_enqueue
from orgs.models import Member, Post
from pledges.models import Rectification, RectificationSource
from reviews.ballots import codes_retire, held_ballots_release
from reviews.models import (
    Ballot,
    BallotChoice,
    ChoiceCounting,
    EvaluationRound,
    EvaluationSubject,
    PaperCount,
    PaperTally,
    RemedialRectification,
    RoundChoice,
    RoundState,
    TallyResult,
)
from reviews.rounds import RoundTransitionRefused, round_transition

ALL_CATEGORIES = ""  # TallyResult.category of the row over every evaluator
STORED_PLACES = Decimal("0.0001")  # TallyResult.satisfaction has 4 decimal places
SHOWN_PLACES = Decimal("0.01")
# Where a choice's votes go, by how it counts (the names of TallyResult's columns).
COUNTING_FIELDS = {
    ChoiceCounting.SATISFIED: "satisfied",
    ChoiceCounting.COUNTED: "dissatisfied",
    ChoiceCounting.EXCLUDED: "unknown",
}


@dataclass
class Votes:
    """The votes of one subject, from one category of evaluators or from all: per choice,
    and added up by how the choices count."""

    forms: int = 0
    satisfied: int = 0
    dissatisfied: int = 0  # counted, not satisfied
    unknown: int = 0  # left out of the rate
    choices: dict[str, int] = field(default_factory=dict)

    def add_choice(self, key: str, counting: str, count: int) -> None:
        self.choices[key] = self.choices.get(key, 0) + count
        name = COUNTING_FIELDS[counting]
        setattr(self, name, getattr(self, name) + count)

    def add(self, other: Votes) -> None:
        for name in ("forms", *COUNTING_FIELDS.values()):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, count in other.choices.items():
            self.choices[key] = self.choices.get(key, 0) + count

    @property
    def counted(self) -> int:
        """Votes that count at all: the denominator."""
        return self.satisfied + self.dissatisfied


def satisfaction_percent(votes: Votes) -> Decimal | None:
    """The stored percentage, rounded half up to 4 places; None when nothing was counted."""
    if not votes.counted:
        return None
    exact = Decimal(votes.satisfied) * 100 / votes.counted
    return exact.quantize(STORED_PLACES, rounding=ROUND_HALF_UP)


def is_below_threshold(votes: Votes, *, threshold: Decimal) -> bool:
    """Strictly below, compared exactly; never true for a subject with no counted vote."""
    if not votes.counted:
        return False
    return votes.satisfied * 100 < threshold * votes.counted


def threshold_text(threshold: Decimal) -> str:
    """90.00 → "90", 85.50 → "85.5": the threshold as people write it."""
    text = format(threshold, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------


def round_votes(evaluation_round: EvaluationRound) -> dict[tuple[int, str], Votes]:
    """Votes per (subject id, category), online and paper added up. Five queries, four grouped."""
    forms: dict[str, int] = defaultdict(int)
    for row in Ballot.objects.filter(round=evaluation_round).order_by().values("category").annotate(n=Count("*")):
        forms[row["category"]] += row["n"]
    for category, paper_forms in PaperTally.objects.filter(round=evaluation_round).values_list("category", "forms"):
        forms[category] += paper_forms

    votes: dict[tuple[int, str], Votes] = {}
    counting = dict(RoundChoice.objects.filter(round=evaluation_round).values_list("key", "counting"))

    def add(subject_id: int, category: str, choice: str, count: int) -> None:
        entry = votes.setdefault((subject_id, category), Votes(forms=forms.get(category, 0)))
        # A choice the round does not offer cannot be cast; were one ever stored, it is
        # left out of the rate rather than guessed at.
        entry.add_choice(choice, counting.get(choice, ChoiceCounting.EXCLUDED), count)

    online = (
        BallotChoice.objects.filter(round=evaluation_round)
        .order_by()
        .values_list("subject_id", "category", "choice")
        .annotate(n=Count("*"))
    )
    for subject_id, category, choice, count in online:
        add(subject_id, category, choice, count)
    paper = (
        PaperCount.objects.filter(tally__round=evaluation_round)
        .order_by()
        .values_list("subject_id", "tally__category", "choice")
        .annotate(n=Sum("count"))
    )
    for subject_id, category, choice, count in paper:
        add(subject_id, category, choice, count)

    # A category whose forms left a subject out still has its forms on that subject's rows.
    subject_ids = list(EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True))
    for category, count in forms.items():
        if count:
            for subject_id in subject_ids:
                votes.setdefault((subject_id, category), Votes(forms=count))
    overall = {subject_id: Votes() for subject_id in subject_ids}
    for (subject_id, _category), entry in votes.items():
        overall[subject_id].add(entry)
    votes.update({(subject_id, ALL_CATEGORIES): entry for subject_id, entry in overall.items()})
    return votes


def _results(evaluation_round: EvaluationRound, votes: dict[tuple[int, str], Votes]) -> list[TallyResult]:
    threshold = evaluation_round.verdict_threshold
    rows = []
    for (subject_id, category), entry in sorted(votes.items()):
        rows.append(
            TallyResult(
                round=evaluation_round,
                subject_id=subject_id,
                category=category,
                forms=entry.forms,
                satisfied=entry.satisfied,
                dissatisfied=entry.dissatisfied,
                unknown=entry.unknown,
                choice_counts=entry.choices,
                satisfaction=satisfaction_percent(entry),
                # The verdict is on the subject as a whole; category rows only inform.
                below_threshold=category == ALL_CATEGORIES and is_below_threshold(entry, threshold=threshold),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# Remedial rectification (补课整改)
# ---------------------------------------------------------------------------


def percent_text(value: Decimal | None, *, under: Decimal | None = None) -> str:
    """A stored satisfaction for people, "89.00%"; empty when None. ``under``: the
    threshold of a subject found below it, whose rate must not read as reaching it
    (89.996% rounds to 90.00%): then it is cut to two places instead of rounded."""
    if value is None:
        return ""
    shown = value.quantize(SHOWN_PLACES, rounding=ROUND_HALF_UP)
    if under is not None and shown >= under:
        shown = value.quantize(SHOWN_PLACES, rounding=ROUND_DOWN)
    return f"{shown}%"


def remedials_create(evaluation_round: EvaluationRound, flagged: list[TallyResult], *, today: datetime.date) -> int:
    """One 补课整改 task per flagged subject that has none yet; returns how many were made."""
    existing = set(RemedialRectification.objects.filter(round=evaluation_round).values_list("subject_id", flat=True))
    missing = [result for result in flagged if result.subject_id not in existing]
    if not missing:
        return 0
    organization = evaluation_round.organization
    campaign = evaluation_round.campaign
    secretary = (
        Member.objects.filter(organization=organization, post=Post.SECRETARY)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    )
    superior = organization.parent
    subjects = EvaluationSubject.objects.select_related("member").in_bulk([result.subject_id for result in missing])
    deadline = today + datetime.timedelta(days=campaign.remedial_days)
    # Stored text is read by everyone later: written in the site's language, whoever runs the tally.
    with translation.override(settings.LANGUAGE_CODE):
        category = _("群众评议未达标补课整改")
        for result in missing:
            subject = subjects[result.subject_id]
            problem = _("%(period)s群众评议满意率为%(rate)s，未达到%(threshold)s%%的要求。") % {
                "period": evaluation_round.period,
                "rate": percent_text(result.satisfaction, under=evaluation_round.verdict_threshold),
                "threshold": threshold_text(evaluation_round.verdict_threshold),
            }
            if subject.member_id:
                measure = _(
                    "在党支部指导下，认真查找群众不满意的原因，制定个人整改措施，限期整改，并向群众通报整改结果。"
                )
                owner = subject.member.name
            elif superior is not None:
                measure = _(
                    "在%(superior)s指导下，召开专题会议查找原因，制定整改措施，限期整改，并向群众通报整改结果。"
                ) % {"superior": superior.name}
                owner = secretary or organization.name
            else:
                measure = _("召开专题会议查找原因，制定整改措施，限期整改，并向群众通报整改结果。")
                owner = secretary or organization.name
            rectification = Rectification.objects.create(
                campaign=campaign,
                organization=organization,
                member=subject.member,
                source=RectificationSource.EVALUATION,
                category=category,
                problem=problem,
                measure=measure,
                owner=owner[:50],
                deadline=deadline,
            )
            RemedialRectification.objects.create(round=evaluation_round, subject=subject, rectification=rectification)
    return len(missing)


# ---------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------


def tally_summary(evaluation_round: EvaluationRound) -> dict:
    """What a tally found, read back from the stored results (one query)."""
    figures = TallyResult.objects.filter(round=evaluation_round, category=ALL_CATEGORIES).aggregate(
        subjects=Count("pk"),
        flagged=Count("pk", filter=Q(below_threshold=True)),
        not_evaluated=Count("pk", filter=Q(satisfaction__isnull=True)),
        forms=Max("forms"),
    )
    return {
        "round_id": evaluation_round.pk,
        "state": evaluation_round.state,
        "subjects": figures["subjects"],
        "flagged": figures["flagged"],
        "not_evaluated": figures["not_evaluated"],
        "forms": figures["forms"] or 0,
    }


@transaction.atomic
def round_tally(*, round_id: int) -> dict:
    """Tally a closed round, flag the subjects under the threshold, open their remedial
    rectifications and mark the round tallied, all in one transaction.

    Idempotent: the round row is locked first, so of two runs at once the second waits
    and then finds the round tallied; a tallied or published round is returned as it
    stands. A crash leaves the round closed with no result, ready for the retry.
    """
    evaluation_round = (
        EvaluationRound.objects.select_for_update(of=("self",))
        .select_related("campaign", "organization__parent")
        .get(pk=round_id)
    )
    if evaluation_round.state in (RoundState.TALLIED, RoundState.PUBLISHED):
        return tally_summary(evaluation_round)
    if evaluation_round.state != RoundState.CLOSED:
        raise RoundTransitionRefused(_("评议还没有结束，不能汇总结果。"))

    # Every form still held goes out now, in shuffled batches, so the count is complete.
    held_ballots_release(evaluation_round, final=True)
    # The threshold of today, kept with the verdicts it decides (pages print this one).
    evaluation_round.judged_threshold = evaluation_round.campaign.satisfaction_threshold
    TallyResult.objects.filter(round=evaluation_round).delete()
    results = TallyResult.objects.bulk_create(_results(evaluation_round, round_votes(evaluation_round)))
    now = timezone.now()
    flagged = [result for result in results if result.below_threshold]
    remedials_create(evaluation_round, flagged, today=timezone.localdate(now))
    # Per-code use is needed by nobody from here on: the counts are kept, the codes
    # retired, and the tables that held their past rewritten once this has committed.
    codes_retire(evaluation_round)
    outbox_enqueue("campaign.infra.tasks.rewrite_secret_tables")
    evaluation_round = round_transition(
        evaluation_round,
        "tally",
        tallied_at=now,
        judged_threshold=evaluation_round.judged_threshold,
    )
    return tally_summary(evaluation_round)
