"""重大情况报告 in Chromium: a branch secretary reports an incident on a phone, past its
limit, and sees it marked 迟报 with its veto and rectification; an inspection group
registers a 瞒报 on an office PC; neither page is wider than its window."""

import re

import pytest

from campaign.incidents.models import Incident, IncidentKind, VetoRule
from campaign.tests.factories import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def safety_campaign(county):
    campaign = make_campaign(county.county, name="平安单位创建活动")
    IncidentKind.objects.create(
        campaign=campaign, name="安全生产事故", phone_limit_hours=1, written_limit_hours=24, veto_rule=VetoRule.LATE
    )
    return campaign


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_secretary_reports_late_on_a_phone_and_an_inspector_registers_a_concealment(
    live_server, county, safety_campaign, logged_in
):
    from playwright.sync_api import expect

    secretary = logged_in("secretary_a1", phone=True)
    secretary.goto(f"{live_server.url}/campaigns/incidents/?campaign={safety_campaign.pk}")
    expect(secretary.get_by_role("heading", name="重大情况报告")).to_be_visible()
    assert _fits(secretary)
    secretary.get_by_role("link", name="报告重大情况").click()
    expect(secretary.get_by_role("heading", name="报告重大情况")).to_be_visible()
    secretary.get_by_label("情况类别").select_option(label="安全生产事故（电话 1 小时内，书面 24 小时内）")
    secretary.get_by_label("发生时间").fill("2011-03-05T09:00")
    secretary.get_by_label("电话报告时间").fill("2011-03-05T11:30")
    secretary.get_by_label("基本情况").fill("社区仓库发生火情，无人员伤亡。")
    assert _fits(secretary)
    secretary.get_by_role("button", name="报告").click()
    expect(secretary.locator("[data-timeliness='late']")).to_have_text("迟报")
    expect(secretary.locator("[data-veto='1']")).to_be_visible()
    expect(secretary.locator("#incident-rectification")).to_contain_text("已为该单位建立整改任务")
    assert _fits(secretary)

    inspector = logged_in("inspector_b")
    inspector.goto(f"{live_server.url}/campaigns/incidents/?campaign={safety_campaign.pk}")
    inspector.get_by_role("link", name="登记检查发现").click()
    inspector.get_by_label("发生单位").select_option(label="北极村党支部")
    inspector.get_by_label("情况类别").select_option(label="安全生产事故（电话 1 小时内，书面 24 小时内）")
    inspector.get_by_label("发生时间").fill("2011-04-02T15:00")
    inspector.get_by_label("基本情况").fill("明察暗访发现村道交通事故，未报告。")
    inspector.get_by_role("button", name="登记").click()
    expect(inspector.locator("[data-timeliness='concealed']")).to_have_text("瞒报")
    inspector.locator("nav.small a", has_text="重大情况报告").click()
    expect(inspector.locator("#incident-register")).to_contain_text(re.compile("北极村党支部"))
    # The inspector sees none of 红湾社区's incidents.
    expect(inspector.locator("#incident-register")).not_to_contain_text("红湾社区")
    assert Incident.objects.filter(found_by_inspection=True, organization=county.branch_b1).count() == 1
