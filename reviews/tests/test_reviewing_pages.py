"""The leader review pages: the due list, the form beside the pledge, reading,
acknowledging, revising the pledge, the list and the history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import Pledge, PledgeState, ProgressEntry
from pledges.tests.factories import make_pledge
from reviews.assignments import period_start
from reviews.models import OverdueReview, Review, ReviewForm
from reviews.reviewing import review_create, review_dimensions


@pytest.fixture
def campaign(county):
    """A campaign still running today: these tests review on today's date."""
    from campaign.tests.factories import make_campaign

    return make_campaign(county.county, ends_on=datetime.date(2035, 12, 31))


def write_review(c, campaign, member, by):
    return review_create(
        campaign=campaign,
        organization=member.organization,
        member=member,
        form=ReviewForm.TALK,
        reviewed_on=timezone.localdate(),
        sections={d.pk: {"achievements": "带头服务群众。"} for d in review_dimensions(campaign, member)},
        requires_rectification=False,
        by=by,
    )


def create_url(organization, member=None):
    url = reverse("reviews:review_create") + f"?organization={organization.code}"
    return url + (f"&member={member.pk}" if member else "")


def test_due_list_shows_done_due_and_overdue(client, county, campaign, django_assert_max_num_queries):
    write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    start = period_start(campaign, timezone.localdate())
    OverdueReview.objects.create(
        campaign=campaign,
        period_start=start - datetime.timedelta(days=200),
        reviewer_organization=county.branch_a1,
        organization=county.branch_a1,
        member=county.other_member_a1,
        marked_on=start,
    )
    client.force_login(county.secretary_user_a1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reviews:due"))
    rows = {row["subject"].name: row["label"] for row in response.context["rows"]}
    assert rows == {"钟建军": "已点评", "兰永福": "逾期"}
    assert response.context["counts"] == {"done": 1, "due": 0, "overdue": 1}


def test_due_list_queries_do_not_grow_with_subjects(client, county, campaign, django_assert_num_queries):
    from orgs.tests.factories import make_member

    client.force_login(county.secretary_user_a1)
    client.get(reverse("reviews:due"))
    with django_assert_num_queries(8) as before:
        client.get(reverse("reviews:due"))
    for number in range(5):
        make_member(county.branch_a1, f"新党员{number}")
    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get(reverse("reviews:due"))
    assert len(response.context["rows"]) == 7


def test_due_list_marks_a_later_review_as_clearing_the_overdue_mark(client, county, campaign):
    start = period_start(campaign, timezone.localdate())
    OverdueReview.objects.create(
        campaign=campaign,
        period_start=start - datetime.timedelta(days=200),
        reviewer_organization=county.branch_a1,
        organization=county.branch_a1,
        member=county.member_a1,
        marked_on=start,
    )
    client.force_login(county.secretary_user_a1)
    before = {row["subject"].name: row["status"] for row in client.get(reverse("reviews:due")).context["rows"]}
    write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    after = {row["subject"].name: row["status"] for row in client.get(reverse("reviews:due")).context["rows"]}
    assert before["钟建军"] == "overdue" and after["钟建军"] == "done"


def test_review_form_shows_the_standard_and_the_pledge_beside_it(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.IN_PROGRESS)
    ProgressEntry.objects.create(item=pledge.items.get(), recorded_on=datetime.date(2011, 3, 1), text="服务站已挂牌")
    client.force_login(county.secretary_user_a1)
    response = client.get(create_url(county.branch_a1, county.member_a1))
    body = response.content.decode()
    assert response.status_code == 200
    assert "带头服务群众" in body and "工作思路、执行能力、效率业绩、廉洁从政、承诺兑现" in body
    assert pledge.title in body and "服务站已挂牌" in body and "已逾期" in body
    # A date input only takes ISO dates; a localized one would come back empty.
    assert f'value="{timezone.localdate().isoformat()}"' in body


def test_posting_the_form_saves_the_review_with_a_rectification(client, county, campaign):
    dimensions = review_dimensions(campaign, county.member_a1)
    data = {"form": ReviewForm.MEETING, "reviewed_on": timezone.localdate().isoformat()}
    data |= {f"d{d.pk}_achievements": "按期完成。" for d in dimensions}
    data |= {f"d{dimensions[0].pk}_problems": "学习不够。", f"d{dimensions[0].pk}_direction": "参加培训。"}
    data |= {"requires_rectification": "on", "rectification_deadline": "2099-01-01"}
    client.force_login(county.secretary_user_a1)
    response = client.post(create_url(county.branch_a1, county.member_a1), data)
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert review.rectification.deadline == datetime.date(2099, 1, 1)


def test_rectification_without_deadline_is_answered_in_chinese(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        create_url(county.branch_a1, county.member_a1),
        {"form": ReviewForm.TALK, "reviewed_on": timezone.localdate().isoformat(), "requires_rectification": "on"},
    )
    assert response.status_code == 200
    assert "需要整改时，请填写整改时限。" in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("user", "organization", "member", "status"),
    [
        ("leader_a", "branch_a1", "member_a1", 403),  # visible, but the branch reviews its members
        ("office", "branch_a1", None, 403),  # the county reviews townships
        ("secretary_user_a1", "branch_b1", "member_b1", 404),  # another branch: not visible
        ("leader_a", "branch_b1", None, 404),
        ("member_user_a1", "branch_a1", "other_member_a1", 403),  # members do not review
    ],
)
def test_nobody_outside_the_rule_can_open_the_form(client, county, campaign, user, organization, member, status):
    client.force_login(getattr(county, user))
    member = getattr(county, member) if member else None
    assert client.get(create_url(getattr(county, organization), member)).status_code == status


def test_frozen_review_cannot_be_edited_from_the_page(client, county, campaign):
    review = write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    client.force_login(county.secretary_user_a1)
    assert client.get(reverse("reviews:review_edit", args=[review.pk])).status_code == 200
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - datetime.timedelta(days=4))
    response = client.get(reverse("reviews:review_edit", args=[review.pk]))
    assert response.status_code == 403
    detail = client.get(reverse("reviews:review", args=[review.pk]))
    assert reverse("reviews:review_edit", args=[review.pk]) not in detail.content.decode()


def test_member_acknowledges_and_revises_the_pledge_from_the_review(client, county, campaign):
    review = write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.PUBLISHED)
    client.force_login(county.member_user_a1)
    detail = client.get(review.get_absolute_url()).content.decode()
    assert "确认阅知" in detail and "按照点评修改我的承诺" in detail
    client.post(reverse("reviews:review_acknowledge", args=[review.pk]))
    assert Review.objects.get(pk=review.pk).acknowledged_by == county.member_user_a1
    response = client.post(reverse("reviews:review_revise_pledge", args=[review.pk]))
    pledge = Pledge.objects.get(pk=pledge.pk)
    assert response["Location"] == pledge.get_absolute_url()
    assert (pledge.state, pledge.revised_after_review) == (PledgeState.DRAFT, review)


def test_a_member_sees_his_own_review_and_not_a_fellow_members(client, county, campaign):
    own = write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    other = write_review(county, campaign, county.other_member_a1, county.secretary_user_a1)
    client.force_login(county.member_user_a1)
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    listed = list(client.get(reverse("reviews:reviews")).context["page"])
    assert listed == [own]


def test_another_branch_secretary_gets_404(client, county, campaign):
    review = write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    client.force_login(county.secretary_user_b1)
    assert client.get(review.get_absolute_url()).status_code == 404


def test_review_list_queries_do_not_grow_with_rows(client, county, campaign, django_assert_num_queries):
    write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    client.force_login(county.leader_a)
    client.get(reverse("reviews:reviews"))
    # One of them finds the campaign the leader works in, whose reviews are listed.
    with django_assert_num_queries(7) as first:
        client.get(reverse("reviews:reviews"))
    write_review(county, campaign, county.other_member_a1, county.secretary_user_a1)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("reviews:reviews"))
    assert len(response.context["page"]) == 2


def test_history_lists_the_edits_for_the_superiors_not_the_subject(client, county, campaign):
    review = write_review(county, campaign, county.member_a1, county.secretary_user_a1)
    client.force_login(county.secretary_user_a1)
    dimensions = review_dimensions(campaign, county.member_a1)
    data = {"form": ReviewForm.PHONE, "reviewed_on": review.reviewed_on.isoformat()}
    data |= {f"d{d.pk}_achievements": "带头服务群众。" for d in dimensions}
    data[f"d{dimensions[0].pk}_problems"] = "联系群众不够。"
    assert client.post(reverse("reviews:review_edit", args=[review.pk]), data).status_code == 302
    assert review.history.count() == 2
    url = reverse("reviews:review_history", args=[review.pk])
    client.force_login(county.leader_a)
    body = client.get(url).content.decode()
    assert "电话点评" in body and "联系群众不够。" in body
    client.force_login(county.member_user_a1)
    assert client.get(url).status_code == 403
