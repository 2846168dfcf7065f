"""The pledge life cycle and filing services: every transition, every refusal, and
who may file and decide what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaign.tests.factories import dimension, make_campaign
from orgs.models import Role
from orgs.tests.factories import make_user
from pledges import assessment, lifecycle, services
from pledges.lifecycle import TransitionRefused, allowed_actions, awaiting_decision, may_see_history
from pledges.models import Fulfillment, Opinion, Pledge, PledgeItem, PledgeState, ProgressEntry
from pledges.progress import progress_record
from pledges.tests.factories import make_pledge

PUBLISHED_ON = datetime.date(2011, 3, 1)


@pytest.fixture
def branch_pledge(county, campaign):
    """红湾社区党支部's own pledge, filed by its secretary, as a draft with one item."""
    return make_pledge(campaign, county.branch_a1, created_by=county.secretary_user_a1)


@pytest.fixture
def member_pledge(county, campaign):
    return make_pledge(campaign, county.branch_a1, member=county.member_a1, created_by=county.member_user_a1)


@pytest.fixture
def leader_b(county):
    return make_user("leader_b", Role.LEADER, organization=county.township_b)


def submitted(pledge, by):
    return lifecycle.pledge_submit(pledge=pledge, by=by)


def published(pledge, filer, decider):
    submitted(pledge, filer)
    lifecycle.pledge_approve(pledge=pledge, by=decider)
    return lifecycle.pledge_publish(pledge=pledge, by=filer, channel="notice_board", published_on=PUBLISHED_ON)


def reloaded(pledge):
    return Pledge.objects.get(pk=pledge.pk)


# ---------------------------------------------------------------------------
# Filing
# ---------------------------------------------------------------------------


def test_a_member_files_his_own_member_pledge(county, campaign):
    pledge = services.pledge_create(
        campaign=campaign,
        organization=county.branch_a1,
        member=county.member_a1,
        kind="annual",
        title="钟建军2011年承诺",
        by=county.member_user_a1,
    )
    assert pledge.state == PledgeState.DRAFT
    assert pledge.is_member_pledge and pledge.created_by == county.member_user_a1
    assert pledge.history.get().history_user == county.member_user_a1


def test_a_member_cannot_file_for_another_member_or_for_the_branch(county, campaign):
    for member in (county.other_member_a1, None):
        with pytest.raises(PermissionDenied):
            services.pledge_create(
                campaign=campaign,
                organization=county.branch_a1,
                member=member,
                kind="annual",
                title="代填的承诺",
                by=county.member_user_a1,
            )
    assert not Pledge.objects.exists()


def test_the_secretary_files_the_branch_pledge_and_the_members_pledges(county, campaign):
    branch = services.pledge_create(
        campaign=campaign, organization=county.branch_a1, kind="annual", title="支部承诺", by=county.secretary_user_a1
    )
    member = services.pledge_create(
        campaign=campaign,
        organization=county.branch_a1,
        member=county.other_member_a1,
        kind="immediate",
        title="兰永福即时承诺",
        by=county.secretary_user_a1,
    )
    assert branch.member is None and member.member == county.other_member_a1
    assert member.kind == "immediate"


def test_a_secretary_cannot_file_for_another_branch(county, campaign):
    with pytest.raises(PermissionDenied):
        services.pledge_create(
            campaign=campaign, organization=county.branch_b1, kind="annual", title="越权", by=county.secretary_user_a1
        )


def test_an_inspection_group_files_nothing(county, campaign):
    with pytest.raises(PermissionDenied):
        services.pledge_create(
            campaign=campaign, organization=county.branch_b1, kind="annual", title="检查组", by=county.inspector_b
        )


def test_a_member_pledge_sits_in_the_members_own_organization(county, campaign):
    with pytest.raises(ValidationError):
        services.pledge_create(
            campaign=campaign,
            organization=county.township_a,
            member=county.member_a1,
            kind="annual",
            title="挂错组织",
            by=county.leader_a,
        )


def test_an_organization_outside_the_campaign_cannot_pledge_in_it(county):
    township_campaign = make_campaign(county.township_a, name="红湾寺镇承诺践诺活动")
    with pytest.raises(ValidationError):
        services.pledge_create(
            campaign=township_campaign, organization=county.branch_b1, kind="annual", title="外乡", by=county.office
        )


def test_a_pledge_needs_a_title_and_a_known_kind(county, campaign):
    for kind, title in (("annual", "  "), ("weekly", "标题")):
        with pytest.raises(ValidationError):
            services.pledge_create(
                campaign=campaign, organization=county.branch_a1, kind=kind, title=title, by=county.secretary_user_a1
            )


def test_opinions_are_added_changed_and_removed_in_a_draft(county, branch_pledge):
    by = county.secretary_user_a1
    opinion = services.opinion_add(
        pledge=branch_pledge, by=by, solicited_on=datetime.date(2010, 9, 10), method="forum", summary="希望就近办低保"
    )
    services.opinion_update(
        opinion=opinion, by=by, solicited_on=datetime.date(2010, 9, 12), method="visit", summary="入户走访32户"
    )
    opinion.refresh_from_db()
    assert (opinion.method, opinion.summary) == ("visit", "入户走访32户")
    assert opinion.history.first().history_user == by
    services.opinion_remove(opinion=opinion, by=by)
    assert not Opinion.objects.exists()


def test_an_opinion_cannot_be_dated_in_the_future_or_left_empty(county, branch_pledge):
    for day, summary in ((datetime.date(2999, 1, 1), "意见"), (datetime.date(2010, 9, 1), " ")):
        with pytest.raises(ValidationError):
            services.opinion_add(
                pledge=branch_pledge, by=county.secretary_user_a1, solicited_on=day, method="forum", summary=summary
            )


def item_fields(**overrides):
    return {
        "target": "硬化村内巷道",
        "work": "争取项目资金，组织群众投工投劳",
        "practical_things": "",
        "dimension": None,
        "due_date": datetime.date(2011, 10, 31),
        "measurable_result": "10月底前硬化巷道3公里",
    } | overrides


def test_items_are_numbered_in_the_order_they_are_added(county, branch_pledge):
    item = services.item_add(pledge=branch_pledge, by=county.secretary_user_a1, **item_fields())
    assert item.order == 1  # the factory's item is number 0
    services.item_update(item=item, by=county.secretary_user_a1, **item_fields(target="硬化巷道并安装路灯"))
    item.refresh_from_db()
    assert item.target == "硬化巷道并安装路灯"


def test_an_item_serves_the_standard_of_its_kind_of_pledger(county, campaign, branch_pledge, member_pledge):
    services.item_add(
        pledge=branch_pledge, by=county.secretary_user_a1, **item_fields(dimension=dimension(campaign, "工作业绩好"))
    )
    with pytest.raises(ValidationError):
        services.item_add(
            pledge=branch_pledge,
            by=county.secretary_user_a1,
            **item_fields(dimension=dimension(campaign, "带头服务群众")),
        )
    services.item_add(
        pledge=member_pledge, by=county.member_user_a1, **item_fields(dimension=dimension(campaign, "带头服务群众"))
    )


def test_items_are_reordered_and_moved(county, branch_pledge):
    by = county.secretary_user_a1
    first = branch_pledge.items.get()
    second = services.item_add(pledge=branch_pledge, by=by, **item_fields())
    services.item_reorder(pledge=branch_pledge, by=by, item_ids=[second.pk, first.pk])
    assert list(branch_pledge.items.values_list("pk", flat=True)) == [second.pk, first.pk]
    services.item_move(item=second, by=by, step=1)
    assert list(branch_pledge.items.values_list("pk", flat=True)) == [first.pk, second.pk]
    with pytest.raises(ValidationError):
        services.item_reorder(pledge=branch_pledge, by=by, item_ids=[first.pk])


def test_an_item_is_removed_from_a_draft(county, branch_pledge):
    services.item_remove(item=branch_pledge.items.get(), by=county.secretary_user_a1)
    assert not branch_pledge.items.exists()


def test_an_item_with_progress_recorded_is_not_removed_in_a_revision(county, branch_pledge):
    published(branch_pledge, county.secretary_user_a1, county.leader_a)
    item = branch_pledge.items.get()
    progress_record(item=item, by=county.secretary_user_a1, recorded_on=datetime.date(2011, 4, 1), text="已开工")
    lifecycle.pledge_revise(pledge=reloaded(branch_pledge), by=county.secretary_user_a1)
    with pytest.raises(ValidationError):
        services.item_remove(item=item, by=county.secretary_user_a1)
    assert ProgressEntry.objects.filter(item=item).exists()


# ---------------------------------------------------------------------------
# Every transition
# ---------------------------------------------------------------------------


def test_submit_moves_a_draft_to_submitted_and_records_who(county, branch_pledge):
    pledge = submitted(branch_pledge, county.secretary_user_a1)
    assert pledge.state == PledgeState.SUBMITTED
    assert pledge.submitted_by == county.secretary_user_a1 and pledge.submitted_at
    record = pledge.history.first()
    assert (record.state, record.history_user) == (PledgeState.SUBMITTED, county.secretary_user_a1)


def test_the_township_leader_approves_the_branch_pledge(county, branch_pledge):
    submitted(branch_pledge, county.secretary_user_a1)
    pledge = lifecycle.pledge_approve(pledge=branch_pledge, by=county.leader_a)
    assert pledge.state == PledgeState.APPROVED and pledge.decided_by == county.leader_a
    assert pledge.history.first().history_user == county.leader_a


def test_the_branch_secretary_approves_a_member_pledge(county, member_pledge):
    submitted(member_pledge, county.member_user_a1)
    pledge = lifecycle.pledge_approve(pledge=member_pledge, by=county.secretary_user_a1)
    assert pledge.state == PledgeState.APPROVED and pledge.decided_by == county.secretary_user_a1


def test_a_returned_pledge_carries_the_reason_and_can_be_mended_and_resubmitted(county, branch_pledge):
    submitted(branch_pledge, county.secretary_user_a1)
    pledge = lifecycle.pledge_return(pledge=branch_pledge, by=county.leader_a, reason="  第1项成效没有数字  ")
    assert pledge.state == PledgeState.RETURNED and pledge.return_reason == "第1项成效没有数字"
    services.item_update(item=pledge.items.get(), by=county.secretary_user_a1, **item_fields())
    pledge = submitted(pledge, county.secretary_user_a1)
    assert pledge.state == PledgeState.SUBMITTED and pledge.return_reason == ""


def test_publish_records_channel_and_date_and_creates_version_1(county, branch_pledge):
    pledge = published(branch_pledge, county.secretary_user_a1, county.leader_a)
    assert pledge.state == PledgeState.PUBLISHED
    assert (pledge.publication_channel, pledge.published_on, pledge.published_version) == (
        "notice_board",
        PUBLISHED_ON,
        1,
    )
    version = pledge.versions.get()
    assert version.number == 1 and version.published_by == county.secretary_user_a1
    assert version.content["items"][0]["target"] == "建成社区便民服务站"


def test_the_first_progress_entry_starts_fulfilment(county, branch_pledge):
    pledge = published(branch_pledge, county.secretary_user_a1, county.leader_a)
    progress_record(
        item=pledge.items.get(), by=county.secretary_user_a1, recorded_on=datetime.date(2011, 4, 1), text="已选址"
    )
    assert reloaded(pledge).state == PledgeState.IN_PROGRESS


@pytest.mark.parametrize("fulfillment", Fulfillment.values)
def test_the_superior_assesses_fulfilment_with_a_comment(county, branch_pledge, fulfillment):
    pledge = published(branch_pledge, county.secretary_user_a1, county.leader_a)
    pledge = assessment.pledge_assess(pledge=pledge, by=county.leader_a, fulfillment=fulfillment, comment="经实地查看")
    assert pledge.state == PledgeState.ASSESSED
    assert (pledge.fulfillment, pledge.assessment_comment, pledge.assessed_by) == (
        fulfillment,
        "经实地查看",
        county.leader_a,
    )
    assert pledge.history.first().history_user == county.leader_a


def test_an_in_progress_pledge_is_assessed_too(county, branch_pledge):
    pledge = published(branch_pledge, county.secretary_user_a1, county.leader_a)
    lifecycle.pledge_start(pledge=pledge, by=county.secretary_user_a1)
    pledge = assessment.pledge_assess(
        pledge=pledge, by=county.office, fulfillment="partly", comment="服务站已建，代办偏少"
    )
    assert pledge.state == PledgeState.ASSESSED


def test_revise_reopens_a_published_pledge_as_a_draft_and_keeps_version_1(county, branch_pledge):
    pledge = published(branch_pledge, county.secretary_user_a1, county.leader_a)
    pledge = lifecycle.pledge_revise(pledge=pledge, by=county.secretary_user_a1)
    assert pledge.state == PledgeState.DRAFT
    assert pledge.published_version == 1 and pledge.versions.count() == 1
    assert pledge.decided_by is None


# ---------------------------------------------------------------------------
# Every refusal
# ---------------------------------------------------------------------------


def test_publishing_a_draft_is_refused(county, branch_pledge):
    with pytest.raises(TransitionRefused):
        lifecycle.pledge_publish(
            pledge=branch_pledge, by=county.secretary_user_a1, channel="meeting", published_on=PUBLISHED_ON
        )
    assert reloaded(branch_pledge).state == PledgeState.DRAFT
    assert not branch_pledge.versions.exists()


def test_approving_a_draft_is_refused(county, branch_pledge):
    with pytest.raises(TransitionRefused):
        lifecycle.pledge_approve(pledge=branch_pledge, by=county.leader_a)
    assert reloaded(branch_pledge).state == PledgeState.DRAFT


def test_submitting_a_pledge_without_items_is_refused(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, items=0)
    with pytest.raises(TransitionRefused):
        lifecycle.pledge_submit(pledge=pledge, by=county.secretary_user_a1)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (PledgeState.SUBMITTED, "submit"),
        (PledgeState.APPROVED, "return"),
        (PledgeState.DRAFT, "revise"),
        (PledgeState.DRAFT, "assess"),
        (PledgeState.ASSESSED, "revise"),
        (PledgeState.RETURNED, "publish"),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused(county, campaign, state, action):
    pledge = make_pledge(campaign, county.branch_a1, state=state)
    calls = {
        "submit": lambda: lifecycle.pledge_submit(pledge=pledge, by=county.secretary_user_a1),
        "return": lambda: lifecycle.pledge_return(pledge=pledge, by=county.leader_a, reason="理由"),
        "revise": lambda: lifecycle.pledge_revise(pledge=pledge, by=county.secretary_user_a1),
        "assess": lambda: assessment.pledge_assess(
            pledge=pledge, by=county.leader_a, fulfillment="partly", comment="意见"
        ),
        "publish": lambda: lifecycle.pledge_publish(
            pledge=pledge, by=county.secretary_user_a1, channel="meeting", published_on=PUBLISHED_ON
        ),
    }
    with pytest.raises(TransitionRefused):
        calls[action]()
    assert reloaded(pledge).state == state


def test_a_secretary_cannot_approve_their_own_branch_pledge(county, branch_pledge):
    submitted(branch_pledge, county.secretary_user_a1)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_approve(pledge=branch_pledge, by=county.secretary_user_a1)
    assert reloaded(branch_pledge).state == PledgeState.SUBMITTED


def test_nobody_approves_what_they_submitted(county, branch_pledge):
    """The township leader who filed the branch pledge on its behalf leaves the decision to the county."""
    submitted(branch_pledge, county.leader_a)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_approve(pledge=branch_pledge, by=county.leader_a)
    lifecycle.pledge_approve(pledge=branch_pledge, by=county.office)


def test_a_member_cannot_approve_or_edit_his_own_pledge_after_submission(county, member_pledge):
    submitted(member_pledge, county.member_user_a1)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_approve(pledge=member_pledge, by=county.member_user_a1)
    with pytest.raises(TransitionRefused):
        services.item_add(pledge=member_pledge, by=county.member_user_a1, **item_fields())
    with pytest.raises(TransitionRefused):
        services.pledge_update(pledge=member_pledge, by=county.member_user_a1, kind="annual", title="改标题")
    assert reloaded(member_pledge).title != "改标题"


def test_a_secretary_who_is_a_member_cannot_approve_his_own_member_pledge(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.secretary_a1)
    submitted(pledge, county.secretary_user_a1)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_approve(pledge=pledge, by=county.secretary_user_a1)


def test_a_member_cannot_edit_a_published_pledge(county, member_pledge):
    pledge = published(member_pledge, county.member_user_a1, county.secretary_user_a1)
    item = pledge.items.get()
    with pytest.raises(TransitionRefused):
        services.item_update(item=item, by=county.member_user_a1, **item_fields())
    with pytest.raises(TransitionRefused):
        services.item_remove(item=item, by=county.member_user_a1)
    with pytest.raises(TransitionRefused):
        services.opinion_add(
            pledge=pledge, by=county.member_user_a1, solicited_on=PUBLISHED_ON, method="forum", summary="补记"
        )
    assert PledgeItem.objects.get(pk=item.pk).target == "建成社区便民服务站"


def test_a_member_cannot_edit_the_branch_pledge(county, branch_pledge):
    with pytest.raises(PermissionDenied):
        services.item_add(pledge=branch_pledge, by=county.member_user_a1, **item_fields())


def test_a_superior_of_another_township_cannot_approve(county, branch_pledge, leader_b):
    submitted(branch_pledge, county.secretary_user_a1)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_approve(pledge=branch_pledge, by=leader_b)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_return(pledge=branch_pledge, by=leader_b, reason="越权退回")
    assert reloaded(branch_pledge).state == PledgeState.SUBMITTED


def test_an_inspection_group_decides_nothing(county, campaign):
    pledge = make_pledge(campaign, county.branch_b1, state=PledgeState.SUBMITTED)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_approve(pledge=pledge, by=county.inspector_b)


def test_returning_without_a_reason_is_refused(county, branch_pledge):
    submitted(branch_pledge, county.secretary_user_a1)
    with pytest.raises(ValidationError):
        lifecycle.pledge_return(pledge=branch_pledge, by=county.leader_a, reason="   ")
    assert reloaded(branch_pledge).state == PledgeState.SUBMITTED


def test_assessing_without_a_comment_or_a_known_result_is_refused(county, branch_pledge):
    pledge = published(branch_pledge, county.secretary_user_a1, county.leader_a)
    for fulfillment, comment in (("fulfilled", " "), ("excellent", "很好")):
        with pytest.raises(ValidationError):
            assessment.pledge_assess(pledge=pledge, by=county.leader_a, fulfillment=fulfillment, comment=comment)
    assert reloaded(pledge).state == PledgeState.PUBLISHED


def test_publishing_needs_a_known_channel_and_a_date_not_in_the_future(county, branch_pledge):
    submitted(branch_pledge, county.secretary_user_a1)
    lifecycle.pledge_approve(pledge=branch_pledge, by=county.leader_a)
    for channel, day in (("radio", PUBLISHED_ON), ("meeting", datetime.date(2999, 1, 1))):
        with pytest.raises(ValidationError):
            lifecycle.pledge_publish(
                pledge=branch_pledge, by=county.secretary_user_a1, channel=channel, published_on=day
            )
    assert reloaded(branch_pledge).state == PledgeState.APPROVED


def test_a_concurrent_second_approval_fails_cleanly(county, branch_pledge):
    submitted(branch_pledge, county.secretary_user_a1)
    seen_by_leader = reloaded(branch_pledge)
    seen_by_office = reloaded(branch_pledge)
    lifecycle.pledge_approve(pledge=seen_by_leader, by=county.leader_a)
    with pytest.raises(TransitionRefused, match="刚被他人改变"):
        lifecycle.pledge_approve(pledge=seen_by_office, by=county.office)
    pledge = reloaded(branch_pledge)
    assert pledge.state == PledgeState.APPROVED and pledge.decided_by == county.leader_a
    assert pledge.history.filter(state=PledgeState.APPROVED).count() == 1


def test_an_edit_after_someone_else_submitted_is_refused(county, branch_pledge):
    """The secretary's page still shows a draft, but the leader has just submitted it."""
    stale = reloaded(branch_pledge)
    submitted(branch_pledge, county.leader_a)
    with pytest.raises(TransitionRefused):
        services.item_add(pledge=stale, by=county.secretary_user_a1, **item_fields())
    assert branch_pledge.items.count() == 1


# ---------------------------------------------------------------------------
# Buttons and lists
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "who", "actions"),
    [
        (PledgeState.DRAFT, "secretary_user_a1", ["submit"]),
        (PledgeState.DRAFT, "leader_a", ["submit"]),
        (PledgeState.DRAFT, "member_user_a1", []),
        (PledgeState.SUBMITTED, "secretary_user_a1", ["withdraw"]),
        (PledgeState.SUBMITTED, "leader_a", ["approve", "return"]),
        (PledgeState.SUBMITTED, "office", ["approve", "return"]),
        (PledgeState.SUBMITTED, "inspector_b", []),
        (PledgeState.RETURNED, "secretary_user_a1", ["submit"]),
        (PledgeState.APPROVED, "secretary_user_a1", ["publish"]),
        (PledgeState.PUBLISHED, "secretary_user_a1", ["revise"]),
        (PledgeState.PUBLISHED, "leader_a", ["revise", "assess"]),
        (PledgeState.IN_PROGRESS, "leader_a", ["revise", "assess"]),
        (PledgeState.ASSESSED, "leader_a", []),
    ],
)
def test_allowed_actions_offer_the_buttons_for_the_state_and_the_user(county, campaign, state, who, actions):
    pledge = make_pledge(campaign, county.branch_a1, state=state)
    assert allowed_actions(pledge=pledge, user=getattr(county, who)) == actions


def test_pending_approval_lists_what_the_user_may_decide(county, campaign, leader_b):
    branch = make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED, submitted_by=county.secretary_user_a1)
    member = make_pledge(
        campaign,
        county.branch_a1,
        member=county.member_a1,
        state=PledgeState.SUBMITTED,
        submitted_by=county.member_user_a1,
    )
    own = make_pledge(campaign, county.branch_a1, member=county.secretary_a1, state=PledgeState.SUBMITTED)
    make_pledge(campaign, county.branch_a1, state=PledgeState.DRAFT)
    everything = Pledge.objects.all()
    assert set(awaiting_decision(county.secretary_user_a1, everything)) == {member}
    assert set(awaiting_decision(county.leader_a, everything)) == {branch, member, own}
    assert set(awaiting_decision(leader_b, everything)) == set()
    assert set(awaiting_decision(county.member_user_a1, everything)) == set()
    for user in (county.secretary_user_a1, county.leader_a, county.office):
        decidable = {pledge for pledge in everything if lifecycle.may_decide(user, pledge)}
        assert set(awaiting_decision(user, everything)) == {p for p in decidable if p.state == PledgeState.SUBMITTED}


def test_history_is_for_the_approvers_side_and_the_office(county, branch_pledge, member_pledge):
    assert may_see_history(county.office, branch_pledge)
    assert may_see_history(county.leader_a, branch_pledge)
    assert not may_see_history(county.secretary_user_a1, branch_pledge)
    assert may_see_history(county.secretary_user_a1, member_pledge)
    assert not may_see_history(county.member_user_a1, member_pledge)
    assert not may_see_history(county.inspector_b, branch_pledge)
