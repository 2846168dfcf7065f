"""The URL scope matrix's vocabulary: roles, rules and objects inside and outside
each role's subtree. Each area keeps its rules in a ``url_rules*.py`` module of its
app's tests; campaign/tests/test_url_scope.py runs them all over the small test county
and test_url_scope_demo.py over the demo county, with the checks below."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ["office", "leader", "inspector", "secretary", "member"]
EVERYONE = frozenset(ROLES)


@dataclass
class Rule:
    method: str = "GET"
    # (county, role, where) -> URL arguments; where is "inside" or "outside" the role's
    # scope. It may create the objects it needs on the county namespace.
    args: Callable | None = None
    public: bool = False  # answers without login
    allowed: set = field(default_factory=lambda: EVERYONE)  # roles that may act inside their scope
    scoped: bool = True  # outside the scope → 404
    ok: int = 200  # status when allowed
    denied: int = 403  # status for a role not allowed


def inside_org(c, role):
    return {
        "office": c.branch_a1,
        "leader": c.branch_a1,
        "inspector": c.branch_b1,
        "secretary": c.branch_a1,
        "member": c.branch_a1,
    }[role]


def outside_org(c, role):
    return {
        "office": c.other_county,
        "leader": c.branch_b1,
        "inspector": c.branch_a1,
        "secretary": c.branch_b1,
        "member": c.branch_b1,
    }[role]


def inside_member(c, role):
    # A member with an account, so password resets have something to act on.
    return {
        "office": c.member_a1,
        "leader": c.member_a1,
        "inspector": c.member_b1,
        "secretary": c.member_a1,
        "member": c.member_a1,
    }[role]


def outside_member(c, role):
    return {
        "office": c.other_county_member,
        "leader": c.member_b1,
        "inspector": c.member_a1,
        "secretary": c.member_b1,
        "member": c.other_member_a1,
    }[role]


def org_code(c, role, where):
    return [(inside_org if where == "inside" else outside_org)(c, role).code]


def member_pk(c, role, where):
    return [(inside_member if where == "inside" else outside_member)(c, role).pk]


def user_for(c, role):
    """The account that acts in ``role`` on the namespace ``c``."""
    return getattr(c, ACCOUNTS[role])


# The namespace attribute holding each role's account: the small county's and the demo's alike.
ACCOUNTS = {
    "office": "office",
    "leader": "leader_a",
    "inspector": "inspector_b",
    "secretary": "secretary_user_a1",
    "member": "member_user_a1",
}


def collect_rules() -> dict[str, Rule]:
    """The rules of every project app, from its tests/url_rules*.py modules."""
    rules: dict[str, Rule] = {}
    for config in apps.get_app_configs():
        if not Path(config.path).is_relative_to(settings.BASE_DIR) or "site-packages" in config.path:
            continue
        for module_path in sorted((Path(config.path) / "tests").glob("url_rules*.py")):
            module = importlib.import_module(f"{config.name}.tests.{module_path.stem}")
            duplicated = set(rules) & set(module.RULES)
            assert not duplicated, f"URL rules given twice: {duplicated}"
            rules.update(module.RULES)
    return rules


def project_views(resolver=None, namespace="") -> dict:
    """Every named URL of the project (the admin's aside) with its view."""
    views = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            views.update(project_views(entry, inner))
        elif isinstance(entry, URLPattern) and entry.name:
            views[namespace + entry.name] = entry.callback
    return views


def project_url_names() -> list[str]:
    return list(project_views())


def request(client, rule, url):
    return client.post(url) if rule.method == "POST" else client.get(url)


def cases(rules: dict[str, Rule], roles=ROLES) -> list[tuple[str, str, str]]:
    """(URL name, role, where) for each rule: URLs about no object in particular have
    nothing outside the scope to try."""
    return [
        (name, role, where)
        for name, rule in rules.items()
        for role in roles
        for where in (("inside", "outside") if rule.scoped else ("inside",))
    ]


def expected_status(rule: Rule, role: str, where: str) -> int:
    if where == "outside":
        return 404
    return rule.ok if role in rule.allowed else rule.denied


def check_url_for_role(client, c, name, rule, role, where, *, expected=None):
    """Request the rule's URL as the role's account and check the status (the rule's
    unless ``expected`` is given)."""
    url = reverse(name, args=rule.args(c, role, where) if rule.args else [])
    user = user_for(c, role)
    client.force_login(user)
    choose_newest_campaign(client, user)
    response = request(client, rule, url)
    expected = expected or expected_status(rule, role, where)
    assert response.status_code == expected, f"{user.username} ({role}) {rule.method} {url}"


def choose_newest_campaign(client, user) -> None:
    """A user who sees several campaigns chooses one before working (campaign.campaigns.
    access): here the newest, the one the rule's arguments set up for the page."""
    from campaign.campaigns.selectors import visible_campaigns

    newest = visible_campaigns(user).order_by("-pk").first()
    if newest is not None and visible_campaigns(user).count() > 1:
        assert client.post(reverse("campaign:choose"), {"campaign": newest.pk}).status_code == 302


def check_logged_out(client, c, name, rule):
    """Public URLs answer (or send elsewhere than the login); the rest send to the login."""
    url = reverse(name, args=rule.args(c, "office", "inside") if rule.args else [])
    response = request(client, rule, url)
    if rule.public:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert "/accounts/login/?" not in response["Location"]
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
