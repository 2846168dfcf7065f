"""Reads of evaluation rounds and leader reviews that take more than one line.

Every read goes through the scoped managers (orgs.scoping), so it returns only what the
active scope shows; the pages pass in what they parsed from the request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import Case, Count, OuterRef, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce

from campaign.campaigns.models import Campaign
from orgs.models import Member, Organization
from pledges.models import Pledge, PledgeItem, ProgressEntry
from pledges.progress import item_state
from reviews.assignments import Subject, subject_q
from reviews.models import EvaluationCode, EvaluationRound, OverdueReview, Review, RoundCategory, RoundState
from reviews.reviewing import current_pledge

# ---------------------------------------------------------------------------
# Evaluation rounds
# ---------------------------------------------------------------------------


def rounds_listed(*, campaign=None, state: str = "") -> QuerySet[EvaluationRound]:
    """Rounds, the latest to open first, with their organization and campaign and how many
    codes were ``issued`` and ``used``; only the campaign's, and only those in ``state``,
    if given."""
    # Subqueries, not two joins: codes and categories would multiply each other's rows.
    codes = EvaluationCode._base_manager.filter(round=OuterRef("pk")).order_by().values("round")
    categories = RoundCategory._base_manager.filter(round=OuterRef("pk")).order_by().values("round")
    rounds = EvaluationRound.objects.select_related("organization", "campaign").annotate(
        issued=Coalesce(Subquery(codes.annotate(n=Count("pk")).values("n")), 0),
        # After the tally every code reads used; the tally kept the real count.
        used=Case(
            When(
                state__in=(RoundState.TALLIED, RoundState.PUBLISHED),
                then=Coalesce(Subquery(categories.annotate(n=Sum("codes_used")).values("n")), 0),
            ),
            default=Coalesce(Subquery(codes.filter(used=True).annotate(n=Count("pk")).values("n")), 0),
        ),
    )
    if campaign is not None:
        rounds = rounds.filter(campaign=campaign)
    if state:
        rounds = rounds.filter(state=state)
    return rounds.order_by("-opens_at", "-pk")


# ---------------------------------------------------------------------------
# 领导点评
# ---------------------------------------------------------------------------

# A subject's review status in a period.
DONE, DUE, OVERDUE = "done", "due", "overdue"


class ReviewStatus(TypedDict):
    subject: Subject
    status: str  # DONE, DUE or OVERDUE
    review_pk: int | None  # the period's review, when DONE


def review_statuses(*, campaign: Campaign, subjects: list[Subject], start: datetime.date) -> list[ReviewStatus]:
    """Each subject's status in the review period that begins on ``start``: reviewed in
    it (DONE); marked overdue for an earlier period and not reviewed since (OVERDUE); else
    DUE. Two queries whatever the number of subjects."""
    if not subjects:
        return []
    q = subject_q(subjects)
    overdue = list(
        OverdueReview.objects.filter(q, campaign=campaign, period_start__lt=start).values_list(
            "organization_id", "member_id", "period_start"
        )
    )
    earliest = min([start, *(row[2] for row in overdue)])
    reviews = Review.objects.filter(q, campaign=campaign, period_start__gte=earliest).values_list(
        "pk", "organization_id", "member_id", "period_start"
    )
    this_period: dict[tuple, int] = {}
    latest_period: dict[tuple, datetime.date] = {}
    for pk, organization_id, member_id, review_period in reviews:
        key = (organization_id, member_id)
        if review_period == start:
            this_period.setdefault(key, pk)
        latest_period[key] = max(review_period, latest_period.get(key, review_period))
    overdue_since: dict[tuple, datetime.date] = {}
    for organization_id, member_id, marked_period in overdue:
        key = (organization_id, member_id)
        overdue_since[key] = max(marked_period, overdue_since.get(key, marked_period))
    rows: list[ReviewStatus] = []
    for subject in subjects:
        key = subject.key
        if key in this_period:
            status, review_pk = DONE, this_period[key]
        else:
            review_pk = None
            marked = overdue_since.get(key)
            reviewed_since = marked is not None and latest_period.get(key, datetime.date.min) > marked
            status = OVERDUE if marked is not None and not reviewed_since else DUE
        rows.append({"subject": subject, "status": status, "review_pk": review_pk})
    return rows


@dataclass(frozen=True)
class PledgeProgress:
    """A subject's current pledge with its items, each with ``state`` set
    (pledges.progress.ItemState), and its latest progress entries, newest first."""

    pledge: Pledge
    items: list[PledgeItem]
    entries: list[ProgressEntry]


def current_pledge_progress(
    *, campaign: Campaign, organization: Organization, member: Member | None, today: datetime.date, latest: int
) -> PledgeProgress | None:
    """What a reviewer reads beside the review form: the subject's current pledge (None
    without one), its items as they stand on ``today`` and its ``latest`` progress
    entries. One query each."""
    pledge = current_pledge(campaign, organization, member)
    if pledge is None:
        return None
    items = list(PledgeItem.objects.filter(pledge=pledge).order_by("order", "pk"))
    for item in items:
        item.state = item_state(item, today)
    entries = list(
        ProgressEntry.objects.filter(item__pledge=pledge, removed_at__isnull=True)
        .select_related("item")
        .order_by("-recorded_on", "-pk")[:latest]
    )
    return PledgeProgress(pledge=pledge, items=items, entries=entries)
