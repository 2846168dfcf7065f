"""Search boxes: whatever is typed (or pasted into the address), the page answers. SQLite
refuses a LIKE pattern over 50,000 bytes ("LIKE or GLOB pattern too complex") and
PostgreSQL any string holding a NUL; every search cuts its text in one place."""

import pytest
from django.urls import reverse

from campaign.infra.search import SEARCH_MAX_LENGTH, search_text
from campaign.tests.factories import make_score_period

pytestmark = pytest.mark.django_db

LONG = "党" * 60_000


@pytest.fixture
def period(county, campaign):
    return make_score_period(county, campaign)


def search_pages(period):
    return [
        reverse("home"),
        reverse("campaign:score_manual", args=[period.pk]),
        reverse("campaign:score_ranking", args=[period.pk]),
        reverse("campaign:circulars"),
        reverse("pledges:board_links"),
        reverse("pledges:coverage"),
    ]


@pytest.mark.parametrize("query", [LONG, "北极\x00村"], ids=["60000-characters", "nul"])
def test_every_search_box_answers_an_over_long_or_odd_query(client, county, period, query):
    client.force_login(county.office)
    for url in search_pages(period):
        response = client.get(url, {"q": query, "group": "2-branch"})
        assert response.status_code == 200, url


def test_a_cut_query_still_finds_what_its_start_names(client, county):
    client.force_login(county.office)
    response = client.get(reverse("home"), {"q": county.branch_b1.name + " " * 70_000})
    assert county.branch_b1 in response.context["matches"]


def test_search_text_cuts_and_cleans_in_one_place():
    assert search_text("  红湾  ") == "红湾"
    assert search_text("红\x00湾") == "红湾"
    assert len(search_text(LONG)) == SEARCH_MAX_LENGTH == 100
    assert search_text(None) == ""
