"""Undo in Chromium (issue 19): a branch secretary finds a typo in a progress entry,
corrects it on the item's page, and the public notice board shows the corrected text
marked 已更正."""

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.progress import progress_record
from pledges.tests.factories import make_pledge, publish_with_approval

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]


def test_a_secretary_corrects_a_typo_and_the_board_shows_it_marked(county, campaign, logged_in, live_server):
    pledge = make_pledge(campaign, county.branch_a1, title="红湾社区党支部年度承诺")
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    item = pledge.items.get()
    progress_record(
        item=item, by=county.secretary_user_a1, recorded_on=timezone.localdate(), text="便民服务站已动共，月底完工"
    )

    page = logged_in("secretary_a1", phone=True)
    page.goto(f"{live_server.url}{reverse('pledges:item_progress', args=[item.pk])}")
    page.get_by_text("写错了？").click()
    page.get_by_label("更正后的进展情况").fill("便民服务站已动工，月底完工")
    page.get_by_role("button", name="保存更正").click()
    page.get_by_text("践诺记录已更正").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.goto(f"{live_server.url}{reverse('board:organization', args=[county.branch_a1.notice_board_token])}")
    progress = page.locator(".board-progress")
    assert "便民服务站已动工，月底完工" in progress.inner_text()
    assert "已更正" in progress.inner_text()
    assert "动共" not in page.content()
