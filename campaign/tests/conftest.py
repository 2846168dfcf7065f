"""Fixtures the campaign tests share."""

import pytest

from orgs.tests.factories import make_member, make_organization, make_user


@pytest.fixture
def matrix_county(county):
    """The small county, with a county outside it and an account for 北极村's member: what
    the URL matrix and the tests that walk its URLs need."""
    county.other_county = make_organization("另一县委", kind="county", sector="organ")
    county.other_county_member = make_member(county.other_county, "外县党员")
    make_user("member_b1", "member", member=county.member_b1)
    return county
