"""Issue 5's walk-through in Chromium on the demo county: the 红湾寺镇 secretary reviews a
branch and one of its leadership team, the branch secretary reviews two members, a member
reads his review and starts a revision of his pledge from it, and the office's coverage
counts change."""

import datetime
import re

import pytest
from django.core.management import call_command

from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_county import DEMO_PASSWORD
from orgs.models import Member, Organization, User
from orgs.scoping import unscoped
from pledges.lifecycle import pledge_approve, pledge_publish, pledge_submit
from pledges.models import Pledge, PledgeState
from pledges.tests.factories import make_pledge
from reviews.models import Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    """The demo county, with a published pledge of the demo member to revise later."""
    call_command("load_demo", "--quiet", "--no-activity")
    with unscoped("test"):
        member_user = User.objects.get(username="member")
        secretary = User.objects.get(username="secretary")
        leader = User.objects.get(username="leader")
        from campaign.campaigns.models import Campaign

        pledge = make_pledge(
            Campaign.objects.get(name=DEMO_CAMPAIGN_NAME), member_user.member.organization, member=member_user.member
        )
        pledge_submit(pledge=pledge, by=secretary)
        pledge_approve(pledge=pledge, by=leader)
        pledge_publish(pledge=pledge, by=secretary, channel="notice_board", published_on=datetime.date(2011, 1, 5))
        branch = Organization.objects.get(name="红湾社区党支部")
        others = list(Member.objects.filter(organization=branch, post="member").exclude(pk=member_user.member_id)[:1])
        return {"pledge": pledge, "member": member_user.member, "other": others[0], "secretary": secretary.member}


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def review_from_due_list(page, base, subject_name, text):
    from playwright.sync_api import expect

    page.goto(f"{base}/evaluations/leader/due/")
    page.locator("tr, li, .card", has_text=subject_name).get_by_role("link", name="点评", exact=True).first.click()
    page.get_by_label("成绩").first.fill(text)
    page.get_by_label("问题").first.fill("联系群众的办法还不多。")
    page.get_by_label("努力方向和整改措施").first.fill("每月走访困难户不少于2次。")
    page.get_by_role("button", name="保存点评").click()
    expect(page.get_by_text(text)).to_be_visible()


def coverage_counts(page, base):
    page.goto(f"{base}/evaluations/coverage/")
    organizations = re.search(r"(\d+)\s*/\s*(\d+)", page.locator("#organizations-reviewed").inner_text())
    members = re.search(r"(\d+)\s*/\s*(\d+)", page.locator("#members-reviewed").inner_text())
    return int(organizations[1]), int(members[1])


def test_reviews_from_due_lists_to_a_pledge_revision(live_server, demo, logged_in):
    from playwright.sync_api import expect

    base = live_server.url
    # The demo office sees the health system's campaign too, and works in the county's.
    office = logged_in("office", campaign=DEMO_CAMPAIGN_NAME)
    before = coverage_counts(office, base)

    # The township secretary reviews the branch and its secretary.
    leader = logged_in("leader")
    review_from_due_list(leader, base, "红湾社区党支部", "社区便民服务站已建成。")
    review_from_due_list(leader, base, demo["secretary"].name, "带头走访困难群众。")

    # The branch secretary reviews two members.
    secretary = logged_in("secretary")
    review_from_due_list(secretary, base, demo["member"].name, "值班认真，代办事项及时。")
    review_from_due_list(secretary, base, demo["other"].name, "按时参加组织生活。")

    # The member reads his review, acknowledges it and revises his pledge from it.
    member = logged_in("member", phone=True)
    with unscoped("test"):
        review = Review.objects.get(member=demo["member"])
    member.goto(f"{base}/evaluations/leader/{review.pk}/")
    expect(member.get_by_text("值班认真，代办事项及时。")).to_be_visible()
    member.get_by_role("button", name="确认阅知").click()
    member.get_by_role("button", name="按照点评修改我的承诺").click()
    with unscoped("test"):
        pledge = Pledge.objects.get(pk=demo["pledge"].pk)
        review.refresh_from_db()
    assert review.acknowledged_at is not None
    assert pledge.state == PledgeState.DRAFT and pledge.revised_after_review_id == review.pk

    # The office's coverage counts: one more organization, three more members reviewed.
    after = coverage_counts(office, base)
    assert after == (before[0] + 1, before[1] + 3)
