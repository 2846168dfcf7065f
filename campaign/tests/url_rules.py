import datetime

from campaign.campaigns.models import Campaign
from campaign.tests.url_matrix import Rule, outside_org

OFFICE = {"office"}


def campaign_pk(c, role, where):
    """Inside: the county's campaign, which every role sees (it runs above them) and only
    the office may change. Outside: a campaign run by an organization beside the role's."""
    if where == "inside":
        if not hasattr(c, "matrix_campaign"):
            c.matrix_campaign = Campaign.objects.create(
                organization=c.county,
                name="创先争优活动",
                starts_on=datetime.date(2010, 4, 26),
                ends_on=datetime.date(2012, 6, 30),
            )
        return [c.matrix_campaign.pk]
    organization = outside_org(c, role)
    campaign, _created = Campaign.objects.get_or_create(
        organization=organization,
        name=f"{organization.name}的活动",
        defaults={"starts_on": datetime.date(2011, 1, 1), "ends_on": datetime.date(2011, 12, 31)},
    )
    return [campaign.pk]


RULES = {
    "home": Rule(scoped=False),
    "health": Rule(public=True, scoped=False),
    "login": Rule(public=True, scoped=False, ok=302),  # logged-in users are sent home
    "logout": Rule(method="POST", public=True, scoped=False, ok=302),
    "password_change": Rule(scoped=False),
    "password_change_done": Rule(scoped=False),
    "set_language": Rule(method="POST", public=True, scoped=False, ok=302),
    "campaign:list": Rule(scoped=False),
    # Lists only the campaigns the user sees; choosing one outside is a 404 (test_campaign_choice).
    "campaign:choose": Rule(scoped=False),
    "campaign:create": Rule(allowed=OFFICE, scoped=False),
    "campaign:detail": Rule(args=campaign_pk),
    "campaign:edit": Rule(args=campaign_pk, allowed=OFFICE),
    "campaign:phases": Rule(args=campaign_pk, allowed=OFFICE),
    "campaign:standards": Rule(args=campaign_pk, allowed=OFFICE),
    "campaign:sector_themes": Rule(args=campaign_pk, allowed=OFFICE),
    "campaign:evaluation": Rule(args=campaign_pk, allowed=OFFICE),
}
