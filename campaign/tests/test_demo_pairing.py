"""The demo county's 党群共建: two pairs of an advanced and a lagging branch picked by their
figures, with dated joint activities and photos (one a 城乡结对共建), the mass
organizations' activities and honours, and a 联席会议 with follow-up tasks; loading again
adds nothing."""

import datetime

import pytest

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import Figures
from campaign.dashboard.models import OrganizationFigures
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_pairing import PICK_MONTH, demo_pairing_load
from campaign.pairing.models import (
    FollowUpTask,
    JointActivity,
    JointActivityPhoto,
    JointMeeting,
    MassActivity,
    MassHonour,
    MassPhoto,
    Pair,
    PairMember,
)
from campaign.pairing.selectors import lagging_progress, members_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def county_campaign() -> Campaign:
    return Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)


def fulfilment(organization) -> object:
    row = OrganizationFigures.objects.get(campaign=county_campaign(), organization=organization, month=PICK_MONTH)
    figures = Figures()
    figures.add({name: getattr(row, name) for name in Figures.__dataclass_fields__})
    return figures.fulfillment_percent or 0


def test_two_pairs_of_an_advanced_and_a_lagging_branch_with_dated_activities_and_photos():
    helped = PairMember.objects.filter(pair__campaign=county_campaign(), side="helped").select_related("pair")
    assert helped.count() == 2
    kinds = {member.pair.kind for member in helped}
    assert kinds == {"one_helps_one", "urban_rural"}
    for member in helped:
        helper = PairMember.objects.get(pair=member.pair, side="helper")
        # Picked by their figures the month before they were paired.
        assert fulfilment(helper.organization) >= fulfilment(member.organization)
        activities = JointActivity.objects.filter(pair=member.pair)
        assert activities.count() >= 2
        assert all(member.pair.starts_on <= activity.held_on <= member.pair.ends_on for activity in activities)
        assert JointActivityPhoto.objects.filter(activity__pair=member.pair).count() == activities.count()


def test_each_lagging_branch_has_figures_before_and_after():
    pairs = list(Pair.objects.filter(campaign=county_campaign()).select_related("campaign"))
    progress = lagging_progress(pairs, members_of(pairs), today=datetime.date(2026, 1, 1))
    sides = [side for sides in progress.values() for side in sides]
    assert len(sides) == 2
    assert all(side.before is not None and side.after is not None for side in sides)
    assert all(side.improved is not None for side in sides)


def test_mass_organizations_record_activities_and_the_four_honours():
    assert MassActivity.objects.count() >= 4
    kinds = set(MassHonour.objects.values_list("kind", flat=True))
    assert {"youth_civilization", "worker_pioneer", "women_achievement", "double_learning"} <= kinds
    assert MassPhoto.objects.count() == MassActivity.objects.count() + MassHonour.objects.count()


def test_a_joint_meeting_with_decisions_and_follow_up_tasks():
    meeting = JointMeeting.objects.get(campaign=county_campaign())
    assert meeting.decisions and meeting.attendee_organizations.count() == 3
    tasks = FollowUpTask.objects.filter(meeting=meeting)
    assert tasks.count() == 3 and tasks.filter(done=True).count() == 1


def test_loading_again_adds_nothing():
    models = (Pair, PairMember, JointActivity, JointActivityPhoto, MassActivity, MassHonour, MassPhoto, JointMeeting)
    before = {model.__name__: model.objects.count() for model in models}
    demo_pairing_load(campaign=county_campaign())
    assert {model.__name__: model.objects.count() for model in models} == before
