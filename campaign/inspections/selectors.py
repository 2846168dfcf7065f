"""Reads of the inspection visits: the visits a scope sees, a visit with what it found, and
the signed-off tasks whose 回头看 has come. The active scope decides what is seen."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from campaign.campaigns.models import Campaign
from campaign.inspections.models import Finding, FindingAttachment, Visit, VisitState
from orgs.models import Organization
from pledges.models import Rectification, RectificationStatus


def visits_in_scope(
    campaign: Campaign, *, organization: Organization | None = None, state: str = ""
) -> QuerySet[Visit]:
    """The campaign's visits the active scope sees (planned first by date, then the
    recorded ones, newest first); under ``organization`` and of one state when given."""
    visits = Visit.objects.filter(campaign=campaign).select_related("organization", "inspector", "looks_back_at")
    if organization is not None:
        visits = visits.filter(organization__path__startswith=organization.path)
    if state:
        visits = visits.filter(state=state)
    return visits.order_by("state", "-visited_on", "planned_on", "-pk")


def visit_with_findings(pk: int) -> Visit:
    """The visit (scoped: DoesNotExist alike for missing and not visible), with its
    checklist and findings, their attachments, task and deduction prefetched."""
    findings = Finding.objects.select_related(
        "checklist_item", "rectification", "deduction__rule__indicator", "deduction__period"
    ).prefetch_related(Prefetch("attachments", queryset=FindingAttachment.objects.order_by("pk")))
    return (
        Visit.objects.select_related("campaign__organization", "organization", "inspector", "looks_back_at")
        .prefetch_related("checklist", Prefetch("findings", queryset=findings))
        .get(pk=pk)
    )


@dataclass(frozen=True)
class LookbackRow:
    rectification: Rectification
    visit: Visit | None  # the 回头看 visit planned or recorded for it, if any

    @property
    def recorded(self) -> bool:
        return self.visit is not None and self.visit.state == VisitState.RECORDED


def lookbacks_due(campaign: Campaign, *, today: datetime.date) -> list[LookbackRow]:
    """Signed-off tasks in the scope whose 回头看 date has come, earliest first, each with
    its latest look-back visit. Two queries."""
    tasks = list(
        Rectification.objects.filter(
            campaign=campaign,
            status=RectificationStatus.VERIFIED,
            lookback_due__isnull=False,
            lookback_due__lte=today,
        )
        .select_related("organization")
        .order_by("lookback_due", "pk")
    )
    latest: dict[int, Visit] = {}
    visits = Visit.objects.filter(looks_back_at__in=[task.pk for task in tasks]).order_by("pk")
    for visit in visits:
        latest[visit.looks_back_at_id] = visit
    return [LookbackRow(rectification=task, visit=latest.get(task.pk)) for task in tasks]
