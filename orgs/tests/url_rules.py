from campaign.tests.url_matrix import Rule, member_pk, org_code

IMPORTERS = {"office", "leader"}
RULES = {
    "orgs:organization": Rule(args=org_code),
    "orgs:member": Rule(args=member_pk),
    "orgs:accounts_open": Rule(method="POST", args=org_code, allowed={"office", "leader", "secretary"}),
    "orgs:account_reset": Rule(method="POST", args=member_pk, allowed={"office", "leader", "secretary"}),
    "orgs:roster_import": Rule(allowed=IMPORTERS, scoped=False),
    # A token that is not in the user's session is a 404 for those who may import at all.
    "orgs:roster_import_preview": Rule(args=lambda *a: ["x" * 32], allowed=IMPORTERS, scoped=False, ok=404),
    "orgs:roster_import_confirm": Rule(
        method="POST", args=lambda *a: ["x" * 32], allowed=IMPORTERS, scoped=False, ok=404
    ),
    "orgs:roster_import_cancel": Rule(
        method="POST", args=lambda *a: ["x" * 32], allowed=IMPORTERS, scoped=False, ok=302
    ),
    "orgs:export_organizations": Rule(scoped=False),
    "orgs:export_members": Rule(scoped=False),
    "orgs:export_template": Rule(args=lambda *a: ["members"], scoped=False),
}
