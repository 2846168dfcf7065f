"""CSRF on every form (issue 9, part 5): every URL that changes something (a POST rule in
the URL matrix), posted by a role allowed to use it but without the form's CSRF token,
is refused with 403 and changes nothing. Django's middleware does it; this proves no
view opted out (csrf_exempt) and no new POST URL will."""

import pytest
from django.test import Client
from django.urls import reverse

from campaign.tests.url_matrix import collect_rules, user_for

RULES = collect_rules()

POSTED = sorted(name for name, rule in RULES.items() if rule.method == "POST")


def test_the_matrix_has_the_forms_to_try():
    assert len(POSTED) > 40


@pytest.mark.parametrize("name", POSTED)
def test_a_post_without_the_csrf_token_is_refused(matrix_county, name):
    rule = RULES[name]
    role = "office" if "office" in rule.allowed else sorted(rule.allowed)[0]
    url = reverse(name, args=rule.args(matrix_county, role, "inside") if rule.args else [])
    client = Client(enforce_csrf_checks=True)
    if not rule.public:
        client.force_login(user_for(matrix_county, role))
    response = client.post(url, {"anything": "1"})
    assert response.status_code == 403, f"{name}: {response.status_code}"
    assert 'id="csrf-refused"' in response.text, name  # the token's refusal, not the role's
