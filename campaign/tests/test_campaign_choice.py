"""Several campaigns at once: every page works in the campaign the user chose or the
address names (campaign.campaigns.access), never in a guessed "current" one."""

import pathlib

import pytest
from django.urls import reverse

from campaign.campaigns.access import SESSION_KEY
from campaign.tests.factories import make_campaign
from orgs.models import OrganizationKind
from orgs.tests.factories import make_organization

pytestmark = pytest.mark.django_db
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def health(county, campaign):
    """A health campaign run by the county's 卫生党总支, at the same time as 创先争优."""
    office = make_organization("卫生党总支", parent=county.county, kind=OrganizationKind.GENERAL_BRANCH)
    return make_campaign(office, name="三好一满意活动")


def test_no_code_asks_for_an_implicit_current_campaign():
    sources = [
        path
        for folder in ("campaign", "orgs", "pledges", "reviews", "templates")
        for path in (ROOT / folder).rglob("*.py")
    ]
    sources += list((ROOT / "templates").rglob("*.html"))
    callers = [
        path
        for path in sources
        if "current_campaign(" in path.read_text(encoding="utf-8") and path != pathlib.Path(__file__)
    ]
    assert callers == []


def test_a_user_with_one_campaign_works_in_it_without_being_asked(client, county, campaign):
    client.force_login(county.office)
    response = client.get(reverse("reviews:due"))
    assert response.status_code == 200 and response.context["campaign"] == campaign
    assert SESSION_KEY not in client.session  # nothing was chosen, nothing written
    # Once chosen, the header says which.
    client.post(reverse("campaign:choose"), {"campaign": campaign.pk})
    assert f"活动：{campaign.name}" in client.get(reverse("reviews:due")).content.decode()


def test_with_two_campaigns_the_office_is_asked_once_and_comes_back(client, county, campaign, health):
    client.force_login(county.office)
    due = reverse("reviews:due")

    asked = client.get(due)
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("campaign:choose"))
    page = client.get(asked["Location"]).content.decode()
    assert campaign.name in page and health.name in page

    chosen = client.post(reverse("campaign:choose"), {"campaign": campaign.pk, "next": due})
    assert chosen.status_code == 302 and chosen["Location"] == due
    # Remembered: the reviewing pages stay in 创先争优 although a newer campaign runs.
    response = client.get(due)
    assert response.status_code == 200 and response.context["campaign"] == campaign
    review = client.get(reverse("reviews:review_create"), {"organization": county.township_a.code})
    assert review.status_code == 200 and "不在这项活动的范围内" not in review.content.decode()


def test_the_address_names_the_campaign_and_that_becomes_the_choice(client, county, campaign, health):
    client.force_login(county.office)
    response = client.get(reverse("pledges:coverage"), {"campaign": health.pk})
    assert response.status_code == 200 and response.context["campaign"] == health
    assert client.session[SESSION_KEY] == health.pk
    assert client.get(reverse("reviews:due")).context["campaign"] == health


def test_a_campaign_outside_the_users_scope_cannot_be_named_or_chosen(client, county, campaign):
    beside = make_campaign(county.township_b, name="康乐乡活动")
    client.force_login(county.leader_a)
    assert client.get(reverse("pledges:coverage"), {"campaign": beside.pk}).status_code == 404
    assert client.post(reverse("campaign:choose"), {"campaign": beside.pk}).status_code == 404
    assert client.get(reverse("pledges:coverage"), {"campaign": "x"}).status_code == 404


def test_a_remembered_campaign_the_user_no_longer_sees_is_asked_again(client, county, campaign, health):
    client.force_login(county.office)
    client.post(reverse("campaign:choose"), {"campaign": health.pk})
    health.delete()
    response = client.get(reverse("reviews:due"))
    assert response.status_code == 200 and response.context["campaign"] == campaign


def test_the_choice_page_goes_back_only_to_this_site(client, county, campaign, health):
    client.force_login(county.office)
    response = client.post(reverse("campaign:choose"), {"campaign": campaign.pk, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_in_the_health_campaign_the_county_office_has_no_township_to_review(client, county, campaign, health):
    client.force_login(county.office)

    in_health = client.get(reverse("reviews:due") + f"?campaign={health.pk}").content.decode()
    in_county = client.get(reverse("reviews:due") + f"?campaign={campaign.pk}").content.decode()

    assert "红湾寺镇党委" in in_county and "卫生党总支" in in_county
    assert "红湾寺镇党委" not in in_health and "卫生党总支" in in_health


def test_the_evaluation_list_shows_the_rounds_of_the_campaign_in_use(client, county, campaign, health):
    from reviews.tests.factories import make_round

    county_round = make_round(campaign, county.branch_a1, period="创先争优2010年下半年")
    health_round = make_round(health, health.organization, period="三好一满意2026年下半年")
    client.force_login(county.office)

    in_health = client.get(reverse("reviews:rounds") + f"?campaign={health.pk}").content.decode()
    in_county = client.get(reverse("reviews:rounds") + f"?campaign={campaign.pk}").content.decode()

    assert health_round.period in in_health and county_round.period not in in_health
    assert county_round.period in in_county and health_round.period not in in_county


@pytest.mark.parametrize("name", ["reviews:reviews", "pledges:rectifications", "reviews:rounds", "reviews:due"])
def test_lists_of_work_ask_which_campaign_rather_than_mix_two(client, county, campaign, health, name):
    client.force_login(county.office)
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("campaign:choose"))
