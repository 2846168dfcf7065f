import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.campaigns.selectors import day_within
from orgs.models import Organization, OrganizationKind
from orgs.tests.factories import make_member, make_organization
from reviews.assignments import subjects_of
from reviews.models import OverdueReview
from reviews.review_coverage import previous_period_start, review_coverage, review_subjects_in
from reviews.tests.factories import make_review

DAY = datetime.date(2010, 9, 15)


def keys(pairs):
    return {(reviewer.pk, subject.key) for reviewer, subject in pairs}


def test_subjects_of_a_subtree_follow_the_rule_of_each_reviewer(county):
    expected = {
        (organization.pk, subject.key)
        for organization in Organization.objects.exclude(kind__in=OrganizationKind.mass_organizations())
        for subject in subjects_of(organization)
    }
    assert keys(review_subjects_in([county.county])) == expected


def test_a_townships_subjects_leave_out_its_own_team_reviewed_by_the_county(county):
    names = [subject.name for _, subject in review_subjects_in([county.township_a])]
    assert sorted(names) == sorted(["红湾社区党支部", "安秀英", "钟建军", "兰永福", "许三湾村党支部", "贺玉梅"])


def test_a_branch_subtree_holds_the_members_its_secretary_reviews(county):
    pairs = review_subjects_in([county.branch_a1])
    assert {(reviewer.name, subject.name) for reviewer, subject in pairs} == {
        ("红湾社区党支部", "钟建军"),
        ("红湾社区党支部", "兰永福"),
    }


def test_subjects_of_a_larger_subtree_take_no_more_queries(county):
    with CaptureQueriesContext(connection) as small:
        review_subjects_in([county.county])
    for number in range(5):
        branch = make_organization(f"新建第{number}党支部", parent=county.township_b)
        make_member(branch, f"新任书记{number}", post="secretary")
        make_member(branch, f"新党员{number}")
    with CaptureQueriesContext(connection) as large:
        pairs = review_subjects_in([county.county])
    assert len(large.captured_queries) == len(small.captured_queries) == 2
    assert len(pairs) == 12 + 15


def test_counts_change_when_a_review_is_made(county, campaign):
    before = review_coverage(county.office, campaign, DAY)
    assert (before.total.organizations, before.total.organizations_reviewed) == (5, 0)
    assert (before.total.members, before.total.members_reviewed) == (7, 0)

    make_review(campaign, county.branch_a1, reviewer=county.leader_a)
    make_review(campaign, county.branch_a1, county.member_a1, reviewer=county.secretary_user_a1)
    after = review_coverage(county.office, campaign, DAY)

    assert (after.total.organizations_reviewed, after.total.members_reviewed) == (1, 1)
    township_a = next(row for row in after.rows if row.organization == county.township_a)
    assert (township_a.organizations, township_a.organizations_reviewed) == (3, 1)
    assert (township_a.members, township_a.members_reviewed) == (5, 1)
    assert "红湾社区党支部" not in [subject.name for _, subject in after.organizations_pending]
    assert "钟建军" not in [subject.name for _, subject in after.members_pending]
    assert "兰永福" in [subject.name for _, subject in after.members_pending]


def test_a_review_of_the_previous_period_does_not_count_for_this_one(county, campaign):
    make_review(campaign, county.branch_a1, day=datetime.date(2010, 5, 20), reviewer=county.leader_a)
    coverage = review_coverage(county.office, campaign, DAY)
    assert coverage.total.organizations_reviewed == 0
    assert coverage.period_start == datetime.date(2010, 7, 1)
    assert coverage.period_end == datetime.date(2010, 12, 31)


def test_a_leader_sees_the_coverage_of_her_township_only(county, campaign):
    coverage = review_coverage(county.leader_a, campaign, DAY)
    assert [row.organization for row in coverage.rows] == [county.branch_a1, county.branch_a2]
    assert (coverage.total.organizations, coverage.total.members) == (2, 4)


def test_overdue_subjects_are_listed_until_reviewed_this_period(county, campaign):
    OverdueReview.objects.create(
        campaign=campaign,
        period_start=previous_period_start(campaign, DAY),
        reviewer_organization=county.township_a,
        organization=county.branch_a2,
        marked_on=datetime.date(2010, 7, 2),
    )
    assert [mark.organization for mark in review_coverage(county.office, campaign, DAY).overdue] == [county.branch_a2]
    make_review(campaign, county.branch_a2, reviewer=county.leader_a)
    assert review_coverage(county.office, campaign, DAY).overdue == []


def _page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("reviews:review_coverage"), params)


def test_the_office_page_shows_the_counts_change(client, county, campaign):
    response = _page(client, county.office)
    assert response.status_code == 200
    assert response.context["coverage"].total.organizations_reviewed == 0
    assert "0 / 5" in response.content.decode()

    # The page shows the campaign's last period once it is over.
    make_review(campaign, county.branch_a1, day=day_within(campaign, timezone.localdate()), reviewer=county.leader_a)
    response = _page(client, county.office)
    assert "1 / 5" in response.content.decode()
    assert response.context["coverage"].total.organizations_reviewed == 1


def test_the_page_takes_as_many_queries_for_a_larger_county(client, county, campaign, django_assert_max_num_queries):
    client.force_login(county.office)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("reviews:review_coverage"))
    for number in range(5):
        branch = make_organization(f"新建第{number}党支部", parent=county.township_b)
        make_member(branch, f"新党员{number}")
        make_review(campaign, branch, day=timezone.localdate(), reviewer=county.office)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("reviews:review_coverage"))
    assert response.context["coverage"].total.organizations == 10


def test_a_secretary_sees_her_branch(client, county, campaign):
    response = _page(client, county.secretary_user_a1)
    assert response.status_code == 200
    names = [subject.name for _, subject in response.context["coverage"].members_pending]
    assert sorted(names) == ["兰永福", "钟建军"]


def test_a_member_may_not_see_the_coverage(client, county, campaign):
    assert _page(client, county.member_user_a1).status_code == 403


def test_a_campaign_out_of_reach_is_not_found(client, county, campaign):
    from campaign.tests.factories import make_campaign

    other_county = make_organization("另一县委", kind="county", sector="organ")
    other = make_campaign(other_county, name="外县活动")
    assert _page(client, county.office, campaign=other.pk).status_code == 404
    assert _page(client, county.office, campaign="abc").status_code == 404
    assert _page(client, county.office, campaign=campaign.pk).status_code == 200


def test_the_export_opens_with_the_counts_and_the_subjects_not_reviewed(client, county, campaign):
    make_review(campaign, county.branch_a1, day=day_within(campaign, timezone.localdate()), reviewer=county.leader_a)
    client.force_login(county.leader_a)
    response = client.get(reverse("reviews:review_coverage_export"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["覆盖情况", "未点评组织", "未点评党员", "逾期未点评"]
    counts = list(workbook["覆盖情况"].values)
    assert counts[1] == ("红湾社区党支部", 1, 1, 3, 0)
    assert counts[-1] == ("合计", 2, 1, 4, 0)
    assert [row[0] for row in list(workbook["未点评组织"].values)[1:]] == ["许三湾村党支部"]


def test_the_page_narrows_to_an_organization_inside_the_scope_only(client, county, campaign):
    response = _page(client, county.office, org=county.township_a.code)
    assert {row.organization for row in response.context["coverage"].rows} <= {
        county.branch_a1,
        county.branch_a2,
    }
    assert "康乐乡党委" not in response.content.decode()
    assert _page(client, county.leader_a, org=county.branch_b1.code).status_code == 404
