"""The demo county's pledge loop: pledges assessed 兑现优秀 suggested on the nominations page
of the office and of the demo township leader, every 未兑现 with its one education task, and
loading again adds nothing."""

import pytest

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_pledgeloop import demo_pledgeloop_load
from campaign.nominations.selectors import nomination_suggestions
from orgs.access import scope_for_user
from orgs.models import User
from orgs.scoping import scope_activated
from pledges.models import Fulfillment, Pledge, Rectification, RectificationSource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def demo_campaign() -> Campaign:
    return Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)


def suggestions_of(username: str):
    user = User.objects.get(username=username)
    with scope_activated(scope_for_user(user)):
        return nomination_suggestions(user, demo_campaign())


def test_the_office_and_the_township_leader_are_suggested_outstanding_pledgers_not_yet_nominated():
    office = suggestions_of("office")
    outstanding = [suggestion for suggestion in office if suggestion.is_outstanding]
    assert len(outstanding) >= 8
    assert not any(suggestion.is_nominated for suggestion in outstanding)
    assert any(suggestion.member is not None for suggestion in outstanding)
    assert any(suggestion.member is None for suggestion in outstanding)
    leader = suggestions_of("leader")
    township = User.objects.get(username="leader").organization
    assert any(suggestion.is_outstanding for suggestion in leader)
    assert all(suggestion.organization.path.startswith(township.path) for suggestion in leader)


def test_every_pledge_not_fulfilled_has_its_one_education_task():
    campaign = demo_campaign()
    unfulfilled = Pledge.objects.filter(campaign=campaign, fulfillment=Fulfillment.NOT_FULFILLED)
    tasks = Rectification.objects.filter(campaign=campaign, source=RectificationSource.PLEDGE, category="教育整改")
    assert unfulfilled.exists()
    assert tasks.count() == unfulfilled.count()
    assert all("限期整改" in task.measure for task in tasks)


def test_loading_again_adds_nothing():
    campaign = demo_campaign()
    assessed = Pledge.objects.filter(campaign=campaign).exclude(fulfillment="").count()
    tasks = Rectification.objects.filter(campaign=campaign).count()
    assert demo_pledgeloop_load() == 0
    assert Pledge.objects.filter(campaign=campaign).exclude(fulfillment="").count() == assessed
    assert Rectification.objects.filter(campaign=campaign).count() == tasks
