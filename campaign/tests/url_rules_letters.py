import datetime

from campaign.campaigns.models import Campaign
from campaign.letters.models import ResponsibilityLetter
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules import campaign_pk
from campaign.tests.url_rules_reports import no_args_with_campaign
from orgs.models import Member

# The office that runs the campaign, and a superior of the unit within it (the township's leader).
ISSUERS = {"office", "leader"}


def _letter(c, role, where) -> ResponsibilityLetter:
    """Inside: the county campaign's letter with a leader of the role's own unit (a branch
    the township's leader leads). Outside: a letter of a unit beside the role's, in the
    campaign that unit runs."""
    campaign = Campaign.objects.get(pk=campaign_pk(c, role, where)[0])
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    leader = Member.objects.filter(organization=organization).order_by("pk").first()
    letter, _created = ResponsibilityLetter.objects.get_or_create(
        campaign=campaign,
        leader=leader,
        defaults={
            "organization": organization,
            "terms": "确保五个到位，力争实现三无。",
            "signed_on": datetime.date(campaign.starts_on.year, 12, 31),
        },
    )
    return letter


def letter_pk(c, role, where):
    return [_letter(c, role, where).pk]


RULES = {
    "campaign:letters": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:letter_create": Rule(args=no_args_with_campaign, allowed=ISSUERS, scoped=False),
    # A unit reads its own letters, a superior and an inspection group their subtrees'.
    "campaign:letter": Rule(args=letter_pk),
    "campaign:letter_edit": Rule(args=letter_pk, allowed=ISSUERS),
    "campaign:letter_withdraw": Rule(args=letter_pk, method="POST", allowed=ISSUERS, ok=302),
    # An empty assessment is refused on the page itself.
    "campaign:letter_assess": Rule(args=letter_pk, method="POST", allowed=ISSUERS),
}
