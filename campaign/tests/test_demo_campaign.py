"""The demo county's 创先争优 campaign, as the county speech of 3 November 2010 sets it out."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from campaign.campaigns.models import Campaign, Phase, SectorTheme, Standard, StandardDimension, StandardSubject
from campaign.campaigns.selectors import phase_on
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME, demo_campaign_load
from orgs.models import Organization, Sector

pytestmark = pytest.mark.django_db

SPEECH_DAY = datetime.date(2010, 11, 3)


def load_demo():
    """The county and the campaign; its work is tested in test_demo_activity.py."""
    out = StringIO()
    call_command("load_demo", "--no-activity", stdout=out)
    return out.getvalue()


def campaign_rows():
    return (
        list(Campaign.objects.order_by("pk").values()),
        list(Phase.objects.order_by("pk").values()),
        list(Standard.objects.order_by("pk").values()),
        list(StandardDimension.objects.order_by("pk").values()),
        list(SectorTheme.objects.order_by("pk").values()),
    )


def test_load_demo_gives_the_county_the_campaign_of_the_speech():
    output = load_demo()

    # The county's campaign; the health system's second one is tested in test_demo_health.py.
    campaign = Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)
    assert f"已建立演示活动“{DEMO_CAMPAIGN_NAME}”" in output
    assert campaign.organization == Organization.objects.get(code="SN")
    assert campaign.theme == "创先争优促赶超，科学发展上水平"
    assert (campaign.satisfaction_threshold, campaign.review_period_months) == (Decimal("90"), 6)
    assert (campaign.reports_per_month, campaign.models_per_quarter) == (3, 1)
    phases = list(Phase.objects.filter(campaign=campaign).order_by("order"))
    assert [phase.name for phase in phases] == ["动员部署", "全面争创", "总结表彰"]
    assert phases[0].starts_on == campaign.starts_on and phases[-1].ends_on == campaign.ends_on
    assert datetime.date(2010, 1, 1) < campaign.starts_on and campaign.ends_on < datetime.date(2013, 1, 1)
    # "目前，我县创先争优活动已进入全面争创，积极推进阶段"
    assert phase_on(campaign, SPEECH_DAY).name == "全面争创"


def test_demo_campaign_has_the_five_goods_and_five_leads_with_their_review_focus():
    load_demo()

    organization = Standard.objects.get(campaign__name=DEMO_CAMPAIGN_NAME, subject=StandardSubject.ORGANIZATION)
    member = Standard.objects.get(campaign__name=DEMO_CAMPAIGN_NAME, subject=StandardSubject.MEMBER)
    assert (organization.name, organization.review_focus) == ("五个好", "引领发展、服务群众、构建和谐、加强基层组织")
    assert (member.name, member.review_focus) == ("五带头", "工作思路、执行能力、效率业绩、廉洁从政、承诺兑现")
    assert [d.name for d in organization.dimensions.order_by("order")] == [
        "领导班子好",
        "党员队伍好",
        "工作机制好",
        "工作业绩好",
        "群众反映好",
    ]
    assert [d.name for d in member.dimensions.order_by("order")] == [
        "带头学习提高",
        "带头争创佳绩",
        "带头服务群众",
        "带头遵纪守法",
        "带头弘扬正气",
    ]
    assert all(len(d.description) >= 15 for d in StandardDimension.objects.all())


def test_demo_campaign_has_a_theme_for_every_sector_as_the_speech_gives_them():
    load_demo()

    themes = dict(SectorTheme.objects.values_list("sector", "theme"))
    assert set(themes) == set(Sector.values)
    assert themes[Sector.COMMUNITY] == "服务居民群众，构建和谐社区"
    assert themes[Sector.RURAL] == "建设“双强”班子、提高“双带”能力、推动经济发展"
    assert themes[Sector.ORGAN] == "转变工作作风，建设廉洁高效机关"
    assert themes[Sector.INSTITUTION] == "加强职业道德、提高服务水平"
    assert themes[Sector.ENTERPRISE] == "强化组织功能、促进企业发展"


def test_loading_the_demo_again_creates_nothing_new():
    load_demo()
    before = campaign_rows()

    output = load_demo()

    assert campaign_rows() == before
    assert f"演示活动“{DEMO_CAMPAIGN_NAME}”已存在，没有重复创建。" in output


def test_loading_the_demo_again_keeps_what_the_office_changed():
    load_demo()
    Campaign.objects.filter(name=DEMO_CAMPAIGN_NAME).update(theme="改过的主题")
    StandardDimension.objects.filter(name="群众反映好").delete()

    county = Organization.objects.get(code="SN")
    result = demo_campaign_load(county=county)

    assert not result.created
    assert Campaign.objects.get(name=DEMO_CAMPAIGN_NAME).theme == "改过的主题"
    assert not StandardDimension.objects.filter(name="群众反映好").exists()
