"""推荐建议 in Chromium: the county office opens 典型培树, finds the branch whose pledge was
assessed 兑现优秀 among the suggestions, starts a nomination from it with the deeds already
written from the pledge, and submits it; the suggestion then shows as nominated. The page
fits a phone's width too."""

import re

import pytest

from campaign.nominations.models import ModelNomination
from pledges.assessment import pledge_assess
from pledges.models import Fulfillment
from pledges.tests.factories import make_pledge, publish_with_approval

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outstanding(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, title="建成社区便民服务站")
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    return pledge_assess(
        pledge=pledge, by=county.leader_a, fulfillment=Fulfillment.OUTSTANDING, comment="全部按期兑现，群众满意"
    )


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_office_nominates_a_branch_from_its_outstanding_pledge(
    live_server, county, campaign, outstanding, logged_in
):
    from playwright.sync_api import expect

    office = logged_in("office")
    office.goto(f"{live_server.url}/campaigns/models/?campaign={campaign.pk}")
    suggestions = office.locator("#nomination-suggestions")
    expect(suggestions).to_contain_text("红湾社区党支部")
    expect(suggestions).to_contain_text("兑现优秀")
    expect(suggestions).to_contain_text("建成社区便民服务站")
    assert _fits(office)

    suggestions.get_by_role("link", name="推荐红湾社区党支部").click()
    expect(office.get_by_role("heading", name="推荐典型")).to_be_visible()
    expect(office.get_by_label("主要事迹")).to_have_value(
        re.compile("公开承诺“建成社区便民服务站”经上级评定为“兑现优秀”")
    )
    office.get_by_label("推荐意见").fill("同意推荐为先进基层党组织。")
    office.get_by_role("button", name="提交推荐").click()
    expect(office.get_by_text("已推荐“红湾社区党支部”。")).to_be_visible()

    nomination = ModelNomination.objects.get()
    assert (nomination.organization, nomination.member, nomination.nominated_by) == (
        county.branch_a1,
        None,
        county.office,
    )
    office.goto(f"{live_server.url}/campaigns/models/?campaign={campaign.pk}")
    expect(office.locator("#nomination-suggestions")).to_contain_text("已推荐（推荐中）")

    phone = logged_in("leader_a", phone=True)
    phone.goto(f"{live_server.url}/campaigns/models/?campaign={campaign.pk}")
    expect(phone.locator("#nomination-suggestions")).to_contain_text("红湾社区党支部")
    phone.screenshot(path="/tmp/pledgeloop_phone.png", full_page=True)
    office.screenshot(path="/tmp/pledgeloop_office.png", full_page=True)
    assert _fits(phone)
