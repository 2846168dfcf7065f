"""巡回检查 in Chromium, as a new user would do it: the inspection group plans a visit to a
branch on the office PC, records it on a phone on site, records two findings (one with a
photo) and turns one into a rectification task with a deadline; the branch secretary then
finds the new task in the branch's rectification list. No page is wider than its window."""

import io
import os

import pytest
from PIL import Image

from campaign.inspections.models import Finding, Visit, VisitState
from pledges.models import RectificationSource

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("INSPECTION_SCREENSHOTS", "")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_an_inspector_records_a_visit_and_the_branch_finds_its_task(live_server, county, campaign, logged_in, tmp_path):
    from playwright.sync_api import expect

    photo = tmp_path / "公开栏.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    office_pc = logged_in("inspector_b")
    office_pc.goto(f"{live_server.url}/")
    expect(office_pc.locator("#account-role")).to_have_text("巡回检查组（查阅，记录检查和验收）")
    office_pc.get_by_role("button", name="检查", exact=True).click()
    office_pc.get_by_role("link", name="巡回检查").click()
    expect(office_pc.get_by_role("heading", name="巡回检查")).to_be_visible()
    office_pc.get_by_role("link", name="安排检查").click()
    office_pc.get_by_label("检查对象").select_option(label="北极村党支部")
    office_pc.get_by_label("计划日期").fill("2011-05-10")
    office_pc.get_by_label("检查组成员").fill("张明、李芳")
    office_pc.get_by_label("听取汇报").check()
    office_pc.get_by_label("查阅资料").check()
    _shot(office_pc, "plan-1280")
    office_pc.get_by_role("button", name="安排").click()
    expect(office_pc.locator("[data-state='planned']")).to_have_text("已计划")
    expect(office_pc.locator("#checklist")).to_contain_text("领导班子好")
    assert _fits(office_pc)
    visit = Visit.objects.get()

    phone = logged_in("inspector_b", phone=True)
    phone.goto(f"{live_server.url}{visit.get_absolute_url()}")
    phone.get_by_role("link", name="记录检查情况").click()
    phone.get_by_label("检查日期").fill("2011-05-10")
    phone.get_by_label("实地考察").check()
    phone.get_by_label("检查情况").fill("听取支部书记汇报，查阅三会一课记录，察看了公开栏。")
    rows = phone.locator("fieldset.checklist-row")
    rows.nth(0).get_by_label("符合").check()
    rows.nth(1).get_by_label("发现问题").check()
    rows.nth(1).locator("textarea").fill("公开栏内容还是去年的。")
    rows.nth(2).get_by_label("发现问题").check()
    rows.nth(2).locator("textarea").fill("三会一课记录缺三月、四月。")
    assert _fits(phone)
    _shot(phone, "record-390")
    phone.get_by_role("button", name="保存检查记录").click()
    expect(phone.locator("[data-state='recorded']")).to_have_text("已检查")
    assert _fits(phone)

    # First finding: with a photo, only recorded.
    phone.get_by_role("link", name="登记这一项的问题").first.click()
    phone.get_by_label("发现的问题").fill("公开栏未按季度更新，群众反映看不到新内容。")
    phone.get_by_label("照片或文件").set_input_files(str(photo))
    expect(phone.locator("[data-action-part='rectify']")).to_be_hidden()
    assert _fits(phone)
    phone.get_by_role("button", name="登记").click()
    expect(phone.locator("#findings")).to_contain_text("公开栏未按季度更新")
    expect(phone.locator("#findings img")).to_have_count(1)

    # Second finding: a rectification task with a deadline.
    phone.get_by_role("link", name="登记这一项的问题").nth(1).click()
    phone.get_by_label("发现的问题").fill("三会一课记录缺三月、四月两个月。")
    phone.get_by_label("交办整改任务").check()
    expect(phone.locator("[data-action-part='rectify']")).to_be_visible()
    phone.get_by_label("问题类别").fill("组织生活")
    phone.get_by_label("整改要求").fill("补齐记录，按月召开支部党员大会。")
    phone.get_by_label("责任人").fill("杜德明")
    phone.get_by_label("整改时限").fill("2011-06-30")
    _shot(phone, "finding-390")
    assert _fits(phone)
    phone.get_by_role("button", name="登记").click()
    expect(phone.locator("#findings")).to_contain_text("已交办整改")
    expect(phone.locator("#findings")).to_contain_text("组织生活，限 2011-06-30 前整改")
    assert _fits(phone)
    _shot(phone, "visit-390")
    office_pc.reload()
    _shot(office_pc, "visit-1280")
    assert _fits(office_pc)

    visit.refresh_from_db()
    assert visit.state == VisitState.RECORDED and Finding.objects.filter(visit=visit).count() == 2
    task = Finding.objects.get(rectification__isnull=False).rectification
    assert task.source == RectificationSource.INSPECTION and task.organization == county.branch_b1

    secretary = logged_in("secretary_b1")
    secretary.goto(f"{live_server.url}/")
    secretary.get_by_role("button", name="整改", exact=True).click()
    secretary.get_by_role("link", name="整改任务").click()
    expect(secretary.locator("main")).to_contain_text("三会一课记录缺三月、四月两个月")
    secretary.get_by_role("button", name="检查", exact=True).click()
    secretary.get_by_role("link", name="巡回检查").click()
    secretary.locator("#visit-list a", has_text="北极村党支部").first.click()
    expect(secretary.locator("#findings")).to_contain_text("公开栏未按季度更新")
    expect(secretary.get_by_role("link", name="登记检查发现")).to_have_count(0)
