"""Scope rules for the public votes (公示票选): the office's pages, and the public paper,
reached by a vote code with no login, the same for everyone."""

import datetime

from campaign.campaigns.models import Campaign
from campaign.nominations.votes.models import VoteCode
from campaign.nominations.votes.services import votes_close_due
from campaign.tests.factories import make_nomination, make_vote
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules_reports import no_args_with_campaign

OFFICE = {"office"}


def _vote(c, role, where, **times):
    """A vote of a campaign run by the organization inside (or outside) the role's scope:
    everyone but the office sees it and gets 403; outside, nobody sees it."""
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    campaign = Campaign.objects.create(
        organization=organization,
        name="评选活动",
        starts_on=datetime.date(2010, 4, 26),
        ends_on=datetime.date(2030, 12, 31),
    )
    return make_vote(campaign, [make_nomination(campaign, organization)], codes=3, **times)


def vote_pk(c, role, where):
    return [_vote(c, role, where).pk]


def counted_vote_pk(c, role, where):
    """A vote whose time is over, counted as the scheduled job counts it."""
    vote = _vote(c, role, where, opens_in=-datetime.timedelta(days=2), closes_in=-datetime.timedelta(days=1))
    votes_close_due()
    return [vote.pk]


def open_vote_code(c, role, where):
    """An unused code of an open vote; opening the paper does not use it."""
    if not hasattr(c, "vote_code"):
        vote = _vote(c, "office", "inside")
        c.vote_code = VoteCode.objects.filter(vote=vote).first().code
    return [c.vote_code]


RULES = {
    "campaign:votes": Rule(args=no_args_with_campaign, allowed=OFFICE, scoped=False),
    "campaign:vote_create": Rule(args=no_args_with_campaign, allowed=OFFICE, scoped=False),
    "campaign:vote": Rule(args=vote_pk, allowed=OFFICE),
    "campaign:vote_codes": Rule(args=vote_pk, allowed=OFFICE),
    "campaign:vote_close": Rule(args=vote_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:vote_export": Rule(args=counted_vote_pk, allowed=OFFICE),
    "vote:enter": Rule(public=True, scoped=False),
    "vote:form": Rule(args=open_vote_code, public=True, scoped=False),
    "vote:done": Rule(public=True, scoped=False),
}
