"""Reads of pledges, rectification tasks and 挂牌督办 that take more than one line.

Every read goes through the scoped managers (orgs.scoping), so it returns only what the
active scope shows; the pages pass in what they parsed from the request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from campaign.campaigns.models import Campaign
from orgs.models import Organization, User
from pledges.coverage import MASS_KINDS
from pledges.lifecycle import awaiting_decision
from pledges.models import (
    FollowUp,
    Pledge,
    Rectification,
    RectificationEvidence,
    RectificationSignOff,
    RectificationStatus,
    SignOffOutcome,
    Supervision,
)
from pledges.rectification import (
    DONE_STATUSES,
    awaiting_sign_off_q,
    late_rectifications_q,
    sign_off_q,
    unsolved_q,
    verified_by_q,
    visible_supervisions,
)

# ---------------------------------------------------------------------------
# Pledges
# ---------------------------------------------------------------------------


def pledge_state_counts(campaign: Campaign) -> dict[str, int]:
    """The campaign's pledges counted by state: one query."""
    pledges = Pledge.objects.filter(campaign=campaign)
    return dict(pledges.values("state").annotate(count=Count("pk")).values_list("state", "count"))


def pledges_listed(*, campaign: Campaign, state: str = "") -> QuerySet[Pledge]:
    """The campaign's pledges (only those in ``state``, if given) with their organization,
    member and ``item_count``, in the order of the pledge list."""
    pledges = Pledge.objects.filter(campaign=campaign)
    if state:
        pledges = pledges.filter(state=state)
    # Aggregating drops Meta.ordering, so the order is spelled out for the paginators.
    return (
        pledges.select_related("organization", "member")
        .annotate(item_count=Count("items"))
        .order_by("organization__path", "member__name", "-created_at", "pk")
    )


def pledges_awaiting(*, user: User, campaign: Campaign, limit: int) -> list[Pledge]:
    """The first ``limit`` of the campaign's pledges awaiting the user's decision, the
    longest waiting first, with their items."""
    pending = awaiting_decision(user, Pledge.objects.filter(campaign=campaign))
    return list(
        pending.select_related("organization", "member")
        .prefetch_related("items")
        .order_by("submitted_at", "pk")[:limit]
    )


def board_organizations(*, query: str = "") -> QuerySet[Organization]:
    """The organizations whose notice boards the user may list, in tree order, each with
    ``published_pledges``; only those whose name or code contains ``query``, if given."""
    organizations = Organization.objects.annotate(
        published_pledges=Count("pledges", filter=Q(pledges__published_version__gt=0))
    ).order_by("path")
    if query:
        organizations = organizations.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return organizations


def coverage_filter_organizations(*, roots: list[Organization], chosen: Organization | None) -> list[Organization]:
    """The tops of the user's subtrees and their party children, for the coverage page's
    organization filter, and the chosen organization if it is further down."""
    party_children = Q(parent__in=roots) & ~Q(kind__in=MASS_KINDS)
    options = list(Organization.objects.filter(Q(pk__in=[root.pk for root in roots]) | party_children).order_by("path"))
    if chosen is not None and chosen.pk not in {organization.pk for organization in options}:
        options.append(chosen)
    return options


# ---------------------------------------------------------------------------
# Rectification tasks
# ---------------------------------------------------------------------------


def rectifications_listed(
    *,
    status: str = "",
    category: str = "",
    organization: Organization | None = None,
    late_on: datetime.date | None = None,
    campaign_id: int | None = None,
) -> QuerySet[Rectification]:
    """Rectification tasks by status, then deadline, each with ``supervised`` (whether an
    open 挂牌督办 is on it); narrowed to a campaign, a status, a category, a subtree and
    those late on ``late_on`` when given."""
    tasks = (
        Rectification.objects.select_related("organization", "member", "campaign")
        .annotate(supervised=Exists(Supervision.objects.filter(rectification=OuterRef("pk"), closed_at__isnull=True)))
        .order_by("status", "deadline", "pk")
    )
    if campaign_id is not None:
        tasks = tasks.filter(campaign_id=campaign_id)
    if status:
        tasks = tasks.filter(status=status)
    if category:
        tasks = tasks.filter(category=category)
    if organization is not None:
        tasks = tasks.filter(organization__path__startswith=organization.path)
    if late_on is not None:
        tasks = tasks.filter(late_rectifications_q(late_on))
    return tasks


def rectification_categories_used() -> QuerySet[str]:
    """The categories the tasks in scope use, in order, each once."""
    return Rectification.objects.order_by("category").values_list("category", flat=True).distinct()


def organizations_with_rectifications(*, solved_only: bool = False) -> QuerySet[Organization]:
    """The organizations that have rectification tasks (only solved ones, if asked), in
    tree order: the choices of the task lists' organization filter."""
    tasks = Rectification.objects.all()
    if solved_only:
        tasks = tasks.filter(status__in=DONE_STATUSES)
    return Organization.objects.filter(pk__in=tasks.values("organization_id")).order_by("path")


def solved_rectifications(*, organization: Organization | None = None) -> QuerySet[Rectification]:
    """The tasks reported done (signed off or not), in a subtree if given."""
    tasks = Rectification.objects.filter(status__in=DONE_STATUSES)
    if organization is not None:
        tasks = tasks.filter(organization__path__startswith=organization.path)
    return tasks


class CategoryGroup(TypedDict):
    category: str
    tasks: list[Rectification]
    unpublished: int


def solved_rectifications_by_category(*, organization: Organization | None = None) -> list[CategoryGroup]:
    """分门归类: the solved tasks grouped by category, each group with how many of its
    tasks are not yet public. One query."""
    tasks = (
        solved_rectifications(organization=organization)
        .select_related("organization")
        .order_by("category", "organization__path", "-solved_on", "pk")
    )
    groups: list[CategoryGroup] = []
    for task in tasks:
        if not groups or groups[-1]["category"] != task.category:
            groups.append({"category": task.category, "tasks": [], "unpublished": 0})
        groups[-1]["tasks"].append(task)
        if not task.is_published:
            groups[-1]["unpublished"] += 1
    return groups


# ---------------------------------------------------------------------------
# 验收销号
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dossier:
    """What a task's page shows of its reports and checks."""

    evidence: list[RectificationEvidence]
    sign_offs: list[RectificationSignOff]

    @property
    def sent_back(self) -> RectificationSignOff | None:
        """The latest check, if it sent the task back: the reason the unit must answer."""
        last = self.sign_offs[-1] if self.sign_offs else None
        return last if last is not None and last.outcome == SignOffOutcome.SENT_BACK else None


def rectification_dossier(*, rectification: Rectification) -> Dossier:
    """The task's evidence files and every round of sign-off, oldest first. Two queries."""
    return Dossier(
        evidence=list(rectification.evidence.select_related("uploaded_by__member")),
        sign_offs=list(rectification.sign_offs.select_related("checked_by__member")),
    )


def rectifications_to_verify(
    *,
    user: User,
    campaign_id: int | None = None,
    category: str = "",
    organization: Organization | None = None,
) -> QuerySet[Rectification]:
    """待验收: the reported tasks the user may sign off (the queryset form of
    may_sign_off), the longest waiting first; old ones never reported through sign-off last."""
    tasks = (
        Rectification.objects.filter(sign_off_q(user), status=RectificationStatus.SOLVED)
        .select_related("organization", "member", "campaign")
        .annotate(evidence_count=Count("evidence"))
        .order_by(F("reported_at").asc(nulls_last=True), "solved_on", "pk")
    )
    if campaign_id is not None:
        tasks = tasks.filter(campaign_id=campaign_id)
    if category:
        tasks = tasks.filter(category=category)
    if organization is not None:
        tasks = tasks.filter(organization__path__startswith=organization.path)
    return tasks


@dataclass(frozen=True)
class RectificationTally:
    verified: int
    to_verify: int
    unsolved: int


def rectification_tally(*, campaign: Campaign, organization: Organization, as_of: datetime.date) -> RectificationTally:
    """A subtree's tasks as of a day: signed off, reported and awaiting sign-off, not yet
    reported. Counted live with the rules the figures rollup groups (campaign.dashboard.figures)."""
    counts = Rectification.objects.filter(
        campaign=campaign, organization__path__startswith=organization.path, created_at__date__lte=as_of
    ).aggregate(
        verified=Count("pk", filter=verified_by_q(as_of)),
        to_verify=Count("pk", filter=awaiting_sign_off_q(as_of)),
        unsolved=Count("pk", filter=unsolved_q(as_of)),
    )
    return RectificationTally(**counts)


# ---------------------------------------------------------------------------
# 挂牌督办
# ---------------------------------------------------------------------------


def rectification_supervisions(*, user: User, rectification: Rectification) -> list[Supervision]:
    """The supervisions of a rectification task that the user sees, with their supervisor
    and follow-ups (and who noted each). Three queries."""
    return list(
        visible_supervisions(user)
        .filter(rectification=rectification)
        .select_related("supervisor__member")
        .prefetch_related(Prefetch("follow_ups", queryset=FollowUp.objects.select_related("noted_by__member")))
    )


def supervisions_listed(*, user: User, closed: bool) -> QuerySet[Supervision]:
    """The open supervisions the user sees by deadline, or the closed ones latest closed
    first; each with ``follow_up_count`` and ``recent``, its follow-ups newest first."""
    supervisions = (
        visible_supervisions(user)
        .select_related("organization", "pledge_item__pledge", "rectification", "supervisor__member")
        .annotate(follow_up_count=Count("follow_ups"))
        .prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("-noted_on", "-pk"), to_attr="recent")
        )
    )
    if closed:
        return supervisions.filter(closed_at__isnull=False).order_by("-closed_at")
    return supervisions.filter(closed_at__isnull=True).order_by("deadline", "pk")
