"""Any organization's 活动办公室 runs campaigns over its own subtree: a health bureau's
office sets up 三好一满意 over the hospitals while the county runs 创先争优 over all."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_create, campaign_may_edit, campaign_organization_choices
from orgs.models import OrganizationKind, Role, Sector
from orgs.tests.factories import make_member, make_organization, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def health(county, campaign):
    """县卫生局党委 under the county, a hospital branch under it, its office and the
    hospital's secretary; the county's 创先争优 is running."""
    bureau = make_organization(
        "县卫生局党委", parent=county.county, kind=OrganizationKind.COMMITTEE, sector=Sector.INSTITUTION
    )
    hospital = make_organization("县人民医院党支部", parent=bureau, sector=Sector.INSTITUTION)
    secretary = make_member(hospital, "李淑芬", post="secretary")
    county.bureau, county.hospital = bureau, hospital
    county.health_office = make_user("weisheng", Role.OFFICE, organization=bureau)
    county.hospital_secretary = make_user("hospital_secretary", Role.SECRETARY, organization=hospital, member=secretary)
    return county


def campaign_data(organization, **fields):
    return {
        "organization": organization.pk,
        "name": "三好一满意活动",
        "theme": "服务好、质量好、医德好、群众满意",
        "starts_on": "2011-03-01",
        "ends_on": "2012-12-31",
        "satisfaction_threshold": "90",
        "basic_satisfied_counts": "on",
        "ballot_batch_size": "10",
        "review_period_months": "6",
        "reports_per_month": "3",
        "models_per_quarter": "1",
        **fields,
    }


def test_the_office_role_is_named_for_any_organization():
    assert Role.OFFICE.label == "活动办公室"


def test_health_office_may_run_campaigns_only_for_its_own_subtree(health):
    assert list(campaign_organization_choices(health.health_office)) == [health.bureau]
    with pytest.raises(PermissionDenied, match="主办组织的活动办公室"):
        campaign_create(
            organization=health.county,
            name="越权的活动",
            theme="",
            starts_on=datetime.date(2011, 1, 1),
            ends_on=datetime.date(2011, 12, 31),
            by=health.health_office,
        )
    assert not Campaign.objects.filter(name="越权的活动").exists()


def test_health_office_creates_and_edits_its_campaign_but_not_the_countys(client, health, campaign):
    client.force_login(health.health_office)

    refused = client.post(reverse("campaign:create"), campaign_data(health.county, name="越权的活动"))
    assert refused.status_code == 200 and "只能选择您管理范围内的" in refused.content.decode()
    assert not Campaign.objects.filter(name="越权的活动").exists()

    created = client.post(reverse("campaign:create"), campaign_data(health.bureau))
    assert created.status_code == 302
    own = Campaign.objects.get(name="三好一满意活动")
    assert own.organization == health.bureau and campaign_may_edit(health.health_office, own)

    edited = client.post(reverse("campaign:edit", args=[own.pk]), campaign_data(health.bureau, name="三好一满意"))
    assert edited.status_code == 302
    own.refresh_from_db()
    assert own.name == "三好一满意"

    # The county's campaign covers the bureau, so its office reads it, and may not change it.
    assert not campaign_may_edit(health.health_office, campaign)
    assert client.get(reverse("campaign:detail", args=[campaign.pk])).status_code == 200
    county_edit = client.post(reverse("campaign:edit", args=[campaign.pk]), campaign_data(health.county, name="改名"))
    assert county_edit.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "创先争优活动"


def chooser_names(client, user):
    client.force_login(user)
    response = client.get(reverse("campaign:choose"))
    assert response.status_code == 200
    return {campaign.name for campaign in response.context["campaigns"]}


def test_county_office_and_hospital_secretary_choose_between_both_campaigns(client, health, campaign):
    campaign_create(
        organization=health.bureau,
        name="三好一满意活动",
        theme="服务好、质量好、医德好、群众满意",
        starts_on=datetime.date(2011, 3, 1),
        ends_on=datetime.date(2012, 12, 31),
        by=health.health_office,
    )

    assert chooser_names(client, health.office) == {"创先争优活动", "三好一满意活动"}
    assert chooser_names(client, health.hospital_secretary) == {"创先争优活动", "三好一满意活动"}
    # Outside the health subtree, only the county's.
    assert chooser_names(client, health.secretary_user_a1) == {"创先争优活动"}
