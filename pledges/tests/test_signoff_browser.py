"""验收销号 in Chromium: a branch secretary reports a task done with a photo on a phone;
the township leader finds it among the tasks awaiting sign-off on an office PC, looks
at the photo and signs it off; the dashboard's verified count rises by one."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaign.campaigns.services import campaign_create
from pledges.models import RectificationStatus
from pledges.rectification import rectification_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _jpeg() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 60)).save(output, "JPEG")
    return output.getvalue()


@pytest.fixture
def running_task(county):
    """A task of the secretary's branch in a campaign running today, so the dashboard's
    current month counts today's sign-off."""
    today = timezone.localdate()
    campaign = campaign_create(
        organization=county.county,
        name="创先争优活动",
        theme="创先争优促赶超，科学发展上水平",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=300),
        by=county.office,
    )
    return rectification_create(
        campaign=campaign,
        organization=county.branch_a1,
        category="服务群众",
        problem="便民服务站开放时间不固定",
        measure="排定值班表并在公开栏公布",
        owner="支部书记 安秀英",
        deadline=today + datetime.timedelta(days=20),
        by=county.secretary_user_a1,
    )


def _verified_on_dashboard(page, base) -> int:
    page.goto(f"{base}{reverse('campaign:dashboard')}")
    page.get_by_role("button", name="重新统计").click()
    return int(page.locator("[data-figure='rectifications-verified']").inner_text())


def test_a_branch_reports_with_a_photo_and_the_township_signs_it_off(live_server, county, running_task, logged_in):
    from playwright.sync_api import expect

    base = live_server.url
    leader = logged_in("leader_a")
    before = _verified_on_dashboard(leader, base)

    secretary = logged_in("secretary_a1", phone=True)
    secretary.goto(f"{base}{running_task.get_absolute_url()}")
    secretary.get_by_role("link", name="报告整改完成").click()
    expect(secretary.get_by_role("heading", name="报告整改完成")).to_be_visible()
    secretary.get_by_label("整改结果").fill("值班表已在公开栏公布，每天8:30至17:30开放。")
    secretary.get_by_label("佐证材料").set_input_files(
        files=[{"name": "公开栏.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    assert _fits(secretary)
    secretary.get_by_role("button", name="报告整改完成").click()
    expect(secretary.locator(".alert-success")).to_contain_text("等待上级党组织或检查组验收销号")
    expect(secretary.get_by_role("img", name="公开栏.jpg")).to_be_visible()
    # The branch cannot sign off its own task.
    expect(secretary.get_by_role("link", name="验收销号或退回")).to_have_count(0)
    assert _fits(secretary)

    leader.goto(f"{base}{reverse('pledges:rectifications_to_verify')}")
    row = leader.locator("tr", has_text="便民服务站开放时间不固定")
    row.get_by_role("link", name="验收").click()
    expect(leader.get_by_role("heading", name="整改验收")).to_be_visible()
    expect(leader.get_by_role("img", name="公开栏.jpg")).to_be_visible()
    leader.get_by_label("验收合格，销号").check()
    leader.get_by_label("验收意见").fill("现场查看，值班表已公布。")
    leader.get_by_role("button", name="提交验收结论").click()
    expect(leader.locator(".alert-success")).to_contain_text("已验收销号")
    expect(leader.locator("h1 + .badge, .badge").first).to_have_text("已验收销号")

    running_task.refresh_from_db()
    assert running_task.status == RectificationStatus.VERIFIED and running_task.lookback_due is not None
    assert _verified_on_dashboard(leader, base) == before + 1
