from campaign.nominations.models import ModelNomination, NominationOpinion
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules_reports import _campaign, no_args_with_campaign

NOMINATORS = {"office", "leader", "secretary"}


def _nomination(c, role, where, *, at_top=False):
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    nomination = ModelNomination.objects.create(
        title="party_organization",
        campaign=_campaign(c),
        organization=organization,
        deeds="带领群众修路架桥。",
        nominating_organization=organization,
        # At the county it waits for the office's decision; at its own branch, for the township.
        current_level=c.county if at_top else organization,
    )
    NominationOpinion.objects.create(nomination=nomination, organization=organization, action="pending")
    return nomination


def nomination_pk(c, role, where):
    return [_nomination(c, role, where).pk]


def top_nomination_pk(c, role, where):
    return [_nomination(c, role, where, at_top=True).pk]


RULES = {
    "campaign:nominations": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:nomination_create": Rule(args=no_args_with_campaign, allowed=NOMINATORS, scoped=False),
    "campaign:nomination": Rule(args=nomination_pk),
    # The branch's own secretary may not push it up: only the levels above may.
    "campaign:nomination_recommend": Rule(args=nomination_pk, method="POST", allowed={"office", "leader"}, ok=302),
    "campaign:nomination_select": Rule(args=top_nomination_pk, method="POST", allowed={"office"}, ok=302),
    "campaign:nomination_decline": Rule(args=nomination_pk, method="POST", allowed={"office"}, ok=302),
    "campaign:nomination_quota": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:nomination_quota_export": Rule(args=no_args_with_campaign, scoped=False),
}
