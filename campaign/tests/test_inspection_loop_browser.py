"""The inspection loop of issue 18 in Chromium, end to end as the people in it would do it:
the inspection group visits a branch and records two findings, one of which becomes a
rectification task; the branch reports it done with a photo; the township signs it off;
the dashboard's signed-off count rises; the branch's dossier PDF holds all of it."""

import datetime
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaign.campaigns.services import campaign_create
from orgs.models import Role
from orgs.tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg(colour) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(output, "JPEG")
    return output.getvalue()


@pytest.fixture
def running_campaign(county):
    # Running today, so that the dashboard's current month counts today's sign-off.
    today = timezone.localdate()
    return campaign_create(
        organization=county.county,
        name="创先争优活动",
        theme="创先争优促赶超，科学发展上水平",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=300),
        by=county.office,
    )


def _signed_off_on_dashboard(page, base) -> int:
    page.goto(f"{base}{reverse('campaign:dashboard')}")
    page.get_by_role("button", name="重新统计").click()
    return int(page.locator("[data-figure='rectifications-verified']").inner_text())


def test_a_finding_becomes_a_task_that_is_reported_signed_off_and_filed_in_the_dossier(
    live_server, county, running_campaign, logged_in, read_pdf
):
    from playwright.sync_api import expect

    base = live_server.url
    today = timezone.localdate()
    make_user("leader_b", Role.LEADER, organization=county.township_b)
    township = logged_in("leader_b")
    before = _signed_off_on_dashboard(township, base)

    # The inspection group plans the visit and records it on site with two findings.
    inspector = logged_in("inspector_b")
    inspector.goto(f"{base}/")
    inspector.get_by_role("button", name="检查", exact=True).click()
    inspector.get_by_role("link", name="巡回检查").click()
    inspector.get_by_role("link", name="安排检查").click()
    inspector.get_by_label("检查对象").select_option(label="北极村党支部")
    inspector.get_by_label("计划日期").fill(today.isoformat())
    inspector.get_by_label("检查组成员").fill("张明、李芳")
    inspector.get_by_label("听取汇报").check()
    inspector.get_by_role("button", name="安排").click()
    inspector.get_by_role("link", name="记录检查情况").click()
    inspector.get_by_label("检查日期").fill(today.isoformat())
    inspector.get_by_label("明察暗访").check()
    inspector.get_by_label("检查情况").fill("察看公开栏，查阅三会一课记录。")
    rows = inspector.locator("fieldset.checklist-row")
    rows.nth(0).get_by_label("发现问题").check()
    rows.nth(0).locator("textarea").fill("公开栏内容还是去年的。")
    rows.nth(1).get_by_label("发现问题").check()
    rows.nth(1).locator("textarea").fill("三会一课记录不全。")
    inspector.get_by_role("button", name="保存检查记录").click()
    expect(inspector.locator("[data-state='recorded']")).to_have_text("已检查")

    inspector.get_by_role("link", name="登记这一项的问题").first.click()
    inspector.get_by_label("发现的问题").fill("公开栏未按季度更新，群众看不到新内容。")
    inspector.get_by_label("照片或文件").set_input_files(
        files=[{"name": "公开栏现场.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((200, 200, 200))}]
    )
    inspector.get_by_role("button", name="登记").click()
    expect(inspector.locator("#findings")).to_contain_text("公开栏未按季度更新")

    inspector.get_by_role("link", name="登记这一项的问题").nth(1).click()
    inspector.get_by_label("发现的问题").fill("三会一课记录缺三月、四月两个月。")
    inspector.get_by_label("交办整改任务").check()
    inspector.get_by_label("问题类别").fill("组织生活")
    inspector.get_by_label("整改要求").fill("补齐记录，按月召开支部党员大会。")
    inspector.get_by_label("责任人").fill("杜德明")
    inspector.get_by_label("整改时限").fill((today + datetime.timedelta(days=20)).isoformat())
    inspector.get_by_role("button", name="登记").click()
    expect(inspector.locator("#findings")).to_contain_text("已交办整改")

    # The branch finds the task and reports it done with a photo.
    branch = logged_in("secretary_b1", phone=True)
    branch.goto(f"{base}{reverse('pledges:rectifications')}")
    branch.get_by_role("link", name="三会一课记录缺三月、四月两个月").first.click()
    branch.get_by_role("link", name="报告整改完成").click()
    branch.get_by_label("整改结果").fill("已补齐三月、四月记录，五月起按月召开党员大会。")
    branch.get_by_label("佐证材料").set_input_files(
        files=[{"name": "会议记录.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((40, 120, 60))}]
    )
    branch.get_by_role("button", name="报告整改完成").click()
    expect(branch.locator(".alert-success")).to_contain_text("等待上级党组织或检查组验收销号")

    # The township signs it off; the dashboard counts it.
    township.goto(f"{base}{reverse('pledges:rectifications_to_verify')}")
    township.locator("tr", has_text="三会一课记录缺三月、四月两个月").get_by_role("link", name="验收").click()
    township.get_by_label("验收合格，销号").check()
    township.get_by_label("验收意见").fill("查阅记录本，三月、四月记录已补齐。")
    township.get_by_role("button", name="提交验收结论").click()
    expect(township.locator(".alert-success")).to_contain_text("已验收销号")
    assert _signed_off_on_dashboard(township, base) == before + 1

    # The branch's dossier holds the visit, both findings, the task, its evidence and sign-off.
    township.goto(f"{base}{county.branch_b1.get_absolute_url()}")
    township.get_by_role("link", name="案卷").click()
    township.get_by_role("button", name="生成案卷").click()
    expect(township.locator("[data-percent]")).to_have_text("100%", timeout=90_000)
    with township.expect_download() as download:
        township.get_by_role("link", name="下载案卷 PDF").click()
    contents = read_pdf(Path(download.value.path()).read_bytes())
    text = "".join(contents.pages).replace("\n", "")
    for expected in (
        "公开栏未按季度更新",
        "公开栏现场.jpg",
        "三会一课记录缺三月、四月两个月",
        "已补齐三月、四月记录",
        "会议记录.jpg",
        "查阅记录本，三月、四月记录已补齐。",
        "已验收销号",
        "明察暗访",
    ):
        assert expected in text, expected
    assert contents.missing_glyphs() == []
