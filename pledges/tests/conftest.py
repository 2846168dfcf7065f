"""Fixtures the pledges tests share."""

import pytest

from pledges.tests.factories import make_pledge, publish_with_approval
from pledges.tests.progress_sheets import PUBLISHED_ON


@pytest.fixture
def branch(county, campaign):
    """红湾社区党支部 with a published branch pledge of two items, a published member
    pledge of one, and a member pledge still in draft."""
    own = make_pledge(campaign, county.branch_a1, items=2)
    publish_with_approval(own, filer=county.secretary_user_a1, approver=county.leader_a, on=PUBLISHED_ON)
    member = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    publish_with_approval(member, filer=county.secretary_user_a1, approver=county.leader_a, on=PUBLISHED_ON)
    county.draft = make_pledge(campaign, county.branch_a1, member=county.other_member_a1)
    county.items = [*own.items.order_by("order"), member.items.get()]
    county.own_pledge, county.member_pledge = own, member
    return county
