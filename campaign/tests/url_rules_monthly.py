import datetime

from campaign.campaigns.models import Campaign
from campaign.tests import circular_fixtures as fx
from campaign.tests.url_matrix import Rule, inside_org, outside_org


def _campaign(c):
    """A campaign of the county with measured indicators: the newest, so the one the
    matrix chooses for pages that work in the chosen campaign."""
    if not hasattr(c, "monthly_campaign"):
        c.monthly_campaign = Campaign.objects.create(
            organization=c.county,
            name="三好一满意活动",
            starts_on=datetime.date(2011, 1, 1),
            ends_on=datetime.date(2030, 12, 31),
        )
        fx.measured_sheet(c.monthly_campaign)
    return c.monthly_campaign


def no_args(c, role, where):
    _campaign(c)
    return []


def unit_code(c, role, where):
    _campaign(c)
    return [(inside_org if where == "inside" else outside_org)(c, role).code]


RULES = {
    # Everyone reads the month's filings of the units in their own subtree.
    "campaign:monthly_status": Rule(args=no_args, scoped=False),
    "campaign:monthly_export": Rule(args=no_args, scoped=False),
    # Whoever sees the unit reads its filing; filing itself is the unit's and its superiors'.
    "campaign:monthly_file": Rule(args=unit_code),
}
