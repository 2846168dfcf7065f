from campaign.tests.url_matrix import Rule
from campaign.tests.url_rules_reports import no_args_with_campaign

VIEWERS = {"office", "leader", "inspector", "secretary"}

# The dashboard pages take the organization from the query string (access_organization
# answers 404 outside the scope; test_dashboard proves it), so the matrix checks roles.
RULES = {
    "campaign:dashboard": Rule(args=no_args_with_campaign, allowed=VIEWERS, scoped=False),
    "campaign:dashboard_export": Rule(args=no_args_with_campaign, allowed=VIEWERS, scoped=False),
    "campaign:dashboard_flagged": Rule(args=no_args_with_campaign, allowed=VIEWERS, scoped=False),
    "campaign:dashboard_refresh": Rule(
        args=no_args_with_campaign, method="POST", allowed={"office", "leader"}, scoped=False, ok=302
    ),
}
