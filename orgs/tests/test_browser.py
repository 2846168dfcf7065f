"""The tree as a person sees it: log in through the page in Chromium, on a phone-sized screen."""

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_logs_in_and_sees_only_own_branch(live_server, county, logged_in):
    page = logged_in("secretary_a1", phone=True)
    tree = page.locator("#org-tree")
    tree.wait_for()
    assert "红湾社区党支部" in tree.inner_text()
    assert "北极村党支部" not in page.content()
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/orgs/{county.branch_b1.code}/")
    assert "找不到您要的页面" in page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_gets_a_chinese_message(live_server, county, new_page):
    page = new_page(phone=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("secretary_a1")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码不正确" in page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tree_filter_narrows_the_tree_as_you_type(live_server, county, logged_in):
    from playwright.sync_api import expect

    page = logged_in("office", phone=True)
    page.wait_for_load_state("load")  # the filter script runs at the end of the page
    page.get_by_placeholder("按组织名称或编码查找").fill("北极")
    expect(page.get_by_role("link", name="北极村党支部")).to_be_visible()
    expect(page.get_by_role("link", name="许三湾村党支部")).to_be_hidden()
