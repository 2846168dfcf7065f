"""The dashboard's figures agree with the live pages, on the demo county, for every month
of its campaign.

The figures rollup (campaign.dashboard.figures) stores each organization's own counts for a month;
the pledge coverage page (pledges.coverage) and the review coverage page
(reviews.review_coverage) count a subtree live. Both are meant to count with one set of
rules; here each month's rows are refreshed as of the month's last day and held against
the pages asked about that day.

The pages count subtrees, so each organization with children is asked about: on the
pledge coverage page its own line must equal its own row, and on both pages each child's
line the sum of the rows of that child's subtree. The review page leaves out the
organization it is asked about (reviewed from above), so the campaign's organization is
checked through the page's total. Every row is then pinned: as an own line or a child's
line for pledges; by subtracting the children's subtrees from a subtree for reviews.

Loading the demo county takes most of the time (demo_county_loaded, once for the module).
"""

import datetime
from collections import defaultdict

import pytest

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import figures_refresh, months_of
from campaign.dashboard.models import OrganizationFigures
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from orgs.models import Organization, OrganizationKind, User
from pledges.coverage import coverage_summary
from pledges.selectors import rectification_tally
from reviews.review_coverage import review_coverage

pytestmark = pytest.mark.django_db

# What the pledge coverage page shows on a line, and the rollup's name for each figure.
PLEDGE_FIGURES = {
    "organizations": "party_organizations",
    "organizations_covered": "organizations_covered",
    "members": "members",
    "members_covered": "members_covered",
    "late_items": "late_items",
    "supervised": "supervised",
    "pledges_assessed": "pledges_assessed",
    "pledges_fulfilled": "pledges_fulfilled",
}
# What the review coverage page shows, with organizations and members added up.
REVIEW_FIGURES = ("reviews_due", "reviews_done")
# What the live count of rectifications (pledges.selectors.rectification_tally) gives a subtree.
RECTIFICATION_FIGURES = {
    "verified": "rectifications_verified",
    "to_verify": "rectifications_to_verify",
    "unsolved": "rectifications_open",
}
ROLLUP_NAMES = (*PLEDGE_FIGURES.values(), *REVIEW_FIGURES, *RECTIFICATION_FIGURES.values())


class Rows:
    """One month's rollup rows, by organization and summed over subtrees, and the day
    they were counted as of."""

    def __init__(self, campaign: Campaign, month: datetime.date):
        rows = OrganizationFigures.objects.filter(campaign=campaign, month=month).values(
            "organization_id", "organization__path", "as_of", *ROLLUP_NAMES
        )
        self.own = {row["organization_id"]: row for row in rows}
        (self.as_of,) = {row["as_of"] for row in rows}

    def own_line(self, organization: Organization, names) -> dict[str, int]:
        return {name: self.own[organization.pk][name] for name in names}

    def subtree(self, organization: Organization, names) -> dict[str, int]:
        under = [row for row in self.own.values() if row["organization__path"].startswith(organization.path)]
        return {name: sum(row[name] for row in under) for name in names}


def pledge_line(line) -> dict[str, int]:
    """A pledge coverage page's line in the rollup's names; a line the page leaves out counts nothing."""
    return {rollup: getattr(line, name) if line else 0 for name, rollup in PLEDGE_FIGURES.items()}


def review_line(line) -> dict[str, int]:
    if line is None:
        return dict.fromkeys(REVIEW_FIGURES, 0)
    return {
        "reviews_due": line.organizations + line.members,
        "reviews_done": line.organizations_reviewed + line.members_reviewed,
    }


def month_disagreements(campaign: Campaign, office: User, month: datetime.date) -> list[str]:
    """What the pages count on the day the month's rows were counted as of, against
    those rows, as readable lines."""
    rows = Rows(campaign, month)
    root = campaign.organization
    organizations = list(
        Organization.objects.filter(path__startswith=root.path).exclude(kind__in=OrganizationKind.mass_organizations())
    )
    children = defaultdict(list)
    for organization in organizations:
        children[organization.parent_id].append(organization)
    found = []

    def compare(what: str, organization: Organization, page: dict, rollup: dict) -> None:
        if page != rollup:
            found.append(f"{month:%Y-%m} {organization.name} {what}: page {page} ≠ rollup {rollup}")

    for organization in organizations:
        if organization.pk not in children:
            continue
        pledges = coverage_summary(campaign, [organization], today=rows.as_of)
        pledge_lines = {line.organization.pk: line for line in pledges.rows}
        reviews = review_coverage(office, campaign, rows.as_of, organization=organization)
        review_lines = {line.organization.pk: line for line in reviews.rows}
        own = rows.own_line(organization, PLEDGE_FIGURES.values())
        compare("pledges, own level", organization, pledge_line(pledge_lines.get(organization.pk)), own)
        for child in children[organization.pk]:
            compare(
                "pledges", child, pledge_line(pledge_lines.get(child.pk)), rows.subtree(child, PLEDGE_FIGURES.values())
            )
            compare("reviews", child, review_line(review_lines.get(child.pk)), rows.subtree(child, REVIEW_FIGURES))
        if organization == root:
            compare("reviews, total", root, review_line(reviews.total), rows.subtree(root, REVIEW_FIGURES))
    # Rectifications: every organization's subtree, signed off apart from only reported.
    for organization in organizations:
        tally = rectification_tally(campaign=campaign, organization=organization, as_of=rows.as_of)
        live = {rollup: getattr(tally, name) for name, rollup in RECTIFICATION_FIGURES.items()}
        compare("rectifications", organization, live, rows.subtree(organization, RECTIFICATION_FIGURES.values()))
    return found


def test_every_rollup_row_equals_the_live_pages_for_every_month(demo_county_loaded):
    campaign = Campaign.objects.select_related("organization").get(name=DEMO_CAMPAIGN_NAME)
    office = User.objects.get(username="office")
    # A day after the campaign: every month is counted as of its last day.
    today = campaign.ends_on + datetime.timedelta(days=1)
    months = sorted(months_of(campaign, today=today))
    assert len(months) == 30  # May 2010 to October 2012

    found = []
    for month in months:
        figures_refresh(campaign=campaign, month=month, today=today)
        found += month_disagreements(campaign, office, month)

    assert not found, f"{len(found)} disagreements, the first:\n" + "\n".join(found[:20])
    # Every compared figure has something to count in some month, so agreeing says something.
    rows = OrganizationFigures.objects.filter(campaign=campaign).values_list(*ROLLUP_NAMES)
    assert all(any(row[index] for row in rows) for index in range(len(ROLLUP_NAMES)))
