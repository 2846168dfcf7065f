"""Every URL × every role × an object inside and outside the role's subtree.

Each URL pattern of the project must have a rule in some app's tests/url_rules*.py; a new URL without one fails
``test_every_url_has_a_scope_rule``. Admin pages are covered in orgs/tests/test_admin.py.
"""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaign.tests.url_matrix import ROLES, Rule
from orgs.tests.factories import make_member, make_organization, make_user


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


RULES = collect_rules()


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
