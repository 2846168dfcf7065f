"""党群共建: a campaign may have the 工会、共青团、妇联 of its subtree take part. Then their
pledges count in coverage and in the dashboard's figures like any unit's; they are
evaluated by the masses as themselves, and may be put forward as models."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaign.campaigns.models import CampaignSubjects
from campaign.dashboard.figures import Period, figures_compute
from campaign.nominations.models import ModelNomination, ModelTitle
from campaign.nominations.services import nomination_create, nomination_titles
from campaign.tests.factories import make_campaign
from orgs.tests.factories import make_staff
from pledges.coverage import coverage_summary, organizations_without_pledge
from pledges.tests.factories import make_pledge, publish_directly

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2011, 1, 20)


@pytest.fixture
def joint_campaign(county):
    return make_campaign(county.county, name="党群共建活动", mass_organizations_take_part=True)


def test_mass_organizations_owe_a_pledge_only_where_the_campaign_says_they_take_part(county, campaign, joint_campaign):
    alone = coverage_summary(campaign, [county.branch_a1], today=TODAY)
    joint = coverage_summary(joint_campaign, [county.branch_a1], today=TODAY)

    assert joint.organizations == alone.organizations + 1
    assert county.union_a1 not in organizations_without_pledge(campaign, [county.branch_a1], today=TODAY)
    assert county.union_a1 in organizations_without_pledge(joint_campaign, [county.branch_a1], today=TODAY)


def test_a_union_s_published_pledge_counts_in_coverage_and_in_the_figures(county, joint_campaign):
    publish_directly(make_pledge(joint_campaign, county.union_a1), on=datetime.date(2011, 1, 10))

    summary = coverage_summary(joint_campaign, [county.branch_a1], today=TODAY)
    month = datetime.date(2011, 1, 1)
    figures = figures_compute(joint_campaign, Period.of(joint_campaign, month, today=TODAY))

    assert county.union_a1 not in organizations_without_pledge(joint_campaign, [county.branch_a1], today=TODAY)
    assert summary.organizations_covered == 1
    union = figures[county.union_a1.pk]
    assert (union.party_organizations, union.organizations_covered) == (1, 1)


def test_the_office_says_so_on_the_campaign_page(client, county, campaign):
    client.force_login(county.office)
    data = {
        "name": campaign.name,
        "theme": campaign.theme,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "satisfaction_threshold": "90",
        "review_period_months": 6,
        "reports_per_month": 3,
        "models_per_quarter": 1,
        "subjects": "party",
        "mass_organizations_take_part": "on",
    }
    assert client.post(reverse("campaign:edit", args=[campaign.pk]), data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.mass_organizations_take_part
    assert "群团组织参加" in client.get(campaign.get_absolute_url()).content.decode()


def test_a_union_is_put_forward_as_an_advanced_collective_on_the_page(client, county, joint_campaign):
    client.force_login(county.secretary_user_a1)
    url = reverse("campaign:nomination_create") + f"?campaign={joint_campaign.pk}"
    page = client.get(url).content.decode()
    assert "红湾社区工会" in page and "先进集体" in page

    response = client.post(
        url + f"&org={county.union_a1.code}",
        {
            "nominee": "org",
            "title": ModelTitle.ADVANCED_COLLECTIVE,
            "deeds": "组织职工开展技能比武，帮扶困难职工12户。",
        },
    )

    assert response.status_code == 302
    nomination = ModelNomination.objects.get(organization=county.union_a1)
    assert nomination.get_title_display() == "先进集体"
    assert "先进集体" in client.get(nomination.get_absolute_url()).content.decode()


def test_a_union_is_no_model_where_mass_organizations_do_not_take_part(county, campaign):
    with pytest.raises(ValidationError) as refused:
        nomination_create(campaign=campaign, organization=county.union_a1, deeds="帮扶困难职工。", by=county.office)
    assert "不推荐“红湾社区工会”参评" in refused.value.messages[0]


def test_staff_outside_the_party_are_model_workers_and_pacesetters_not_excellent_party_members(county):
    units = make_campaign(county.county, name="三好一满意活动", subjects=CampaignSubjects.UNITS)
    nurse = make_staff(county.branch_a1, "牛护士", job_title="护士长", gender="female", birth=datetime.date(1995, 2, 2))

    assert nomination_titles(units, member=nurse) == [
        ModelTitle.MODEL_WORKER,
        ModelTitle.ADVANCED_YOUTH,
        ModelTitle.WOMEN_PACESETTER,
    ]
    with pytest.raises(ValidationError) as refused:
        nomination_create(
            campaign=units,
            member=nurse,
            title=ModelTitle.EXCELLENT_PARTY_MEMBER,
            deeds="护理零差错。",
            by=county.office,
        )
    assert "不能推荐为“优秀共产党员”，可以推荐为：模范职工、先进青年、巾帼标兵" in refused.value.messages[0]
    nomination = nomination_create(
        campaign=units, member=nurse, title=ModelTitle.WOMEN_PACESETTER, deeds="护理零差错。", by=county.office
    )
    assert nomination.title == ModelTitle.WOMEN_PACESETTER


def test_the_county_s_campaign_gives_only_its_two_honours(county, campaign):
    assert nomination_titles(campaign, organization=county.branch_a1) == [ModelTitle.ADVANCED_PARTY_ORGANIZATION]
    assert nomination_titles(campaign, member=county.member_a1) == [ModelTitle.EXCELLENT_PARTY_MEMBER]
    with pytest.raises(ValidationError):
        nomination_create(
            campaign=campaign,
            member=county.member_a1,
            title=ModelTitle.MODEL_WORKER,
            deeds="值班认真。",
            by=county.office,
        )
