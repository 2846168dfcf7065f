import datetime

from campaign.campaigns.models import Campaign
from campaign.scores.models import ScorePeriod
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules import campaign_pk
from campaign.tests.url_rules_reports import no_args_with_campaign

OFFICE = {"office"}
SCORERS = {"office", "inspector"}


def _period(c, role, where) -> ScorePeriod:
    campaign = Campaign.objects.get(pk=campaign_pk(c, role, where)[0])
    first = datetime.date(campaign.starts_on.year, 7 if where == "inside" else 1, 1)
    period, _created = ScorePeriod.objects.get_or_create(
        campaign=campaign, name="考核期", defaults={"first_month": first, "last_month": first.replace(month=12)}
    )
    return period


def period_pk(c, role, where):
    return [_period(c, role, where).pk]


def period_and_org(c, role, where):
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    return [_period(c, role, where).pk, organization.code]


def campaign_and_indicator(c, role, where):
    from campaign.scores.models import Indicator, IndicatorKind, ScoreSheet

    campaign = Campaign.objects.get(pk=campaign_pk(c, role, where)[0])
    sheet, _created = ScoreSheet.objects.get_or_create(campaign=campaign)
    indicator, _created = Indicator.objects.get_or_create(
        sheet=sheet, name="检查组评分", defaults={"kind": IndicatorKind.MANUAL, "max_points": 100}
    )
    return [campaign.pk, indicator.pk]


RULES = {
    "campaign:scores": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:score_sheet": Rule(args=campaign_pk),
    "campaign:score_sheet_edit": Rule(args=campaign_pk, allowed=OFFICE),
    "campaign:score_sheet_default": Rule(args=campaign_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:score_period_create": Rule(args=campaign_pk, allowed=OFFICE),
    "campaign:score_period_edit": Rule(args=period_pk, allowed=OFFICE),
    # Everyone reads the ranking of the organizations in their own subtree.
    "campaign:score_ranking": Rule(args=period_pk),
    "campaign:score_export": Rule(args=period_pk),
    "campaign:score_breakdown": Rule(args=period_and_org),
    "campaign:score_recompute": Rule(args=period_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:score_finalize": Rule(args=period_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:score_manual": Rule(args=period_pk, allowed=SCORERS),
    "campaign:score_manual_edit": Rule(args=period_and_org, allowed=SCORERS),
    # 自查自评: the unit's own people and those above it.
    "campaign:score_self": Rule(args=period_and_org, allowed={"office", "leader", "secretary"}),
    "campaign:score_indicator_edit": Rule(args=campaign_and_indicator, allowed=OFFICE),
}
