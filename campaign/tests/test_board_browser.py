"""Issue 19's public board on a 390 px phone, on the demo county's busiest board: the
newest pledge is near the top, not under old assessed ones, and an index by kind is on
the first screen."""

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.urls import reverse

from orgs.models import Organization
from orgs.scoping import unscoped
from pledges.models import Pledge, PledgeVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_SCREEN = 844  # the phone window's height (conftest.PHONE)


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet")


def busiest_board() -> tuple[Organization, PledgeVersion]:
    """The organization with the most published pledges, and its newest published version."""
    with unscoped("test"):
        busiest = (
            Pledge.objects.filter(published_version__gt=0)
            .values("organization")
            .annotate(count=Count("pk"))
            .order_by("-count", "organization")
            .first()
        )
        organization = Organization.objects.get(pk=busiest["organization"])
        newest = (
            PledgeVersion.objects.filter(pledge__organization=organization, number=F("pledge__published_version"))
            .select_related("pledge__member")
            .order_by("-published_on", "-pledge_id")
            .first()
        )
    return organization, newest


def top_of(page, locator) -> float:
    return page.evaluate("(el) => el.getBoundingClientRect().top + window.scrollY", locator.element_handle())


def test_the_newest_pledge_and_the_index_are_on_the_first_screens_of_a_phone(live_server, demo, new_page):
    organization, newest = busiest_board()
    page = new_page(phone=True)
    page.goto(live_server.url + reverse("board:organization", args=[organization.notice_board_token]))
    height = page.evaluate("document.documentElement.scrollHeight")
    title = newest.content["title"]
    y = top_of(page, page.get_by_text(title).first)
    print(f"board of {organization.name}: page {height} px, newest pledge at {y:.0f} px")
    assert y < 1000
    assert title in page.locator(".board-pledge").first.inner_text(), "the newest pledge comes first"
    index = page.locator("nav.board-index")
    assert index.is_visible()
    assert top_of(page, index) < FIRST_SCREEN
    # Every link of the index leads to a heading on the page, and the page fits the phone.
    for link in index.locator("a").all():
        anchor = link.get_attribute("href")
        assert anchor.startswith("#") and page.locator(anchor).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/board_390.png", full_page=True)
