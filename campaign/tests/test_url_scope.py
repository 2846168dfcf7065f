"""Every URL × every role × an object inside and outside the role's subtree.

Each URL pattern of the project must have a rule in some app's tests/url_rules*.py; a new URL without one fails
``test_every_url_has_a_scope_rule``. Admin pages are covered in orgs/tests/test_admin.py. The same rules run
over the demo county in test_url_scope_demo.py.
"""

import pytest

from campaign.tests.url_matrix import cases, check_logged_out, check_url_for_role, collect_rules, project_url_names

RULES = collect_rules()


def test_every_url_has_a_scope_rule():
    missing = sorted(set(project_url_names()) - set(RULES))
    assert not missing, f"URLs without a scope decision: {missing}"


@pytest.mark.parametrize(("name", "role", "where"), cases(RULES))
def test_url_answers_as_scope_and_role_require(client, matrix_county, name, role, where):
    check_url_for_role(client, matrix_county, name, RULES[name], role, where)


@pytest.mark.parametrize("name", list(RULES))
def test_logged_out_visitor_is_sent_to_login(client, matrix_county, name):
    check_logged_out(client, matrix_county, name, RULES[name])
