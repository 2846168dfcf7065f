"""Writing, editing, acknowledging a leader review and revising the pledge from it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaign.campaigns.models import StandardDimension
from pledges.models import Pledge, PledgeState, RectificationSource
from pledges.tests.factories import make_pledge
from reviews.assignments import period_start
from reviews.models import Review, ReviewForm, ReviewSection
from reviews.reviewing import (
    review_acknowledge,
    review_create,
    review_dimensions,
    review_start_revision,
    review_update,
)


@pytest.fixture
def campaign(county):
    """A campaign still running today: these tests review on today's date."""
    from campaign.tests.factories import make_campaign

    return make_campaign(county.county, ends_on=datetime.date(2035, 12, 31))


def sections_for(campaign, member, **first):
    dimensions = review_dimensions(campaign, member)
    sections = {dimension.pk: {"achievements": "按时完成了年度承诺。", "grade": "good"} for dimension in dimensions}
    sections[dimensions[0].pk].update(first)
    return sections


def write_review(c, campaign, *, member=None, organization=None, by=None, **fields):
    member = member if member is not None else (None if organization else c.member_a1)
    organization = organization or member.organization
    return review_create(
        campaign=campaign,
        organization=organization,
        member=member,
        form=fields.pop("form", ReviewForm.TALK),
        reviewed_on=fields.pop("reviewed_on", timezone.localdate()),
        sections=fields.pop("sections", None) or sections_for(campaign, member),
        requires_rectification=fields.pop("requires_rectification", False),
        by=by or c.secretary_user_a1,
        **fields,
    )


def test_branch_secretary_reviews_a_member_against_the_five_examples(county, campaign):
    review = write_review(county, campaign)
    names = list(ReviewSection.objects.filter(review=review).values_list("dimension__name", flat=True))
    assert names == ["带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气"]
    assert review.period_start == period_start(campaign, timezone.localdate())
    assert review.reviewer_organization == county.branch_a1


def test_township_leader_reviews_a_branch_against_the_five_goods(county, campaign):
    review = write_review(county, campaign, organization=county.branch_a1, by=county.leader_a)
    assert review.sections.count() == 5
    assert set(review.sections.values_list("dimension__standard__name", flat=True)) == {"五个好"}


@pytest.mark.parametrize(
    ("reviewer", "subject"),
    [
        ("leader_a", "member_a1"),  # a plain member is the branch's to review
        ("secretary_user_b1", "member_a1"),  # another branch
        ("member_user_a1", "other_member_a1"),  # members do not review
        ("office", "member_a1"),  # the county reviews townships, not branch members
        ("inspector_b", "member_b1"),
    ],
)
def test_nobody_outside_the_rule_can_review_a_subject(county, campaign, reviewer, subject):
    with pytest.raises(PermissionDenied):
        write_review(county, campaign, member=getattr(county, subject), by=getattr(county, reviewer))
    assert not Review.objects.exists()


def test_sections_must_match_the_standard(county, campaign):
    wrong = {StandardDimension.objects.get(name="领导班子好").pk: {"achievements": "好"}}
    with pytest.raises(ValidationError):
        write_review(county, campaign, sections=wrong)


def test_an_empty_review_is_refused(county, campaign):
    empty = {dimension.pk: {} for dimension in review_dimensions(campaign, county.member_a1)}
    with pytest.raises(ValidationError):
        write_review(county, campaign, sections=empty)


def test_a_review_requiring_rectification_creates_the_task(county, campaign):
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    sections = sections_for(campaign, county.member_a1, problems="学习笔记不全。", direction="每月记学习笔记。")
    review = write_review(
        county, campaign, sections=sections, requires_rectification=True, rectification_deadline=deadline
    )
    task = review.rectification
    assert task.source == RectificationSource.REVIEW
    assert (task.organization, task.member, task.owner, task.deadline) == (
        county.branch_a1,
        county.member_a1,
        "钟建军",
        deadline,
    )
    assert "学习笔记不全。" in task.problem and "每月记学习笔记。" in task.measure


def test_rectification_needs_a_deadline_and_leaves_nothing_half_written(county, campaign):
    sections = sections_for(campaign, county.member_a1, problems="学习笔记不全。", direction="每月记学习笔记。")
    with pytest.raises(ValidationError):
        write_review(county, campaign, sections=sections, requires_rectification=True)
    assert not Review.objects.exists()


def edit(review, by, **changes):
    sections = {
        section.dimension_id: {
            "achievements": section.achievements,
            "problems": section.problems,
            "direction": section.direction,
            "grade": section.grade,
        }
        for section in review.sections.all()
    }
    first = min(sections)
    sections[first].update(changes.pop("first", {}))
    return review_update(
        review=review,
        form=changes.pop("form", review.form),
        reviewed_on=review.reviewed_on,
        sections=sections,
        requires_rectification=changes.pop("requires_rectification", review.requires_rectification),
        rectification_deadline=changes.pop("rectification_deadline", None),
        by=by,
    )


def test_author_edits_within_the_window_and_history_records_each_change(county, campaign):
    review = write_review(county, campaign)
    edit(review, county.secretary_user_a1, form=ReviewForm.MEETING, first={"problems": "联系群众不够。"})
    review.refresh_from_db()
    assert review.form == ReviewForm.MEETING
    assert [row.history_type for row in review.history.order_by("history_id")] == ["+", "~"]
    assert review.history.latest().history_user == county.secretary_user_a1
    changed = ReviewSection.history.filter(review_id=review.pk, history_type="~")
    assert [row.problems for row in changed] == ["联系群众不够。"]


def test_only_the_author_may_edit(county, campaign):
    review = write_review(county, campaign, organization=county.branch_a1, by=county.leader_a)
    with pytest.raises(PermissionDenied):
        edit(review, county.office, form=ReviewForm.MEETING)


def test_a_frozen_review_cannot_be_edited(county, campaign):
    review = write_review(county, campaign)
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - datetime.timedelta(days=4))
    review.refresh_from_db()
    with pytest.raises(ValidationError, match="已归档"):
        edit(review, county.secretary_user_a1, form=ReviewForm.MEETING)
    assert Review.objects.get(pk=review.pk).form == ReviewForm.TALK


def test_editing_can_add_a_rectification_but_not_withdraw_it(county, campaign):
    review = write_review(county, campaign)
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    review = edit(
        review,
        county.secretary_user_a1,
        requires_rectification=True,
        rectification_deadline=deadline,
        first={"problems": "学习不够。", "direction": "参加党校培训。"},
    )
    assert review.rectification.deadline == deadline
    with pytest.raises(ValidationError):
        edit(review, county.secretary_user_a1, requires_rectification=False)


def test_the_subject_member_acknowledges_once(county, campaign):
    review = write_review(county, campaign)
    with pytest.raises(PermissionDenied):
        review_acknowledge(review=review, by=county.secretary_user_a1)
    review_acknowledge(review=review, by=county.member_user_a1)
    review.refresh_from_db()
    assert review.acknowledged_by == county.member_user_a1 and review.acknowledged_at is not None
    with pytest.raises(ValidationError):
        review_acknowledge(review=review, by=county.member_user_a1)


def test_the_branch_secretary_acknowledges_the_branch_review(county, campaign):
    review = write_review(county, campaign, organization=county.branch_a1, by=county.leader_a)
    review_acknowledge(review=review, by=county.secretary_user_a1)
    assert Review.objects.get(pk=review.pk).acknowledged_by == county.secretary_user_a1


def test_starting_a_revision_links_the_pledge_back_and_makes_it_a_draft(county, campaign):
    review = write_review(county, campaign)
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.PUBLISHED)
    review_start_revision(review=review, pledge=pledge, by=county.member_user_a1)
    pledge = Pledge.objects.get(pk=pledge.pk)
    assert pledge.state == PledgeState.DRAFT
    assert pledge.revised_after_review == review
    assert pledge.history.latest().history_user == county.member_user_a1


def test_only_the_subject_starts_a_revision_of_its_own_pledge(county, campaign):
    review = write_review(county, campaign)
    own = make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.PUBLISHED)
    other = make_pledge(campaign, county.branch_a1, member=county.other_member_a1, state=PledgeState.PUBLISHED)
    with pytest.raises(PermissionDenied):
        review_start_revision(review=review, pledge=own, by=county.secretary_user_a1)
    with pytest.raises(ValidationError):
        review_start_revision(review=review, pledge=other, by=county.member_user_a1)
    assert Pledge.objects.get(pk=own.pk).state == PledgeState.PUBLISHED
