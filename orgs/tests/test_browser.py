"""The tree as a person sees it: log in through the page in Chromium, on a phone-sized screen."""

import pytest

from orgs.tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def phone_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        yield page
        browser.close()


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Wait for the redirect home: a click on the next page's menu must not land on the login page.
    page.wait_for_url(f"{base_url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_logs_in_and_sees_only_own_branch(live_server, county, phone_page):
    log_in(phone_page, live_server.url, "secretary_a1")
    tree = phone_page.locator("#org-tree")
    tree.wait_for()
    assert "红湾社区党支部" in tree.inner_text()
    assert "北极村党支部" not in phone_page.content()
    # No horizontal scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    phone_page.goto(f"{live_server.url}/orgs/{county.branch_b1.code}/")
    assert "找不到您要的页面" in phone_page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_gets_a_chinese_message(live_server, county, phone_page):
    phone_page.goto(f"{live_server.url}/accounts/login/")
    phone_page.get_by_label("用户名").fill("secretary_a1")
    phone_page.get_by_label("密码").fill("wrong")
    phone_page.get_by_role("button", name="登录").click()
    assert "用户名或密码不正确" in phone_page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tree_filter_narrows_the_tree_as_you_type(live_server, county, phone_page):
    from playwright.sync_api import expect

    log_in(phone_page, live_server.url, "office")
    phone_page.wait_for_load_state("load")  # the filter script runs at the end of the page
    phone_page.get_by_placeholder("按组织名称或编码查找").fill("北极")
    expect(phone_page.get_by_role("link", name="北极村党支部")).to_be_visible()
    expect(phone_page.get_by_role("link", name="许三湾村党支部")).to_be_hidden()
