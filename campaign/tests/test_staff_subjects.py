"""Whom a campaign judges. 创先争优 judges party members; 三好一满意 and 平安单位 judge whole
units and all their staff. One rule (Member.objects.for_campaign, Campaign.covers_member)
decides pledges, coverage, evaluation rounds and nominations; leader reviews against
五带头 stay with party members whatever the campaign."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaign.campaigns.models import CampaignSubjects
from campaign.dashboard.figures import Period, figures_compute
from campaign.nominations.services import nomination_create
from campaign.tests.factories import make_campaign
from orgs.models import Member
from orgs.tests.factories import make_staff
from pledges.coverage import coverage_summary, members_without_pledge
from pledges.services import pledge_create
from reviews.assignments import may_review, subjects_of
from reviews.forms import member_choices_for
from reviews.review_coverage import review_subjects_in
from reviews.reviewing import review_create
from reviews.rounds import round_create, subject_add

NOW = timezone.now()


@pytest.fixture
def nurse(county):
    """Staff of 红湾社区党支部's unit outside the party."""
    return make_staff(county.branch_a1, "牛护士", job_title="护士长", birth=datetime.date(1990, 2, 2))


@pytest.fixture
def units_campaign(county):
    return make_campaign(county.county, name="三好一满意活动", subjects=CampaignSubjects.UNITS)


def new_round(campaign, county):
    return round_create(
        campaign=campaign,
        organization=county.branch_a1,
        period="2010年下半年",
        briefing_on=datetime.date(2010, 12, 20),
        briefing_kind="briefing",
        briefing_summary="通报了全年承诺践诺情况。",
        opens_at=NOW,
        closes_at=NOW + datetime.timedelta(days=3),
        categories={"public": 20},
        by=county.secretary_user_a1,
    )


def member_subjects(evaluation_round):
    return {subject.member.name for subject in evaluation_round.subjects.filter(member__isnull=False)}


def test_party_members_and_a_campaign_s_subjects_are_one_queryset_rule(county, campaign, units_campaign, nurse):
    branch = Member.objects.filter(organization=county.branch_a1)
    assert nurse not in branch.party_members()
    assert nurse not in branch.for_campaign(campaign)
    assert nurse in branch.for_campaign(units_campaign)
    both = make_campaign(county.county, name="平安单位创建", subjects=CampaignSubjects.BOTH)
    assert nurse in branch.for_campaign(both)
    assert not campaign.covers_member(nurse) and units_campaign.covers_member(nurse)
    assert campaign.covers_member(county.member_a1)


def test_staff_outside_the_party_pledge_only_in_a_campaign_about_units(county, campaign, units_campaign, nurse):
    with pytest.raises(ValidationError, match="个人承诺只由党员填报"):
        pledge_create(
            campaign=campaign,
            organization=county.branch_a1,
            member=nurse,
            kind="annual",
            title="牛护士的承诺",
            by=county.secretary_user_a1,
        )
    pledge = pledge_create(
        campaign=units_campaign,
        organization=county.branch_a1,
        member=nurse,
        kind="annual",
        title="牛护士的承诺",
        by=county.secretary_user_a1,
    )
    assert pledge.member == nurse


@pytest.mark.parametrize("covers_staff", [False, True])
def test_the_member_pledge_form_offers_the_campaign_s_subjects(client, county, nurse, covers_staff):
    subjects = CampaignSubjects.UNITS if covers_staff else CampaignSubjects.PARTY
    campaign = make_campaign(county.county, subjects=subjects)
    client.force_login(county.secretary_user_a1)

    response = client.get(reverse("pledges:create"), {"for": "member", "campaign": campaign.pk})

    offered = set(response.context["form"].fields["member"].queryset)
    assert county.member_a1 in offered
    assert (nurse in offered) is covers_staff


def test_a_posted_member_pledge_of_staff_outside_the_party_is_refused_in_a_party_campaign(
    client, county, campaign, nurse
):
    client.force_login(county.secretary_user_a1)

    response = client.post(
        reverse("pledges:create") + "?for=member",
        {"campaign": campaign.pk, "member": nurse.pk, "kind": "annual", "title": "牛护士的承诺"},
    )

    assert response.status_code == 200
    assert not nurse.pledges.exists()


def test_pledge_coverage_counts_the_campaign_s_subjects(county, campaign, units_campaign, nurse):
    today = datetime.date(2011, 1, 10)
    party = coverage_summary(campaign, [county.branch_a1], today=today)
    units = coverage_summary(units_campaign, [county.branch_a1], today=today)

    assert units.members == party.members + 1
    assert nurse not in members_without_pledge(campaign, [county.branch_a1], today=today)
    assert nurse in members_without_pledge(units_campaign, [county.branch_a1], today=today)


def test_the_dashboard_figures_count_the_campaign_s_subjects(county, campaign, units_campaign, nurse):
    month = datetime.date(2011, 1, 1)
    party = figures_compute(campaign, Period.of(campaign, month, today=month))[county.branch_a1.pk]
    units = figures_compute(units_campaign, Period.of(units_campaign, month, today=month))[county.branch_a1.pk]

    assert units.members == party.members + 1
    # Leader reviews stay with party members in both.
    assert units.reviews_due == party.reviews_due


def test_an_evaluation_round_evaluates_staff_outside_the_party_only_in_a_campaign_about_units(
    county, campaign, units_campaign, nurse
):
    party_round = new_round(campaign, county)
    units_round = new_round(units_campaign, county)

    assert "牛护士" not in member_subjects(party_round)
    assert "钟建军" in member_subjects(party_round)
    assert "牛护士" in member_subjects(units_round)
    assert nurse not in member_choices_for(party_round)
    with pytest.raises(ValidationError, match="只评议党员"):
        subject_add(evaluation_round=party_round, member=nurse, by=county.secretary_user_a1)


def test_leader_reviews_of_members_never_list_staff_outside_the_party(county, campaign, units_campaign, nurse):
    assert "牛护士" not in {subject.name for subject in subjects_of(county.branch_a1)}
    assert "钟建军" in {subject.name for subject in subjects_of(county.branch_a1)}
    assert nurse not in {pair.subject.member for pair in review_subjects_in([county.county])}
    assert not may_review(county.secretary_user_a1, county.branch_a1, nurse)


def test_staff_outside_the_party_are_nominated_only_in_a_campaign_about_units(county, campaign, units_campaign, nurse):
    with pytest.raises(ValidationError, match="不是中共党员"):
        nomination_create(campaign=campaign, member=nurse, deeds="护理工作零差错。", by=county.secretary_user_a1)
    nomination = nomination_create(
        campaign=units_campaign, member=nurse, deeds="护理工作零差错。", by=county.secretary_user_a1
    )
    assert nomination.member == nurse


def test_a_review_of_staff_outside_the_party_is_refused_even_in_a_campaign_about_units(county, units_campaign, nurse):
    # Even by the branch's own secretary: 五带头 is a party standard.
    with pytest.raises(PermissionDenied):
        review_create(
            campaign=units_campaign,
            organization=county.branch_a1,
            member=nurse,
            form="meeting",
            reviewed_on=datetime.date(2010, 9, 15),
            sections={},
            requires_rectification=False,
            by=county.secretary_user_a1,
        )


def test_pages_of_a_campaign_about_units_count_people_not_party_members(client, county, units_campaign, nurse):
    client.force_login(county.office)
    page = client.get(reverse("pledges:coverage") + f"?campaign={units_campaign.pk}").content.decode()
    assert "人员已承诺" in page and "党员已承诺" not in page
