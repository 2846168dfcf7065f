"""党群共建 (campaign.pairing): who sets up pairs and records their activities, the mass
organizations' work and joint meetings, what is refused, what each user sees, and a
lagging unit's figures before and after it was paired."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from campaign.dashboard.models import OrganizationFigures
from campaign.pairing.models import JointActivity, JointActivityPhoto, MassPhoto, Pair, PairMember
from campaign.pairing.selectors import (
    access_mass_organization,
    access_pair,
    lagging_progress,
    mass_organizations_summary,
    members_of,
    pairing_summary,
    progress_months,
)
from campaign.pairing.services import (
    PairInput,
    followup_task_add,
    followup_task_update,
    joint_activity_record,
    joint_meeting_record,
    mass_activity_record,
    mass_honour_record,
    pair_create,
    pair_update,
)
from orgs.access import user_scope
from orgs.models import Role
from orgs.scoping import ScopeMissing, no_scope, scope_activated
from orgs.tests.factories import make_user

pytestmark = pytest.mark.django_db
START = datetime.date(2011, 3, 1)
END = datetime.date(2011, 12, 31)


def photo(name="活动.jpg", kind="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format=kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pair_input(county, **changes):
    data = {
        "kind": "one_helps_one",
        "name": "红湾社区帮扶许三湾村",
        "goals": "一年内许三湾村群众满意率达到90%以上。",
        "starts_on": START,
        "ends_on": END,
        "members": [(county.branch_a1, "helper"), (county.branch_a2, "helped")],
    }
    data.update(changes)
    return PairInput(**data)


@pytest.fixture
def pair(county, campaign):
    return pair_create(campaign=campaign, data=pair_input(county), by=county.office)


# --- pairs ------------------------------------------------------------------------


def test_office_pairs_an_advanced_and_a_lagging_branch(county, campaign, pair):
    sides = {member.organization: member.side for member in PairMember.objects.filter(pair=pair)}
    assert sides == {county.branch_a1: "helper", county.branch_a2: "helped"}
    assert pair.created_by == county.office


def test_township_leader_pairs_branches_below_her(county, campaign):
    pair = pair_create(campaign=campaign, data=pair_input(county), by=county.leader_a)
    assert pair.pk


def test_leader_cannot_pair_a_branch_of_another_township(county, campaign):
    data = pair_input(county, members=[(county.branch_a1, "helper"), (county.branch_b1, "helped")])
    with pytest.raises(PermissionDenied):
        pair_create(campaign=campaign, data=data, by=county.leader_a)


def test_secretary_cannot_set_up_a_pair(county, campaign):
    with pytest.raises(PermissionDenied):
        pair_create(campaign=campaign, data=pair_input(county), by=county.secretary_user_a1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"members": []}, "结对至少要有两个单位。"),
        ({"ends_on": datetime.date(2011, 1, 1)}, "结束日期不能早于开始日期。"),
        ({"ends_on": datetime.date(2013, 1, 1)}, "结对期限须在活动期间内"),
        ({"goals": "  "}, "请写明共建目标。"),
        ({"kind": "nonsense"}, "请选择结对形式。"),
    ],
)
def test_pair_is_refused_with_a_clear_message(county, campaign, changes, message):
    data = pair_input(county, **changes)
    with pytest.raises(ValidationError) as error:
        pair_create(campaign=campaign, data=data, by=None)
    assert any(message in text for text in error.value.messages)
    assert not Pair.objects.exists()


def test_a_helper_needs_a_helped_unit(county, campaign):
    data = pair_input(county, members=[(county.branch_a1, "helper"), (county.branch_a2, "partner")])
    with pytest.raises(ValidationError, match="受帮扶方"):
        pair_create(campaign=campaign, data=data, by=None)


def test_update_refuses_a_start_after_the_first_activity(county, campaign, pair):
    joint_activity_record(
        pair=pair, held_on=datetime.date(2011, 4, 1), title="结对座谈", content="交流。", participants=10, by=None
    )
    with pytest.raises(ValidationError, match="2011-04-01"):
        pair_update(pair=pair, data=pair_input(county, starts_on=datetime.date(2011, 5, 1)), by=county.office)


# --- joint activities -------------------------------------------------------------


def test_lagging_branch_secretary_records_an_activity_with_a_photo(county, campaign, pair):
    make_user("secretary_a2", Role.SECRETARY, organization=county.branch_a2)
    secretary = type(county.office).objects.get(username="secretary_a2")
    activity = joint_activity_record(
        pair=pair,
        held_on=datetime.date(2011, 4, 12),
        title="帮扶村里修水渠",
        content="两支部党员共同清理水渠 2 公里。",
        participants=26,
        photos=[photo()],
        by=secretary,
    )
    stored = JointActivityPhoto.objects.get(activity=activity)
    assert stored.content_type == "image/jpeg" and stored.original_name == "活动.jpg"


def test_outsider_secretary_cannot_record_an_activity(county, campaign, pair):
    with pytest.raises(PermissionDenied):
        joint_activity_record(
            pair=pair,
            held_on=datetime.date(2011, 4, 1),
            title="座谈",
            content="交流。",
            participants=5,
            by=county.secretary_user_b1,
        )


def test_inspector_and_member_cannot_record_an_activity(county, campaign, pair):
    for user in (county.inspector_b, county.member_user_a1):
        with pytest.raises(PermissionDenied):
            joint_activity_record(
                pair=pair, held_on=datetime.date(2011, 4, 1), title="座谈", content="交流。", participants=5, by=user
            )


def test_activity_outside_the_pair_period_is_refused(county, campaign, pair):
    with pytest.raises(ValidationError, match="结对期限内"):
        joint_activity_record(
            pair=pair, held_on=datetime.date(2011, 1, 5), title="座谈", content="交流。", participants=5, by=None
        )


def test_a_bad_photo_leaves_no_activity_behind(county, campaign, pair):
    bad = SimpleUploadedFile("病毒.exe", b"MZ not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        joint_activity_record(
            pair=pair,
            held_on=datetime.date(2011, 4, 1),
            title="座谈",
            content="交流。",
            participants=5,
            photos=[photo(), bad],
            by=None,
        )
    assert not JointActivity.objects.exists() and not JointActivityPhoto.objects.exists()


# --- scope ------------------------------------------------------------------------


def test_both_sides_and_their_superiors_see_the_pair_and_an_outsider_does_not(county, campaign, pair):
    for user in (county.office, county.leader_a, county.secretary_user_a1, county.member_user_a1):
        assert access_pair(user, pair.pk) == pair
    for user in (county.secretary_user_b1, county.inspector_b):
        with pytest.raises(Exception) as error:
            access_pair(user, pair.pk)
        assert error.type.__name__ == "Http404"


def test_pairs_are_listed_once_even_when_both_units_are_visible(county, campaign, pair):
    with scope_activated(user_scope(county.office)):
        assert list(Pair.objects.all()) == [pair]


def test_pairs_cannot_be_queried_without_a_scope(pair):
    with no_scope(), pytest.raises(ScopeMissing):
        list(Pair.objects.all())


# --- before and after ------------------------------------------------------------


def figures(campaign, organization, month, **counts):
    now = timezone.now()
    return OrganizationFigures.objects.create(
        campaign=campaign, organization=organization, month=month, as_of=month, computed_at=now, **counts
    )


def test_progress_compares_the_month_before_pairing_with_the_last_month(county, campaign, pair):
    assert progress_months(pair, campaign, datetime.date(2026, 1, 1)) == (
        datetime.date(2011, 2, 1),
        datetime.date(2011, 12, 1),
    )
    assert progress_months(pair, campaign, datetime.date(2011, 6, 15))[1] == datetime.date(2011, 6, 1)


def test_lagging_unit_improved_when_a_figure_rose_and_none_fell(county, campaign, pair):
    before, after = datetime.date(2011, 2, 1), datetime.date(2011, 12, 1)
    figures(campaign, county.branch_a2, before, items_due=10, items_done=4, votes_counted=20, votes_satisfied=16)
    figures(campaign, county.branch_a2, after, items_due=10, items_done=9, votes_counted=20, votes_satisfied=19)
    # The helper's figures are not compared.
    figures(campaign, county.branch_a1, after, items_due=10, items_done=1)
    progress = lagging_progress([pair], members_of([pair]), today=datetime.date(2026, 1, 1))[pair.pk]
    assert len(progress) == 1
    side = progress[0]
    assert side.organization == county.branch_a2
    lines = {line.label: line for line in side.lines}
    assert (lines["到期承诺事项完成率"].before, lines["到期承诺事项完成率"].after) == (40, 90)
    assert (lines["群众满意率"].before, lines["群众满意率"].after) == (80, 95)
    assert lines["群众满意率"].change == 15
    assert lines["领导点评完成率"].change is None
    assert side.improved is True


def test_lagging_unit_did_not_improve_when_a_figure_fell(county, campaign, pair):
    before, after = datetime.date(2011, 2, 1), datetime.date(2011, 12, 1)
    figures(campaign, county.branch_a2, before, items_due=10, items_done=4, votes_counted=20, votes_satisfied=19)
    figures(campaign, county.branch_a2, after, items_due=10, items_done=9, votes_counted=20, votes_satisfied=16)
    side = lagging_progress([pair], members_of([pair]), today=datetime.date(2026, 1, 1))[pair.pk][0]
    assert side.improved is False


def test_nothing_to_compare_before_the_months_are_counted(county, campaign, pair):
    side = lagging_progress([pair], members_of([pair]), today=datetime.date(2026, 1, 1))[pair.pk][0]
    assert side.before is None and side.after is None and side.improved is None


def test_dashboard_summary_counts_pairs_activities_and_improved_units(county, campaign, pair):
    joint_activity_record(
        pair=pair, held_on=datetime.date(2011, 4, 1), title="座谈", content="交流。", participants=5, by=None
    )
    figures(campaign, county.branch_a2, datetime.date(2011, 2, 1), items_due=10, items_done=4)
    figures(campaign, county.branch_a2, datetime.date(2011, 12, 1), items_due=10, items_done=8)
    summary = pairing_summary(county.office, campaign, today=datetime.date(2026, 1, 1))
    assert (summary.pairs, summary.activities, summary.lagging, summary.improved) == (1, 1, 1, 1)
    outsider = pairing_summary(county.secretary_user_b1, campaign, today=datetime.date(2026, 1, 1))
    assert (outsider.pairs, outsider.activities) == (0, 0)


# --- mass organizations ------------------------------------------------------------


def test_branch_secretary_records_the_union_activity_and_honour(county, campaign):
    mass_activity_record(
        campaign=campaign,
        organization=county.union_a1,
        held_on=datetime.date(2011, 5, 1),
        title="职工运动会",
        content="社区职工趣味运动会。",
        participants=80,
        photos=[photo()],
        by=county.secretary_user_a1,
    )
    honour = mass_honour_record(
        campaign=campaign,
        organization=county.union_a1,
        kind="worker_pioneer",
        level="city",
        title="市级工人先锋号",
        awarded_to="红湾社区服务站",
        awarded_on=datetime.date(2011, 5, 1),
        citation="服务居民群众。",
        photos=[photo("奖牌.jpg")],
        by=county.secretary_user_a1,
    )
    assert MassPhoto.objects.filter(honour=honour).count() == 1
    rows = mass_organizations_summary(county.office, campaign)
    union = next(row for row in rows if row.organization == county.union_a1)
    assert (union.activities, union.participants, union.honours) == (1, 80, 1)


def test_party_branch_is_not_a_mass_organization(county, campaign):
    with pytest.raises(ValidationError, match="不是群团组织"):
        mass_activity_record(
            campaign=campaign,
            organization=county.branch_a1,
            held_on=datetime.date(2011, 5, 1),
            title="活动",
            content="内容。",
            participants=8,
            by=None,
        )


def test_outsider_cannot_record_for_the_union(county, campaign):
    with pytest.raises(PermissionDenied):
        mass_honour_record(
            campaign=campaign,
            organization=county.union_a1,
            kind="other",
            level="county",
            title="先进",
            awarded_to="某人",
            awarded_on=datetime.date(2011, 5, 1),
            citation="",
            by=county.secretary_user_b1,
        )


def test_branch_member_sees_the_union_beside_the_branch(county):
    assert access_mass_organization(county.member_user_a1, county.union_a1.code) == county.union_a1
    with pytest.raises(Exception) as error:
        access_mass_organization(county.secretary_user_b1, county.union_a1.code)
    assert error.type.__name__ == "Http404"


# --- joint meetings -----------------------------------------------------------------


def test_joint_meeting_with_follow_up_tasks(county, campaign):
    meeting = joint_meeting_record(
        campaign=campaign,
        convener=county.township_a,
        attendee_organizations=[county.branch_a1, county.union_a1],
        held_on=datetime.date(2011, 6, 1),
        attendees="柯长林（镇党委书记）",
        topics="党建带工建。",
        decisions="每季度开展一次联合活动。",
        by=county.leader_a,
    )
    task = followup_task_add(
        meeting=meeting,
        text="制定联合活动计划",
        responsible=county.branch_a1,
        deadline=datetime.date(2011, 7, 1),
        by=county.leader_a,
    )
    # The responsible branch's secretary marks it done.
    done = followup_task_update(
        task=task, done=True, note="计划已印发。", done_on=datetime.date(2011, 6, 20), by=county.secretary_user_a1
    )
    assert done.done and done.done_on == datetime.date(2011, 6, 20)
    with pytest.raises(ValidationError, match="落实情况"):
        followup_task_update(task=task, done=True, note="", done_on=None, by=county.leader_a)


def test_task_for_an_organization_not_at_the_meeting_is_refused(county, campaign):
    meeting = joint_meeting_record(
        campaign=campaign,
        convener=county.township_a,
        attendee_organizations=[county.branch_a1],
        held_on=datetime.date(2011, 6, 1),
        attendees="",
        topics="议题。",
        decisions="决定。",
        by=None,
    )
    with pytest.raises(ValidationError, match="召集单位或参会单位"):
        followup_task_add(
            meeting=meeting, text="任务", responsible=county.branch_b1, deadline=datetime.date(2011, 7, 1), by=None
        )


def test_meeting_needs_attendees_besides_the_convener(county, campaign):
    with pytest.raises(ValidationError, match="参会单位"):
        joint_meeting_record(
            campaign=campaign,
            convener=county.township_a,
            attendee_organizations=[county.township_a],
            held_on=datetime.date(2011, 6, 1),
            attendees="",
            topics="议题。",
            decisions="决定。",
            by=None,
        )
