"""工作部署 in Chromium, as the county office and three branches do it: the office sends a
task with a file to three branches; two branch secretaries return it, one with a file,
one after the deadline; the third is late, the office reminds it and the reminder is on
that branch's home page; the returns export to .xlsx. Pages fit an office PC and a phone."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from campaign.dispatch.models import DispatchReturn, DispatchTask
from campaign.tests.factories import make_campaign
from orgs.tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "关于书面报告公开承诺兑现情况的通知"


def _png() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, format="PNG")
    return {"name": "兑现情况报告.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _return(page, live_server, text, *, with_file=False):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    tasks = page.locator("#waiting li[data-kind='dispatch_return']")
    expect(tasks).to_contain_text(TITLE)
    tasks.get_by_role("link", name="去报送").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_label("报告内容").fill(text)
    if with_file:
        page.get_by_label("书面报告文件").set_input_files(_png())
    assert _fits(page)
    page.locator("main").get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("办理情况已报送")


def test_the_office_dispatches_branches_return_the_late_one_is_reminded_and_returns_export(
    live_server, county, logged_in, tmp_path
):
    from playwright.sync_api import expect

    make_campaign(county.county, ends_on=datetime.date(2030, 12, 31))
    make_user("secretary_a2", "secretary", organization=county.branch_a2)
    deadline = timezone.localdate() + datetime.timedelta(days=3)

    office = logged_in("office")
    office.goto(f"{live_server.url}/")
    office.get_by_role("button", name="检查", exact=True).click()
    office.get_by_role("link", name="工作部署").click()
    office.get_by_role("link", name="部署工作").click()
    office.get_by_role("button", name="部署").click()
    expect(office.locator("#dispatch-form")).to_contain_text("请填写标题。")
    office.get_by_label("标题").fill(TITLE)
    office.get_by_label("工作要求").fill("请对照年初公开承诺，书面报告兑现情况。")
    office.get_by_label("报送时限").fill(deadline.isoformat())
    for name in ("红湾社区党支部", "许三湾村党支部", "北极村党支部"):
        office.get_by_label(name).check()
    office.get_by_label("附件").set_input_files({**_png(), "name": "通知.png"})
    office.screenshot(path=str(tmp_path / "dispatch-form.png"), full_page=True)
    office.get_by_role("button", name="部署").click()
    expect(office.locator("#dispatch-counts")).to_contain_text("承办单位 3 个")
    task = DispatchTask.objects.get(title=TITLE)

    # Two branches return: 红湾社区 in time with its report as a file.
    secretary_a1 = logged_in("secretary_a1", phone=True)
    _return(secretary_a1, live_server, "年初承诺8项，已兑现7项。", with_file=True)
    expect(secretary_a1.locator("#return-files")).to_contain_text("兑现情况报告.png")

    # Days pass (moved back in the data): 红湾社区 returned two days ago, the deadline was
    # yesterday; 许三湾村 returns today, a day late, and 北极村 not at all.
    DispatchTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    DispatchReturn.objects.filter(recipient__task=task).update(returned_at=timezone.now() - datetime.timedelta(days=2))
    secretary_a2 = logged_in("secretary_a2")
    _return(secretary_a2, live_server, "承诺事项已基本兑现。")
    expect(secretary_a2.locator("[data-state='late']").first).to_have_text("逾期报送")

    office.goto(f"{live_server.url}{task.get_absolute_url()}")
    table = office.locator("#returns-table")
    expect(table.locator("tr[data-organization='红湾社区党支部']")).to_have_attribute("data-state", "on_time")
    expect(table.locator("tr[data-organization='许三湾村党支部']")).to_have_attribute("data-state", "late")
    expect(table.locator("tr[data-organization='北极村党支部']")).to_have_attribute("data-state", "overdue")
    office.get_by_role("button", name="催报").click()
    expect(office.locator(".alert-success")).to_contain_text("已向 1 个单位发出催报提醒")
    assert _fits(office)
    office.screenshot(path=str(tmp_path / "dispatch-task.png"), full_page=True)

    secretary_b1 = logged_in("secretary_b1", phone=True)
    reminders = secretary_b1.locator("#waiting")
    expect(reminders).to_contain_text("工作部署催报")
    expect(reminders).to_contain_text(TITLE[:20])
    assert _fits(secretary_b1)
    secretary_b1.screenshot(path=str(tmp_path / "dispatch-home.png"), full_page=True)

    with office.expect_download() as download_info:
        office.get_by_role("link", name="导出报送情况（Excel）").click()
    path = tmp_path / "returns.xlsx"
    download_info.value.save_as(path)
    rows = [[cell.value for cell in line] for line in load_workbook(path).active.iter_rows()]
    by_unit = {line[1]: line for line in rows[2:]}
    assert set(by_unit) == {"红湾社区党支部", "许三湾村党支部", "北极村党支部"}
    assert by_unit["许三湾村党支部"][3] == "逾期报送" and by_unit["许三湾村党支部"][6] == "承诺事项已基本兑现。"
    assert by_unit["红湾社区党支部"][3] == "已报" and by_unit["红湾社区党支部"][7] == "兑现情况报告.png"
    assert by_unit["北极村党支部"][3] == "逾期未报"
