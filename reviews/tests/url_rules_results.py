"""Scope rules for the results pages of an evaluation round."""

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from reviews.models import RoundState
from reviews.tally import round_tally
from reviews.tests.factories import make_round

READERS = {"office", "leader", "inspector", "secretary"}
RUNNERS = {"office", "leader", "secretary"}


def tallied_round(c, role, where):
    """A tallied round of the role's inside or outside organization, made once per test."""
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    rounds = c.__dict__.setdefault("tallied_rounds", {})
    if organization.pk not in rounds:
        if not hasattr(c, "campaign"):
            c.campaign = make_campaign(c.county)
        evaluation_round = make_round(c.campaign, organization, state=RoundState.CLOSED)
        round_tally(round_id=evaluation_round.pk)
        rounds[organization.pk] = evaluation_round
    return [rounds[organization.pk].pk]


RULES = {
    "reviews:results": Rule(args=tallied_round, allowed=READERS),
    "reviews:results_export": Rule(args=tallied_round, allowed=READERS),
    "reviews:publish": Rule(method="POST", args=tallied_round, allowed=RUNNERS, ok=302),
}
