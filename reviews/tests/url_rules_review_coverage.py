"""Scope rules for the review coverage pages: each reader over their own subtree."""

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule

READERS = {"office", "leader", "inspector", "secretary"}


def with_campaign(c, role, where):
    """No URL arguments: the page covers the user's subtree; it needs a campaign to show."""
    if not hasattr(c, "campaign"):
        c.campaign = make_campaign(c.county)
    return []


RULES = {
    "reviews:review_coverage": Rule(args=with_campaign, allowed=READERS, scoped=False),
    "reviews:review_coverage_export": Rule(args=with_campaign, allowed=READERS, scoped=False),
}
