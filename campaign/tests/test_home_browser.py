"""Issue 19 in Chromium: a branch secretary submits a pledge; the township leader's home
page lists it under 待办 with one button that opens the approval page, on an office PC
and on a phone, neither wider than its window."""

import os

import pytest

from pledges.tests.factories import make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_submitted_pledge_waits_on_the_leaders_home_with_one_button_to_approve(
    live_server, county, campaign, logged_in
):
    from playwright.sync_api import expect

    pledge = make_pledge(campaign, county.branch_a1, title="建成社区便民服务站")
    secretary = logged_in("secretary_a1", phone=True)
    secretary.goto(f"{live_server.url}/pledges/{pledge.pk}/")
    secretary.get_by_role("button", name="提交审核").click()
    expect(secretary.get_by_text("待审核").first).to_be_visible()

    shots = os.environ.get("HOME_SCREENSHOTS")
    for phone in (False, True):
        leader = logged_in("leader_a", phone=phone)
        item = leader.locator("#waiting [data-kind='pledge_submitted']")
        expect(item).to_contain_text("建成社区便民服务站")
        expect(item.get_by_role("link")).to_have_count(1)
        if not phone:  # on a phone the menu, and its badge, are folded away
            expect(leader.locator("#waiting-badge")).to_have_text("1项待办")
        assert _fits(leader)
        if shots:
            leader.screenshot(path=f"{shots}/home_leader_{390 if phone else 1280}.png", full_page=True)
        item.get_by_role("link", name="审核").click()
        leader.wait_for_url(f"{live_server.url}/pledges/{pledge.pk}/")
        expect(leader.get_by_role("button", name="审核通过")).to_be_visible()
        assert _fits(leader)


def test_a_members_home_offers_his_pledge_reviews_and_rectifications_on_a_phone(
    live_server, county, campaign, logged_in
):
    from playwright.sync_api import expect

    member = logged_in("member_a1", phone=True)
    cards = member.locator("#member-cards")
    for card in ("我的承诺", "对我的点评", "我的整改"):
        expect(cards.get_by_role("heading", name=card)).to_be_visible()
    expect(member.locator("#tree-filter")).to_have_count(0)
    assert _fits(member)
    shots = os.environ.get("HOME_SCREENSHOTS")
    if shots:
        member.screenshot(path=f"{shots}/home_member_390.png", full_page=True)
    cards.get_by_role("link", name="填写我的承诺").click()
    member.wait_for_url("**/pledges/new/?for=member")
