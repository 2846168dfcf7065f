"""Scope rules for leader reviews (reviews/views/reviewing.py).

Each rule's review is about a member: inside, one the role sees (member_a1, reviewed
by the branch secretary; member_b1 for the inspection group), outside, one it does
not (another county's member, another branch's, or for a plain member a fellow
member). Only reviewers (office, leader, secretary) write; only the author edits;
only the subject acknowledges and revises the pledge; the history is for the
reviewer and those above the subject.
"""

import datetime

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import EVERYONE, Rule
from pledges.models import PledgeState
from pledges.tests.factories import make_pledge
from reviews.models import Review, ReviewForm

REVIEWERS = {"office", "leader", "secretary"}


def _campaign(c):
    if not hasattr(c, "reviewing_campaign"):
        c.reviewing_campaign = make_campaign(c.county, name="领导点评测试活动")
    return c.reviewing_campaign


def _reviewed_member(c, role, where):
    if where == "inside":
        return c.member_b1 if role == "inspector" else c.member_a1
    return {
        "office": c.other_county_member,
        "leader": c.member_b1,
        "inspector": c.member_a1,
        "secretary": c.member_b1,
        "member": c.other_member_a1,
    }[role]


def _reviewer(c, member):
    if member == c.member_a1 or member == c.other_member_a1:
        return c.secretary_user_a1
    if member == c.member_b1:
        return c.secretary_user_b1
    return c.office


def review_about(c, member):
    reviews = c.__dict__.setdefault("reviews_by_member", {})
    if member.pk not in reviews:
        reviewer = _reviewer(c, member)
        campaign = _campaign(c)
        reviews[member.pk] = Review.objects.create(
            campaign=campaign,
            period_start=datetime.date(2011, 1, 1),
            reviewer=reviewer,
            reviewer_organization=reviewer.organization,
            organization=member.organization,
            member=member,
            form=ReviewForm.TALK,
            reviewed_on=datetime.date(2011, 3, 1),
        )
    return reviews[member.pk]


def review_pk(c, role, where):
    return [review_about(c, _reviewed_member(c, role, where)).pk]


def review_with_pledge(c, role, where):
    review = review_about(c, _reviewed_member(c, role, where))
    make_pledge(review.campaign, review.organization, member=review.member, state=PledgeState.PUBLISHED)
    return [review.pk]


def with_campaign(c, role, where):
    _campaign(c)
    return []


RULES = {
    "reviews:due": Rule(args=with_campaign, scoped=False, allowed=REVIEWERS),
    "reviews:reviews": Rule(scoped=False, allowed=EVERYONE),
    # Without a subject the form sends the reviewer to the due list to pick one.
    "reviews:review_create": Rule(args=with_campaign, scoped=False, allowed=REVIEWERS, ok=302),
    "reviews:review": Rule(args=review_pk, allowed=EVERYONE),
    "reviews:review_edit": Rule(args=review_pk, allowed={"secretary"}),
    "reviews:review_acknowledge": Rule(method="POST", args=review_pk, allowed={"member"}, ok=302),
    "reviews:review_revise_pledge": Rule(method="POST", args=review_with_pledge, allowed={"member"}, ok=302),
    "reviews:review_history": Rule(args=review_pk, allowed=REVIEWERS),
}
