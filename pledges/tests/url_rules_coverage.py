"""Scope rules for the coverage page, its exports and the offline progress sheet."""

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule, org_code

VIEWERS = {"office", "leader", "inspector", "secretary"}
FILERS = {"office", "leader", "secretary"}
TOKEN = "x" * 32


def with_campaign(c):
    """The exports need a campaign to export from; the matrix county has none of its own."""
    if not hasattr(c, "campaign"):
        c.campaign = make_campaign(c.county)
    return c.campaign


def no_args_with_campaign(c, role, where):
    with_campaign(c)
    return []


def org_code_with_campaign(c, role, where):
    with_campaign(c)
    return org_code(c, role, where)


RULES = {
    "pledges:coverage": Rule(allowed=VIEWERS, scoped=False),
    "pledges:coverage_export": Rule(args=no_args_with_campaign, allowed=VIEWERS, scoped=False),
    # An inspection group and a member can see the branch but may not file for it: 403.
    "pledges:progress_sheet_export": Rule(args=org_code_with_campaign, allowed=FILERS),
    "pledges:progress_sheet_import": Rule(allowed=FILERS, scoped=False),
    # A token that is not in the user's session is a 404 for those who may import at all.
    "pledges:progress_sheet_import_preview": Rule(args=lambda *a: [TOKEN], allowed=FILERS, scoped=False, ok=404),
    "pledges:progress_sheet_import_confirm": Rule(
        method="POST", args=lambda *a: [TOKEN], allowed=FILERS, scoped=False, ok=404
    ),
    "pledges:progress_sheet_import_cancel": Rule(
        method="POST", args=lambda *a: [TOKEN], allowed=FILERS, scoped=False, ok=302
    ),
}
