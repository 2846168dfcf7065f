"""Readable by older eyes on old PCs (issue 19), measured in Chromium on the demo county:
for the office, a secretary, a member and an inspection group, on a 1024 px and a 1280 px
screen, the menu stays on one line without folding away and without breaking a word, its
text has WCAG AA contrast, no visible text is under 12 px and the body text is at least
14 px; on a phone the dashboard keeps its first column; printed, the menu is gone and a
header says what was printed and when."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_county import DEMO_PASSWORD
from orgs.scoping import unscoped
from reviews.models import EvaluationRound, RoundState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1024, 1280)

# The menu's top-level entries, each with its height and the height one line of it takes.
MENU_JS = """() => {
  const collapse = document.querySelector('#main-nav');
  const toggler = document.querySelector('#main-navbar .navbar-toggler');
  const entries = [...document.querySelectorAll(
    '#main-navbar .navbar-brand, #main-nav > ul > li > .nav-link')].map((link) => {
    const style = getComputedStyle(link);
    const box = link.getBoundingClientRect();
    return {
      text: link.textContent.trim(),
      middle: box.top + box.height / 2,
      height: box.height,
      oneLine: parseFloat(style.lineHeight) + parseFloat(style.paddingTop) + parseFloat(style.paddingBottom),
      right: box.right,
    };
  });
  return {
    collapsed: getComputedStyle(collapse).display === 'none' || getComputedStyle(toggler).display !== 'none',
    barHeight: collapse.getBoundingClientRect().height,
    width: document.documentElement.clientWidth,
    entries,
  };
}"""

# Every visible element that holds text of its own, with its computed font size.
FONT_JS = """() => {
  const sizes = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
    if (!own || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden') continue;
    if (element.closest('[hidden], .visually-hidden, .dropdown-menu:not(.show)')) continue;
    sizes.push([parseFloat(style.fontSize), element.tagName + ' ' + element.className + ' ' +
                element.textContent.trim().slice(0, 30)]);
  }
  sizes.sort((a, b) => a[0] - b[0]);
  return {smallest: sizes.slice(0, 5), body: parseFloat(getComputedStyle(document.body).fontSize)};
}"""

# WCAG contrast of each menu entry's text against the bar's colour.
CONTRAST_JS = """() => {
  const rgba = (text) => text.match(/[\\d.]+/g).map(Number).concat([1]).slice(0, 4);
  const luminance = ([r, g, b]) => {
    const linear = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (element) => {
    for (; element; element = element.parentElement) {
      const colour = rgba(getComputedStyle(element).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  };
  return [...document.querySelectorAll('#main-navbar .navbar-brand, #main-nav > ul > li > .nav-link')].map((link) => {
    const back = background(link);
    const [r, g, b, a] = rgba(getComputedStyle(link).color);
    const text = [r, g, b].map((c, i) => c * a + back[i] * (1 - a));
    const [light, dark] = [luminance(text), luminance(back)].sort((x, y) => y - x);
    return [link.textContent.trim(), (light + 0.05) / (dark + 0.05)];
  });
}"""


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def _menu_is_one_line(page, where: str) -> None:
    menu = page.evaluate(MENU_JS)
    assert not menu["collapsed"], f"{where}: the menu folded away"
    entries = menu["entries"]
    for entry in entries:
        assert entry["height"] <= entry["oneLine"] + 1, f"{where}: {entry['text']} wraps"
        assert abs(entry["middle"] - entries[0]["middle"]) <= 3, f"{where}: {entry['text']} is on a second row"
    assert menu["barHeight"] <= max(entry["height"] for entry in entries) + 1, f"{where}: the menu takes two rows"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), where


def _fonts_are_readable(page, where: str) -> None:
    fonts = page.evaluate(FONT_JS)
    assert fonts["body"] >= 14, where
    assert fonts["smallest"][0][0] >= 12, f"{where}: {fonts['smallest']}"


def _pages(live_server, username: str) -> list[str]:
    pages = [reverse("home"), reverse("pledges:list")]
    if username != "member":
        pages.append(reverse("campaign:dashboard"))
    if username in ("office", "secretary"):
        with unscoped("test: a published round the account may read"):
            published = EvaluationRound.objects.filter(
                state=RoundState.PUBLISHED, campaign__name=DEMO_CAMPAIGN_NAME, organization__code__startswith="SN-HWS"
            ).first()
        if published is not None:
            pages.append(reverse("reviews:results", args=[published.pk]))
    return [f"{live_server.url}{path}" for path in pages]


def test_every_role_reads_one_line_menu_and_no_small_text_and_the_dashboard_reads_on_a_phone_and_on_paper(
    live_server, demo, logged_in
):
    from playwright.sync_api import expect

    for username in ("office", "secretary", "member", "inspector"):
        page = logged_in(username, campaign=DEMO_CAMPAIGN_NAME if username == "office" else None)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for url in _pages(live_server, username):
                page.goto(url)
                where = f"{username} at {width} px on {url}"
                _menu_is_one_line(page, where)
                _fonts_are_readable(page, where)
                for text, ratio in page.evaluate(CONTRAST_JS):
                    assert ratio >= 4.5, f"{where}: {text} has contrast {ratio:.2f}"
        page.context.close()

    # The same demo (it takes a while to load): the office on a phone, then on paper.
    office = logged_in("office", phone=True, campaign=DEMO_CAMPAIGN_NAME)
    office.goto(f"{live_server.url}{reverse('campaign:dashboard')}")
    first = office.locator("table.dashboard-table tbody th, table.dashboard-table tbody td").first
    assert first.evaluate("cell => getComputedStyle(cell).position") == "sticky"
    _fonts_are_readable(office, "office on a phone")

    office.emulate_media(media="print")
    expect(office.locator("#main-navbar")).to_be_hidden()
    expect(office.locator("[data-print]")).to_be_hidden()
    expect(office.locator(".print-header")).to_be_visible()
    expect(office.locator(".print-header")).to_contain_text("打印日期")
