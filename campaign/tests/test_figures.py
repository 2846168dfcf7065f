"""The per-organization figures behind the dashboard and the score sheet, on the small
county with answers worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from campaign.dashboard.figures import Figures, Period, figures_by_subtree, figures_compute, figures_refresh, months_of
from campaign.dashboard.models import OrganizationFigures
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.reports.models import InfoReport
from campaign.tests.factories import at
from orgs.models import OrganizationKind, Post
from orgs.tests.factories import make_member, make_organization
from pledges.models import Rectification, Supervision
from pledges.tests.factories import make_pledge, make_rectification, publish_first_version
from reviews.models import EvaluationSubject, RoundState, TallyResult
from reviews.review_coverage import review_coverage, review_subjects_in
from reviews.tests.factories import make_review, make_round

SEPTEMBER = datetime.date(2010, 9, 1)
SEPTEMBER_END = datetime.date(2010, 9, 30)  # what its figures are counted as of
LATER = datetime.date(2011, 3, 1)  # "today" for the tests: every 2010 month is over


def compute(campaign, month=SEPTEMBER, today=LATER):
    return figures_compute(campaign, Period.of(campaign, month, today=today))


def test_mass_organizations_get_no_figures(county, campaign):
    figures = compute(campaign)
    assert county.union_a1.pk not in figures
    assert sum(own.party_organizations for own in figures.values()) == 6


def test_pledge_coverage_counts_what_was_published_by_the_end_of_the_month(county, campaign):
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 20))
    publish_first_version(make_pledge(campaign, county.branch_a1, member=county.member_a1), datetime.date(2010, 10, 5))
    make_pledge(campaign, county.branch_a2)  # a draft covers nobody

    september, october = compute(campaign), compute(campaign, datetime.date(2010, 10, 1))

    assert september[county.branch_a1.pk].organizations_covered == 1
    assert september[county.branch_a2.pk].organizations_covered == 0
    assert (september[county.branch_a1.pk].members, september[county.branch_a1.pk].members_covered) == (3, 0)
    assert october[county.branch_a1.pk].members_covered == 1


def test_items_due_done_and_late_by_the_day(county, campaign):
    pledge = make_pledge(campaign, county.branch_b1, items=3)
    publish_first_version(pledge, datetime.date(2010, 6, 1))
    first, second, third = pledge.items.order_by("order")
    for item, due, done in (
        (first, datetime.date(2010, 8, 31), datetime.date(2010, 8, 30)),  # done in time
        (second, datetime.date(2010, 9, 10), datetime.date(2010, 10, 2)),  # done late, after September
        (third, datetime.date(2010, 12, 31), None),  # not due in September
    ):
        item.due_date, item.completed_on = due, done
        item.save()

    own = compute(campaign)[county.branch_b1.pk]

    assert (own.items_due, own.items_done, own.late_items) == (2, 1, 1)
    assert compute(campaign, datetime.date(2010, 10, 1))[county.branch_b1.pk].late_items == 0


def test_reviews_due_are_the_review_subjects_and_done_counts_each_subject_once(county, campaign):
    make_member(county.branch_a2, "刘文斌")
    make_review(campaign, county.township_a, reviewer=county.office)
    make_review(campaign, county.township_a, reviewer=county.office)  # the same subject again counts once
    make_review(
        campaign,
        county.branch_a1,
        county.member_a1,
        reviewer=county.secretary_user_a1,
        reviewer_organization=county.branch_a1,
    )

    figures = compute(campaign)

    assert sum(own.reviews_due for own in figures.values()) == len(review_subjects_in([county.county]))
    assert figures[county.township_a.pk].reviews_due == 2  # itself and its secretary
    assert figures[county.branch_a1.pk].reviews_due == 4  # itself, its secretary and two members
    assert figures[county.township_a.pk].reviews_done == 1
    assert figures[county.branch_a1.pk].reviews_done == 1


def test_a_member_reviewed_before_moving_branch_counts_where_he_is_due_as_on_the_review_page(county, campaign):
    branch, secretary = county.branch_a1, county.secretary_user_a1
    make_review(campaign, branch, county.member_a1, reviewer=secretary, reviewer_organization=branch)
    county.member_a1.organization = county.branch_a2
    county.member_a1.save()

    figures = compute(campaign)
    page = review_coverage(county.office, campaign, SEPTEMBER_END, organization=county.township_a)

    lines = {line.organization: line.members_reviewed for line in page.rows}
    assert lines == {county.branch_a1: 0, county.branch_a2: 1}
    assert figures[county.branch_a1.pk].reviews_done == 0
    assert figures[county.branch_a2.pk].reviews_done == 1


def test_satisfaction_and_subjects_below_the_threshold_from_the_overall_tally(county, campaign):
    evaluation_round = make_round(
        campaign,
        county.branch_a1,
        state=RoundState.TALLIED,
        opens_at=at(datetime.date(2010, 9, 1)),
        closes_at=at(datetime.date(2010, 9, 10)),
    )
    subjects = {subject.member_id: subject for subject in EvaluationSubject.objects.filter(round=evaluation_round)}
    for member_id, satisfied, basically, dissatisfied, unknown in (
        (None, 8, 1, 1, 0),
        (county.member_a1.pk, 6, 1, 3, 2),
        (county.other_member_a1.pk, 10, 0, 0, 0),
    ):
        counted = satisfied + basically + dissatisfied
        TallyResult.objects.create(
            round=evaluation_round,
            subject=subjects[member_id],
            forms=counted + unknown,
            # 创先争优: 基本满意 counts as satisfied.
            satisfied=satisfied + basically,
            dissatisfied=dissatisfied,
            choice_counts={"satisfied": satisfied, "basically": basically, "dissatisfied": dissatisfied},
            unknown=unknown,
            satisfaction=Decimal(100) * (satisfied + basically) / counted,
            below_threshold=(satisfied + basically) * 100 < 90 * counted,
        )
    # Per category rows are not counted twice.
    TallyResult.objects.create(
        round=evaluation_round, subject=subjects[None], category="public", forms=5, satisfied=5, satisfaction=100
    )

    own = compute(campaign)[county.branch_a1.pk]

    assert (own.rounds_held, own.subjects_evaluated, own.subjects_below) == (1, 3, 1)
    assert (own.votes_counted, own.votes_satisfied) == (30, 26)
    # The round belongs to the half-year: October still counts it, January does not.
    assert compute(campaign, datetime.date(2010, 10, 1))[county.branch_a1.pk].subjects_below == 1
    assert compute(campaign, datetime.date(2011, 1, 1))[county.branch_a1.pk].rounds_held == 0


def test_rectifications_open_overdue_and_closed_on_time(county, campaign):
    make_rectification(campaign, county.branch_a2, datetime.date(2010, 9, 15), solved_on=datetime.date(2010, 9, 14))
    make_rectification(campaign, county.branch_a2, datetime.date(2010, 9, 20), solved_on=datetime.date(2010, 10, 3))
    late = make_rectification(campaign, county.branch_a2, datetime.date(2010, 9, 25))
    Rectification.objects.update(created_at=at(datetime.date(2010, 8, 1)))
    Supervision.objects.create(
        organization=county.branch_a2,
        rectification=late,
        supervisor=county.office,
        deadline=datetime.date(2010, 10, 10),
    )
    Supervision.objects.update(opened_at=at(datetime.date(2010, 9, 26)))

    own = compute(campaign)[county.branch_a2.pk]

    assert (own.rectifications_open, own.rectifications_overdue) == (2, 2)
    assert (own.rectifications_due, own.rectifications_on_time) == (3, 1)
    assert own.supervised == 1


def test_reports_against_the_monthly_quota(county, campaign):
    for day in (3, 10, 20):
        InfoReport.objects.create(
            campaign=campaign,
            organization=county.branch_a1,
            title="社区开展承诺践诺活动",
            body="……",
            reported_on=datetime.date(2010, 9, day),
            category="work_news",
            adopted_level="county" if day == 3 else "",
        )
    figures = compute(campaign)

    assert (figures[county.branch_a1.pk].reports, figures[county.branch_a1.pk].reports_adopted) == (3, 1)
    assert figures[county.branch_a1.pk].reports_short == 0
    assert figures[county.branch_a2.pk].reports_short == 1
    assert sum(own.reports_quota for own in figures.values()) == 6 * campaign.reports_per_month


def test_models_against_the_quarterly_quota_of_townships(county, campaign):
    nomination = ModelNomination.objects.create(
        title="party_organization",
        campaign=campaign,
        organization=county.branch_b1,
        deeds="带领群众发展特色养殖",
        nominating_organization=county.branch_b1,
        current_level=county.county,
        status=NominationStatus.SELECTED,
    )
    ModelNomination.objects.filter(pk=nomination.pk).update(
        created_at=at(datetime.date(2010, 7, 20)), decided_at=at(datetime.date(2010, 9, 28))
    )

    figures = compute(campaign)

    assert figures[county.township_a.pk].models_quota == campaign.models_per_quarter
    assert figures[county.branch_b1.pk].models_quota == 0
    assert (figures[county.branch_b1.pk].models_nominated, figures[county.branch_b1.pk].models_selected) == (1, 1)
    assert compute(campaign, datetime.date(2010, 10, 1))[county.branch_b1.pk].models_selected == 0


def test_the_rollup_takes_ten_queries_whatever_the_size_of_the_tree(county, campaign, django_assert_num_queries):
    with django_assert_num_queries(10):
        compute(campaign)
    township = make_organization("马蹄藏族乡党委", parent=county.county, kind=OrganizationKind.COMMITTEE)
    for number in range(3):
        branch = make_organization(f"马蹄第{number}村党支部", parent=township)
        make_member(branch, f"书记{number}", post=Post.SECRETARY)
        make_member(branch, f"党员{number}")

    with django_assert_num_queries(10):
        figures = compute(campaign)

    assert len(figures) == 6 + 4


def test_refresh_replaces_the_month_and_sums_by_subtree(county, campaign):
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 2))
    assert figures_refresh(campaign=campaign, month=SEPTEMBER, today=LATER) == 6
    publish_first_version(make_pledge(campaign, county.branch_a2), datetime.date(2010, 9, 3))
    figures_refresh(campaign=campaign, month=SEPTEMBER, today=LATER)

    assert OrganizationFigures.objects.filter(campaign=campaign, month=SEPTEMBER).count() == 6
    totals = figures_by_subtree(campaign, SEPTEMBER, [county.county, county.township_a, county.township_b])
    assert totals[county.township_a.pk].organizations_covered == 2
    assert totals[county.township_a.pk].party_organizations == 3
    assert totals[county.county.pk].party_organizations == 6
    assert totals[county.township_b.pk].organizations_covered == 0


def test_the_current_month_is_counted_as_of_today(county, campaign):
    period = Period.of(campaign, SEPTEMBER, today=datetime.date(2010, 9, 12))
    assert period.as_of == datetime.date(2010, 9, 12)
    assert period.review_start == datetime.date(2010, 7, 1)
    assert period.quarter_start == datetime.date(2010, 7, 1)


def test_months_offered_run_from_the_campaign_start_to_today(campaign):
    months = months_of(campaign, today=datetime.date(2010, 7, 9))
    assert months[0] == datetime.date(2010, 7, 1)
    assert months[-1] == datetime.date(2010, 4, 1)


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 3, Decimal("33.3")), (2, 3, Decimal("66.7")), (0, 0, None)]
)
def test_shares_are_rounded_half_up_and_empty_without_a_whole(part, whole, expected):
    assert Figures(organizations_covered=part, party_organizations=whole).organizations_percent == expected
