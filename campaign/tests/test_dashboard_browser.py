"""Issue 6's walk-through in Chromium on the demo county with its work loaded: the office
reads the dashboard, drills from a township's flagged subjects down to the member,
exports a table and reads the ranking with its breakdown; the 红湾寺镇 leader sees only
her township."""

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_county import DEMO_PASSWORD
from orgs.models import Organization
from orgs.scoping import unscoped
from reviews.models import TallyResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def test_office_drills_down_exports_and_ranks_and_a_leader_sees_her_township(live_server, demo, logged_in):
    from playwright.sync_api import expect

    base = live_server.url
    # The demo office sees the health system's campaign too, and works in the county's.
    office = logged_in("office", campaign=DEMO_CAMPAIGN_NAME)
    office.locator("#main-nav").get_by_role("link", name="进度", exact=True).click()
    expect(office.get_by_role("heading", name=re.compile("工作进度"))).to_be_visible()
    expect(office.locator(".bar-chart")).to_have_count(3)

    # A township row whose 未达标 count links down.
    table = office.locator("table.dashboard-table").first
    township_row = table.locator("tbody tr", has=office.locator("a.link-danger[href*='flagged']")).first
    township = township_row.locator("th a").inner_text()
    township_row.locator("th a").click()
    expect(office.get_by_role("heading", name=re.compile(township))).to_be_visible()

    office.locator("a[href*='flagged']", has_text="个未达标").click()
    expect(office.get_by_role("heading", name=re.compile("满意率未达标的评议对象"))).to_be_visible()
    with unscoped("test"):
        top = Organization.objects.get(name=township)
        flagged = {
            result.subject.member.name
            for result in TallyResult.objects.filter(
                below_threshold=True, category="", subject__member__organization__path__startswith=top.path
            ).select_related("subject__member")
        }
    shown = set(office.locator("tbody tr td:first-child").all_inner_texts())
    assert shown and shown <= flagged

    # The member's own page is one click away.
    member_link = office.locator("tbody tr td:first-child a").first
    member = member_link.inner_text()
    member_link.click()
    office.wait_for_url(re.compile(r"/orgs/members/\d+/"))
    expect(office.get_by_text(member).first).to_be_visible()

    # Every table exports to Excel.
    office.goto(f"{base}/campaigns/dashboard/")
    with office.expect_download() as download:
        office.get_by_role("link", name="导出 Excel").first.click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.values)
    assert rows[1][0] == "组织" and rows[-1][0] == "合计"
    assert any(row[0] == township for row in rows)

    # The ranking, and one organization's points per indicator.
    office.goto(f"{base}/campaigns/scores/")
    office.get_by_role("link", name="排名").first.click()
    expect(office.get_by_role("heading", name=re.compile("考核排名"))).to_be_visible()
    office.locator("table a").first.click()
    for indicator in ("承诺覆盖率", "群众满意率", "督查组评分"):
        expect(office.get_by_text(indicator).first).to_be_visible()

    # The 红湾寺镇 leader, on her phone, sees her township only (one demo load for both).
    leader = logged_in("leader", phone=True)
    leader.goto(f"{base}/campaigns/dashboard/")
    expect(leader.get_by_role("heading", name=re.compile("红湾寺镇党委"))).to_be_visible()
    names = leader.locator("table.dashboard-table").first.locator("tbody th").all_inner_texts()
    with unscoped("test"):
        township = Organization.objects.get(name="红湾寺镇党委")
        own = set(Organization.objects.filter(parent=township).values_list("name", flat=True))
    assert names[0].startswith("红湾寺镇党委")
    assert set(names[1:]) <= own
    assert "皇城镇党委" not in leader.content()
