"""The county's campaign reads the same when a second campaign starts inside its subtree.

A bureau's 三好一满意 runs over part of the county while 创先争优 runs over all of it, in
the same months, with pledges and reviews of its own. Every page of the first campaign,
for the county office and for a branch secretary inside the second campaign's subtree,
must render as it did before: nothing of the second campaign may leak into its figures,
lists or documents. The pages are those of the URL matrix (campaign/tests/url_matrix.py),
each in the campaign the user chose, as campaign.campaigns.access has it.
"""

import datetime
import re

import pytest
from django.urls import reverse

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_create
from campaign.tests.url_matrix import collect_rules, user_for
from orgs.scoping import unscoped
from pledges.tests.factories import make_pledge, make_rectification, publish_first_version
from reviews.tests.factories import make_review

pytestmark = pytest.mark.django_db

RULES = collect_rules()
ROLES = ("office", "secretary")
# Pages about the set of campaigns itself: they must list the new one.
LISTS_OF_CAMPAIGNS = {"campaign:list", "campaign:choose"}
# Pages that are not about one campaign, by design: the office's log of every change in
# its scope, the public notice boards, one per organization for all its campaigns, and the
# home page, the user's list of what waits and what changed in every campaign.
ACROSS_CAMPAIGNS = {"campaign:audit", "pledges:board_links", "home"}

_MASKS = [
    # Tokens made anew for each response.
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken" value="…"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce="…"'),
    (re.compile(r'"csrfToken": "[^"]*"'), '"csrfToken": "…"'),
    # The menu's count of what waits, across campaigns, as the home page last counted it.
    (re.compile(r'<span class="badge[^"]*" id="waiting-badge".*?</span></span>'), ""),
    # Times of day and "now"-relative texts move between the two requests.
    (re.compile(r"\d{1,2}:\d{2}(:\d{2})?"), "hh:mm"),
]


def masked(response, second: Campaign | None = None) -> str:
    if not response.get("Content-Type", "").startswith("text/html"):
        # Files (.xlsx, .pdf) carry their creation time: compare what they are, not their bytes.
        return f"{response.status_code} {response.get('Content-Type')} {response.get('Content-Disposition', '')}"
    text = response.content.decode()
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    if second is not None:
        # Campaign choosers (the header's and each form's) rightly offer the new campaign.
        text = re.sub(rf'<option value="{second.pk}">{re.escape(second.name)}[^<]*</option> ?', "", text)
    return f"{response.status_code}\n{text}"


def page_addresses(c) -> dict[tuple[str, str], str]:
    """(URL name, role) → address, for every page a GET reads inside the role's scope;
    made once, as the rules' arguments create the objects they name."""
    addresses = {}
    for name, rule in RULES.items():
        if rule.method != "GET" or rule.public or name in LISTS_OF_CAMPAIGNS | ACROSS_CAMPAIGNS:
            continue
        for role in ROLES:
            addresses[(name, role)] = reverse(name, args=rule.args(c, role, "inside") if rule.args else [])
    return addresses


def read_pages(client, c, addresses, campaign, second=None) -> dict[tuple[str, str], str]:
    pages = {}
    for role in ROLES:
        client.force_login(user_for(c, role))
        # The choice the header shows and every page works in, as a user makes it.
        assert client.post(reverse("campaign:choose"), {"campaign": campaign.pk}).status_code == 302
        for (name, page_role), address in addresses.items():
            if page_role == role:
                pages[(name, role)] = masked(client.get(address), second)
    return pages


def start_second_campaign(c) -> Campaign:
    """三好一满意 run by a committee over the secretary's branch, from 2011, with a pledge
    published and a review, a rectification and a member's pledge of its own."""
    bureau = c.township_a  # a committee above the secretary's branch, below the county
    with unscoped("test"):
        second = campaign_create(
            organization=bureau,
            name="三好一满意活动",
            theme="服务好、质量好、医德好、群众满意",
            starts_on=datetime.date(2011, 1, 1),
            ends_on=datetime.date(2012, 12, 31),
            by=None,
        )
        publish_first_version(make_pledge(second, c.branch_a1, title="优质护理病房全覆盖"), datetime.date(2011, 2, 10))
        publish_first_version(make_pledge(second, c.branch_a1, member=c.member_a1), datetime.date(2011, 2, 11))
        make_review(second, c.branch_a1, day=datetime.date(2011, 3, 15), reviewer=c.leader_a)
        make_rectification(second, c.branch_a1, datetime.date(2011, 6, 30))
    return second


def test_every_page_of_the_first_campaign_renders_the_same_after_a_second_starts(client, matrix_county):
    c = matrix_county
    addresses = page_addresses(c)
    with unscoped("test"):
        # Of the county's campaigns the rules set up, the one a user would be working in.
        first = Campaign.objects.filter(organization=c.county).order_by("-pk").first()
    before = read_pages(client, c, addresses, first)

    second = start_second_campaign(c)
    for role in ROLES:  # both see the second campaign now, and still work in the first
        client.force_login(user_for(c, role))
        names = {campaign.name for campaign in client.get(reverse("campaign:choose")).context["campaigns"]}
        assert second.name in names and first.name in names
    after = read_pages(client, c, addresses, first, second)

    changed = sorted(key for key in before if before[key] != after[key])
    assert changed == [], _first_difference(before, after, changed)
    assert len(before) > 100  # the matrix's pages, not a handful


def _first_difference(before, after, changed) -> str:
    if not changed:
        return ""
    return "\n".join(_difference(key, before[key], after[key]) for key in changed)


def _difference(key, before: str, after: str) -> str:
    old, new = before.splitlines(), after.splitlines()
    for number, (line_old, line_new) in enumerate(zip(old, new, strict=False)):
        if line_old != line_new:
            return f"{key}: line {number}\n- {line_old.strip()[:200]}\n+ {line_new.strip()[:200]}"
    return f"{key}: {len(old)} lines before, {len(new)} after"
