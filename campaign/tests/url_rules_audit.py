from campaign.tests.url_matrix import Rule

# The audit log has no object in its address: it lists what the office's scope holds
# (test_audit proves the scope), so the matrix checks who may open it.
RULES = {
    "campaign:audit": Rule(allowed={"office"}, scoped=False),
}
