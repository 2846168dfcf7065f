from campaign.tests.url_matrix import Rule

RULES = {
    "home": Rule(scoped=False),
    "health": Rule(public=True, scoped=False),
    "login": Rule(public=True, scoped=False, ok=302),  # logged-in users are sent home
    "logout": Rule(method="POST", public=True, scoped=False, ok=302),
    "password_change": Rule(scoped=False),
    "password_change_done": Rule(scoped=False),
    "set_language": Rule(method="POST", public=True, scoped=False, ok=302),
    "campaign:list": Rule(scoped=False),
}
