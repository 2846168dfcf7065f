"""通报批评: who was late or missing in the period, section by section — dispatched
tasks (工作部署), rectification tasks past their deadline, information reports short of
the quota, incidents reported late or concealed — and a task's returns cited in a
circular. Plain JSON for the snapshot; the reports' shortfall comes from the reports
circular's builder (campaign.circulars.snapshots), which joins the sections."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.text import Truncator

from campaign.campaigns.models import Campaign
from campaign.circulars.periods import Span
from campaign.dispatch.selectors import task_citation, tasks_due_within
from campaign.incidents.models import Incident, Timeliness
from campaign.incidents.selectors import incident_timeliness
from orgs.models import Organization
from pledges.models import Rectification
from pledges.rectification import late_rectifications_q

PROBLEM_CHARS = 60
# 一、二、三… for the sections that are printed.
NUMERALS = "一二三四五六七八九十"


def late_tasks(campaign: Campaign, issuer: Organization, span: Span, today: datetime.date) -> list[dict]:
    """Tasks due in the period with organizations that returned late or not at all."""
    lines = []
    for task in tasks_due_within(campaign, issuer.path, span.start, span.end):
        citation = task_citation(task, today)
        if citation["late"] or citation["missing"]:
            lines.append(citation)
    return lines


def late_rectifications(campaign: Campaign, issuer: Organization, span: Span, today: datetime.date) -> list[dict]:
    """Rectification tasks whose deadline had passed by the end of the period (or today)
    and that are still not solved: pledges.rectification's rule, read only."""
    as_of = min(today, span.end + datetime.timedelta(days=1))
    rows = (
        Rectification.objects.filter(
            late_rectifications_q(as_of), campaign=campaign, organization__path__startswith=issuer.path
        )
        .select_related("organization")
        .order_by("organization__path", "deadline", "pk")
    )
    return [
        {
            "unit_pk": row.organization_id,
            "name": row.organization.name,
            "problem": Truncator(row.problem).chars(PROBLEM_CHARS),
            "deadline": row.deadline.isoformat(),
            "status": str(row.get_status_display()),
        }
        for row in rows
    ]


def late_incidents(campaign: Campaign, issuer: Organization, span: Span) -> list[dict]:
    """Incidents of the period reported late (迟报) or concealed (瞒报)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(span.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(span.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    lines = []
    incidents = (
        Incident.objects.filter(
            campaign=campaign, organization__path__startswith=issuer.path, occurred_at__gte=start, occurred_at__lt=end
        )
        .select_related("kind", "organization")
        .order_by("occurred_at", "pk")
    )
    for incident in incidents:
        timeliness = incident_timeliness(incident, incident.kind)
        if timeliness in (Timeliness.LATE, Timeliness.CONCEALED):
            lines.append(
                {
                    "unit_pk": incident.organization_id,
                    "name": incident.organization.name,
                    "occurred_on": timezone.localtime(incident.occurred_at).date().isoformat(),
                    "kind": incident.kind.name,
                    "timeliness": str(Timeliness(timeliness).label),
                }
            )
    return lines


def numbered(sections: list[dict]) -> list[dict]:
    """Number the sections that have entries, in order; drop the empty ones."""
    kept = [section for section in sections if section["rows"]]
    for index, section in enumerate(kept):
        section["number"] = NUMERALS[index]
    return kept
