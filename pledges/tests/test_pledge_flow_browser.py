"""The pledge flow of issue 3 as people do it, in Chromium, on the demo county:
the 红湾社区 secretary files, the township leader decides, the public sees it on a phone."""

import io
import re

import pytest
from django.core.management import call_command
from PIL import Image

from campaign.devdata.demo_county import DEMO_PASSWORD
from orgs.models import Organization
from orgs.scoping import unscoped

ITEMS = [
    (
        "建成社区便民服务站",
        "协调辖区单位腾出两间用房，配备代办员2名",
        "为居民代办低保、医保",
        "2011-06-30",
        "2011年6月底前服务站开放，每月代办事项不少于30件",
    ),
    (
        "开展“一帮一”结对帮扶",
        "每名党员结对1户困难家庭，每月走访一次",
        "帮助困难家庭解决实际问题",
        "2011-12-31",
        "全年结对帮扶20户，每户走访不少于12次",
    ),
    # The kind of empty pledge the speeches complain about.
    ("进一步加强学习", "切实加强自身建设", "", "2011-12-31", "努力提高服务水平"),
]


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", "--quiet", "--no-activity")
    with unscoped("test"):
        return Organization.objects.get(name="红湾社区党支部")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def add_item(page, target, work, practical, due, result):
    page.get_by_role("link", name="添加事项").click()
    page.get_by_label("争创目标").fill(target)
    page.get_by_label("做哪些工作").fill(work)
    page.get_by_label("为群众办哪些实事").fill(practical)
    page.get_by_label("完成时限").fill(due)
    page.get_by_label("可衡量的成效").fill(result)
    page.get_by_role("button", name="保存").click()


@pytest.mark.browser
def test_pledge_from_filing_to_the_public_board(live_server, demo, logged_in, new_page):
    base = live_server.url
    from playwright.sync_api import expect

    # The secretary files the branch pledge with three items.
    secretary = logged_in("secretary")
    secretary.goto(f"{base}/pledges/new/")
    secretary.get_by_label("承诺标题").fill("红湾社区党支部2011年度承诺")
    secretary.get_by_role("button", name="建立承诺").click()
    expect(secretary.get_by_role("heading", name="红湾社区党支部2011年度承诺")).to_be_visible()
    branch_pledge_url = secretary.url
    for item in ITEMS:
        add_item(secretary, *item)
    # The empty item is flagged before submission, the concrete ones are not.
    warnings = secretary.get_by_role("note")
    expect(warnings).to_have_count(1)
    expect(warnings).to_contain_text("套话")
    secretary.get_by_role("button", name="提交审核").click()
    expect(secretary.get_by_text("待审核").first).to_be_visible()

    # ... and a member's pledge.
    secretary.goto(f"{base}/pledges/new/?for=member")
    member_select = secretary.get_by_label("承诺人")
    member_select.select_option(index=1)
    secretary.get_by_label("承诺标题").fill("带头服务居民的承诺")
    secretary.get_by_role("button", name="建立承诺").click()
    member_pledge_url = secretary.url
    add_item(
        secretary,
        "每周到社区服务站值班一天",
        "接待居民来访，代办事项",
        "代办医保报销",
        "2011-06-30",
        "全年值班不少于48天，代办事项不少于100件",
    )
    secretary.get_by_role("button", name="提交审核").click()
    expect(secretary.get_by_text("待审核").first).to_be_visible()

    # The township leader approves the branch pledge and returns the member's with a reason.
    leader = logged_in("leader")
    leader.goto(branch_pledge_url)
    expect(leader.get_by_role("note")).to_contain_text("套话")  # the approver sees the warnings too
    leader.get_by_role("button", name="审核通过").click()
    expect(leader.get_by_text("已审核").first).to_be_visible()
    leader.goto(member_pledge_url)
    leader.get_by_role("button", name="退回修改").click()
    leader.get_by_label("退回理由").fill("值班时间写具体到每周几，代办事项写明种类。")
    leader.get_by_role("button", name="退回", exact=True).click()
    expect(leader.get_by_text("已退回").first).to_be_visible()

    # The secretary publishes the approved pledge on the notice board.
    secretary.goto(branch_pledge_url)
    secretary.get_by_role("button", name="公示").click()
    secretary.get_by_label("公示方式").select_option(label="公开栏")
    secretary.get_by_label("公示日期").fill("2011-01-05")
    secretary.get_by_role("button", name="确认公示").click()
    expect(secretary.get_by_text("已公示").first).to_be_visible()

    # A progress entry with a photo on the first item.
    secretary.get_by_role("link", name="践诺记录").first.click()
    secretary.get_by_label("日期").fill("2011-03-01")
    secretary.get_by_label("进展情况").fill("服务站已挂牌，两名代办员到岗")
    secretary.locator("input[type=file]").set_input_files(
        files=[{"name": "zhan.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    secretary.locator("form").filter(has=secretary.locator("input[type=file]")).get_by_role("button").last.click()
    expect(secretary.locator("p", has_text="服务站已挂牌，两名代办员到岗")).to_be_visible()

    # Logged out, on a phone: the public board shows the published pledge and the photo,
    # and nothing of the returned member pledge.
    public = new_page(phone=True)
    public.goto(f"{base}/gk/{demo.notice_board_token}/")
    expect(public.get_by_text("红湾社区党支部2011年度承诺")).to_be_visible()
    expect(public.get_by_text("服务站已挂牌，两名代办员到岗")).to_be_visible()
    image = public.locator("img[src*='/files/']").first
    expect(image).to_be_visible()
    assert public.evaluate("img => img.naturalWidth", image.element_handle()) > 0
    html = public.content()
    assert "带头服务居民的承诺" not in html and "值班时间写具体" not in html
    assert public.evaluate("document.documentElement.scrollWidth") <= 390

    # The coverage page counts the branch as covered.
    leader.goto(f"{base}/pledges/coverage/")
    cards = leader.locator("#coverage-cards").inner_text()
    covered = re.search(r"(\d+)\s*/\s*(\d+)\s*组织已承诺", cards)
    assert covered and int(covered[1]) == 1, cards
