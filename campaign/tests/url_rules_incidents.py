import datetime

from django.utils import timezone

from campaign.incidents.models import Incident, IncidentKind, VetoRule
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules import campaign_pk
from campaign.tests.url_rules_reports import _campaign

OFFICE = {"office"}
REPORTERS = {"office", "leader", "secretary"}
FINDERS = {"office", "inspector"}


def _kind(c) -> IncidentKind:
    kind, _created = IncidentKind.objects.get_or_create(
        campaign=_campaign(c),
        name="安全生产事故",
        defaults={"phone_limit_hours": 1, "written_limit_hours": 24, "veto_rule": VetoRule.LATE},
    )
    return kind


def with_kind(c, role, where):
    _kind(c)
    return []


def incident_pk(c, role, where):
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    occurred = timezone.make_aware(datetime.datetime(2011, 3, 5, 9, 0))
    incident = Incident.objects.create(
        campaign=_campaign(c),
        organization=organization,
        kind=_kind(c),
        summary="仓库发生火情，无人员伤亡。",
        occurred_at=occurred,
        phoned_at=occurred + datetime.timedelta(hours=3),
        actions="及时扑灭，排查隐患。",
    )
    return [incident.pk]


RULES = {
    # Everyone reads the register of what happened in their own subtree.
    "campaign:incidents": Rule(args=with_kind, scoped=False),
    "campaign:incident_report": Rule(args=with_kind, allowed=REPORTERS, scoped=False),
    "campaign:incident_found": Rule(args=with_kind, allowed=FINDERS, scoped=False),
    "campaign:incident": Rule(args=incident_pk),
    "campaign:incident_edit": Rule(args=incident_pk, allowed=REPORTERS),
    "campaign:incident_kinds": Rule(args=campaign_pk, allowed=OFFICE),
}
