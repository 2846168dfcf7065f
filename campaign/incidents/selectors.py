"""Reads of the incident register: how an incident was reported against its kind's
limits, and which units the register vetoes in a period. Pure where it can be."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.incidents.models import Incident, IncidentKind, Severity, Timeliness, VetoRule
from orgs.models import Organization


def _past(start: datetime.datetime, end: datetime.datetime | None, hours: int | None, now: datetime.datetime) -> bool:
    """Whether a report due ``hours`` after ``start`` came, or is still missing, after its limit."""
    if hours is None:
        return False
    limit = start + datetime.timedelta(hours=hours)
    return (end or now) > limit


def incident_timeliness(incident: Incident, kind: IncidentKind, *, now: datetime.datetime | None = None) -> str:
    """瞒报 when inspection found it and the unit never reported it; 迟报 when a report came
    (or is still missing) past its kind's limit; 待书面报告 while the written report is
    still within its limit; otherwise 按时报告. No query."""
    now = now or timezone.now()
    if incident.found_by_inspection and incident.phoned_at is None and incident.written_at is None:
        return Timeliness.CONCEALED
    if _past(incident.occurred_at, incident.phoned_at or incident.written_at, kind.phone_limit_hours, now):
        return Timeliness.LATE
    if _past(incident.occurred_at, incident.written_at, kind.written_limit_hours, now):
        return Timeliness.LATE
    if incident.written_at is None and kind.written_limit_hours is not None:
        return Timeliness.PENDING
    return Timeliness.ON_TIME


def incident_vetoes(incident: Incident, kind: IncidentKind, *, now: datetime.datetime | None = None) -> bool:
    """Whether this incident vetoes its unit, by its kind's rule. No query."""
    if kind.veto_rule == VetoRule.ALWAYS:
        return True
    if kind.veto_rule == VetoRule.LATE:
        return incident_timeliness(incident, kind, now=now) in (Timeliness.LATE, Timeliness.CONCEALED)
    return False


def veto_reason(incident: Incident, kind: IncidentKind, *, now: datetime.datetime | None = None) -> str:
    timeliness = incident_timeliness(incident, kind, now=now)
    values = {
        "day": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d"),
        "kind": kind.name,
        "severity": incident.get_severity_display(),
        "timeliness": Timeliness(timeliness).label,
    }
    if incident.severity == Severity.GENERAL:  # "一般安全事故（一般）" says it twice
        return _("%(day)s 发生%(kind)s，%(timeliness)s") % values
    return _("%(day)s 发生%(kind)s（%(severity)s），%(timeliness)s") % values


def incident_vetoes_by_unit(
    campaign: Campaign, *, first_day: datetime.date, last_day: datetime.date, now: datetime.datetime | None = None
) -> dict[str, list[str]]:
    """Organization path → the reasons the register vetoes it, for incidents that happened
    from ``first_day`` to ``last_day``: an incident counts against the unit it happened
    in and every unit above it in the campaign. One query; needs a scope that sees them."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    reasons: dict[str, list[str]] = defaultdict(list)
    incidents = Incident.objects.filter(campaign=campaign, occurred_at__gte=start, occurred_at__lt=end).select_related(
        "kind", "organization"
    )
    root_path = campaign.organization.path
    for incident in incidents.order_by("occurred_at", "pk"):
        if not incident_vetoes(incident, incident.kind, now=now):
            continue
        own = veto_reason(incident, incident.kind, now=now)
        # The units above it say where it happened; the unit itself needs no name.
        theirs = _("%(unit)s：%(reason)s") % {"unit": incident.organization.name, "reason": own}
        unit = incident.organization
        for path in unit.ancestor_paths():
            if path.startswith(root_path) and path != root_path:
                reasons[path].append(theirs)
        reasons[unit.path].append(own)
    return dict(reasons)


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register: the incident, how it was reported, whether it vetoes."""

    incident: Incident
    timeliness: str
    vetoes: bool

    @property
    def timeliness_label(self) -> str:
        return Timeliness(self.timeliness).label


def incidents_in_scope(campaign: Campaign, *, organization: Organization | None = None) -> QuerySet[Incident]:
    """The campaign's incidents the active scope sees, newest first; under ``organization``
    when given. With what the register shows, in one query."""
    incidents = Incident.objects.filter(campaign=campaign).select_related("organization", "kind")
    if organization is not None:
        incidents = incidents.filter(organization__path__startswith=organization.path)
    return incidents.order_by("-occurred_at", "-pk")


def register_rows(
    incidents: Iterable[Incident], *, timeliness: str = "", now: datetime.datetime | None = None
) -> list[RegisterRow]:
    """Each incident judged against its kind's limits, those of one timeliness when given."""
    now = now or timezone.now()
    rows = [
        RegisterRow(
            incident=incident,
            timeliness=incident_timeliness(incident, incident.kind, now=now),
            vetoes=incident_vetoes(incident, incident.kind, now=now),
        )
        for incident in incidents
    ]
    return [row for row in rows if not timeliness or row.timeliness == timeliness]


@dataclass(frozen=True)
class IncidentSummary:
    reported: int
    late: int
    concealed: int
    pending: int
    units_vetoed: int


def incident_summary(
    campaign: Campaign, *, organization: Organization | None = None, now: datetime.datetime | None = None
) -> IncidentSummary:
    """The dashboard's counts over the active scope (under ``organization`` when given):
    incidents registered, 迟报, 瞒报, 待书面报告, and units an incident vetoes. One query."""
    rows = register_rows(incidents_in_scope(campaign, organization=organization), now=now)
    counts = Counter(row.timeliness for row in rows)
    return IncidentSummary(
        reported=len(rows),
        late=counts[Timeliness.LATE],
        concealed=counts[Timeliness.CONCEALED],
        pending=counts[Timeliness.PENDING],
        units_vetoed=len({row.incident.organization_id for row in rows if row.vetoes}),
    )


def campaign_has_incident_kinds(campaign: Campaign) -> bool:
    """Whether the campaign keeps an incident register at all. One query."""
    return IncidentKind.objects.filter(campaign=campaign).exists()


def kind_limits_text(kind: IncidentKind) -> str:
    """The kind's limits in words: 电话 1 小时内，书面 24 小时内. No query."""
    limits = []
    if kind.phone_limit_hours is not None:
        limits.append(_("电话 %(hours)s 小时内") % {"hours": kind.phone_limit_hours})
    if kind.written_limit_hours is not None:
        limits.append(_("书面 %(hours)s 小时内") % {"hours": kind.written_limit_hours})
    return _("，").join(limits)
