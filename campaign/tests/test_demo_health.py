"""The demo county's second campaign: the health system's 三好一满意, run by the 卫生党总支
over its hospitals and health units while the county's 创先争优 runs over everything."""

import datetime

import pytest
from django.urls import reverse

from campaign.campaigns.models import Campaign, StandardSubject
from campaign.campaigns.services import campaign_may_edit, campaign_organization_choices
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_health import HEALTH_CAMPAIGN_NAME
from campaign.scores.models import ScoreSheet
from orgs.models import Grade, Organization, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def test_the_health_campaign_overlaps_the_countys_in_time_and_subtree():
    county, health = Campaign.objects.get(name=DEMO_CAMPAIGN_NAME), Campaign.objects.get(name=HEALTH_CAMPAIGN_NAME)

    assert health.organization.code == "SN-WS" and health.organization.is_within(county.organization)
    assert health.theme == "服务好、质量好、医德好、群众满意"
    assert health.starts_on == datetime.date(2011, 3, 1) and county.contains_date(health.starts_on)
    assert [phase.name for phase in health.phases.order_by("order")] == ["动员部署", "组织实施", "总结评估"]
    standard = health.standards.get(subject=StandardSubject.ORGANIZATION)
    assert standard.name == "三好一满意标准"
    assert [d.name for d in standard.dimensions.order_by("order")] == ["服务好", "质量好", "医德好", "群众满意"]
    assert ScoreSheet.objects.get(campaign=health).total_points == 1000


def test_the_hospitals_have_grades_and_unit_types():
    graded = {
        organization.name: (organization.grade, organization.unit_type)
        for organization in Organization.objects.filter(parent__code="SN-WS").exclude(kind="union")
    }
    assert graded["县人民医院党支部"] == (Grade.THIRD, "综合医院")
    assert graded["县中医医院党支部"] == (Grade.SECOND, "中医医院")
    assert [name for name, (grade, _type) in graded.items() if grade == Grade.FIRST] == [
        "皇城镇中心卫生院党支部",
        "明花乡卫生院党支部",
    ]
    assert Organization.objects.filter(code="SN-WS-ZYY-GH", kind="union").exists()


def test_the_health_office_runs_its_campaign_only(client):
    weisheng = User.objects.get(username="weisheng")
    county = Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)
    health = Campaign.objects.get(name=HEALTH_CAMPAIGN_NAME)

    assert weisheng.role == Role.OFFICE and weisheng.organization.code == "SN-WS"
    assert [organization.code for organization in campaign_organization_choices(weisheng)] == ["SN-WS"]
    assert campaign_may_edit(weisheng, health) and not campaign_may_edit(weisheng, county)
    client.force_login(weisheng)
    names = {campaign.name for campaign in client.get(reverse("campaign:choose")).context["campaigns"]}
    assert names == {DEMO_CAMPAIGN_NAME, HEALTH_CAMPAIGN_NAME}
