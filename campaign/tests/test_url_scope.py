"""Every URL × every role × an object inside and outside the role's subtree.

Each URL pattern of the project must have a rule here; a new URL without one fails
``test_every_url_has_a_scope_rule``. Admin pages are covered in orgs/tests/test_admin.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orgs.tests.factories import make_member, make_organization, make_user

ROLES = ["office", "leader", "inspector", "secretary", "member"]
EVERYONE = set(ROLES)


@dataclass
class Rule:
    method: str = "GET"
    args: Callable | None = None  # (county, role, where) -> list of URL arguments
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


IMPORTERS = {"office", "leader"}
RULES = {
    "home": Rule(scoped=False),
    "health": Rule(public=True, scoped=False),
    "login": Rule(public=True, scoped=False, ok=302),  # logged-in users are sent home
    "logout": Rule(method="POST", public=True, scoped=False, ok=302),
    "password_change": Rule(scoped=False),
    "password_change_done": Rule(scoped=False),
    "set_language": Rule(method="POST", public=True, scoped=False, ok=302),
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


def project_url_names(resolver=None, namespace=""):
    names = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += project_url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return names


def test_every_url_has_a_scope_rule():
    missing = sorted(set(project_url_names()) - set(RULES))
    assert not missing, f"URLs without a scope decision: {missing}"


@pytest.fixture
def matrix_county(county):
    county.other_county = make_organization("另一县委", kind="county", sector="organ")
    county.other_county_member = make_member(county.other_county, "外县党员")
    make_user("member_b1", "member", member=county.member_b1)
    return county


def user_for(c, role):
    return {
        "office": c.office,
        "leader": c.leader_a,
        "inspector": c.inspector_b,
        "secretary": c.secretary_user_a1,
        "member": c.member_user_a1,
    }[role]


def request(client, rule, url):
    return client.post(url) if rule.method == "POST" else client.get(url)


# URLs about no object in particular have nothing outside the scope to try.
CASES = [
    (name, role, where)
    for name, rule in RULES.items()
    for role in ROLES
    for where in (("inside", "outside") if rule.scoped else ("inside",))
]


@pytest.mark.parametrize(("name", "role", "where"), CASES)
def test_url_answers_as_scope_and_role_require(client, matrix_county, name, role, where):
    rule = RULES[name]
    url = reverse(name, args=rule.args(matrix_county, role, where) if rule.args else [])
    client.force_login(user_for(matrix_county, role))
    response = request(client, rule, url)
    if where == "outside":
        expected = 404
    elif role in rule.allowed:
        expected = rule.ok
    else:
        expected = rule.denied
    assert response.status_code == expected, f"{role} {rule.method} {url}"


@pytest.mark.parametrize("name", list(RULES))
def test_logged_out_visitor_is_sent_to_login(client, matrix_county, name):
    rule = RULES[name]
    url = reverse(name, args=rule.args(matrix_county, "office", "inside") if rule.args else [])
    response = request(client, rule, url)
    if rule.public:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert "/accounts/login/?" not in response["Location"]
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
