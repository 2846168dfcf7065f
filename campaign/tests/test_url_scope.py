"""Every URL × every role × an object inside and outside the role's subtree.

Each URL pattern of the project must have a rule in some app's tests/url_rules*.py; a new URL without one fails
``test_every_url_has_a_scope_rule``. Admin pages are covered in orgs/tests/test_admin.py. The same rules run
over the demo county in test_url_scope_demo.py.
"""

import pytest

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import cases, check_logged_out, check_url_for_role, collect_rules, project_url_names

RULES = collect_rules()


def test_every_url_has_a_scope_rule():
    missing = sorted(set(project_url_names()) - set(RULES))
    assert not missing, f"URLs without a scope decision: {missing}"


@pytest.mark.parametrize(("name", "role", "where"), cases(RULES))
def test_url_answers_as_scope_and_role_require(client, matrix_county, name, role, where):
    check_url_for_role(client, matrix_county, name, RULES[name], role, where)


# Two roles that see both campaigns (the township's is inside the office's scope and above
# the branch's), on the pages they read.
OVERLAP_CASES = [
    (name, role, where)
    for name, role, where in cases(RULES)
    if where == "inside" and role in ("office", "secretary") and RULES[name].method == "GET"
]


@pytest.mark.parametrize(("name", "role", "where"), OVERLAP_CASES)
def test_url_answers_the_same_while_a_second_campaign_runs_inside_the_subtree(client, matrix_county, name, role, where):
    """Campaigns overlap in time and subtree (a township's own beside the county's): every
    page still answers each role as it must, in the campaign the user works in."""
    make_campaign(matrix_county.township_a, name="红湾寺镇党建活动")
    check_url_for_role(client, matrix_county, name, RULES[name], role, where)


@pytest.mark.parametrize("name", list(RULES))
def test_logged_out_visitor_is_sent_to_login(client, matrix_county, name):
    check_logged_out(client, matrix_county, name, RULES[name])
