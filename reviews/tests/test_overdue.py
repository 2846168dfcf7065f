import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaign.campaigns.models import Campaign
from orgs.tests.factories import make_member
from reviews.models import OverdueReview
from reviews.review_coverage import overdue_for_reviewer, overdue_reviews_mark, previous_period_start
from reviews.tasks import mark_overdue_reviews
from reviews.tests.factories import make_review

NEW_YEAR = datetime.date(2011, 1, 2)  # the day after the second half of 2010 ended


def running_campaign(campaign, today):
    """The test campaign, moved so that it runs today and ran through the previous period."""
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_on=today - datetime.timedelta(days=800), ends_on=today + datetime.timedelta(days=300)
    )
    campaign.refresh_from_db()
    return campaign


def marked(campaign):
    return {
        (mark.member.name if mark.member else mark.organization.name, mark.reviewer_organization.name)
        for mark in OverdueReview.objects.filter(campaign=campaign).select_related(
            "member", "organization", "reviewer_organization"
        )
    }


def test_the_job_marks_the_subjects_not_reviewed_in_the_previous_period(county, campaign):
    make_review(campaign, county.branch_a1, day=datetime.date(2010, 11, 5), reviewer=county.leader_a)
    make_review(
        campaign, county.branch_a1, county.member_a1, day=datetime.date(2010, 8, 5), reviewer=county.secretary_user_a1
    )
    # Reviewed in the current period, not in the one the job looks at.
    make_review(campaign, county.branch_a2, day=datetime.date(2011, 1, 1), reviewer=county.leader_a)

    assert overdue_reviews_mark(today=NEW_YEAR) == 10
    marks = marked(campaign)
    assert ("红湾社区党支部", "红湾寺镇党委") not in marks
    assert ("钟建军", "红湾社区党支部") not in marks
    assert ("许三湾村党支部", "红湾寺镇党委") in marks
    assert ("兰永福", "红湾社区党支部") in marks
    assert ("柯长林", "测试县委") in marks
    assert set(OverdueReview.objects.values_list("period_start", "marked_on")) == {
        (datetime.date(2010, 7, 1), NEW_YEAR)
    }


def test_the_job_marks_each_subject_once_per_period(county, campaign):
    assert overdue_reviews_mark(today=NEW_YEAR) == 12
    assert overdue_reviews_mark(today=NEW_YEAR + datetime.timedelta(days=1)) == 0
    assert OverdueReview.objects.count() == 12
    # A member who joined since is marked on the next run, the others not again.
    make_member(county.branch_b1, "新党员")
    assert overdue_reviews_mark(today=NEW_YEAR + datetime.timedelta(days=2)) == 1


def test_a_campaign_not_running_in_the_previous_period_marks_nobody(county, campaign):
    assert overdue_reviews_mark(today=datetime.date(2010, 3, 1)) == 0
    assert overdue_reviews_mark(today=datetime.date(2013, 1, 5)) == 0
    assert not OverdueReview.objects.exists()


def test_the_daily_task_marks_todays_previous_period(county, campaign):
    today = timezone.localdate()
    campaign = running_campaign(campaign, today)
    assert mark_overdue_reviews.delay().get() == 12
    assert set(OverdueReview.objects.values_list("period_start", flat=True)) == {previous_period_start(campaign, today)}
    assert mark_overdue_reviews.delay().get() == 0


def test_the_task_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["mark-overdue-reviews"]
    assert entry["task"] == "reviews.tasks.mark_overdue_reviews"
    assert entry["schedule"].hour == {1}


def test_a_reviewer_sees_her_overdue_subjects_until_reviewed(county, campaign):
    overdue_reviews_mark(today=NEW_YEAR)
    names = [
        mark.member.name if mark.member else mark.organization.name
        for mark in overdue_for_reviewer(county.leader_a, campaign, NEW_YEAR)
    ]
    assert names == ["红湾社区党支部", "安秀英", "许三湾村党支部"]
    secretary_marks = overdue_for_reviewer(county.secretary_user_a1, campaign, NEW_YEAR)
    assert sorted(mark.member.name for mark in secretary_marks) == ["兰永福", "钟建军"]

    make_review(campaign, county.branch_a1, day=NEW_YEAR, reviewer=county.leader_a)
    remaining = overdue_for_reviewer(county.leader_a, campaign, NEW_YEAR)
    assert [mark.organization.name for mark in remaining if mark.member is None] == ["许三湾村党支部"]
    assert overdue_for_reviewer(county.member_user_a1, campaign, NEW_YEAR) == []
    assert overdue_for_reviewer(county.inspector_b, campaign, NEW_YEAR) == []


def test_a_member_who_moved_is_no_longer_overdue_for_the_old_branch(county, campaign):
    overdue_reviews_mark(today=NEW_YEAR)
    county.member_a1.organization = county.branch_b1
    county.member_a1.save()
    names = [mark.member.name for mark in overdue_for_reviewer(county.secretary_user_a1, campaign, NEW_YEAR)]
    assert names == ["兰永福"]


def test_the_home_page_shows_the_overdue_card_to_a_reviewer(client, county, campaign):
    today = timezone.localdate()
    campaign = running_campaign(campaign, today)
    overdue_reviews_mark(today=today)
    client.force_login(county.leader_a)
    page = client.get(reverse("home")).content.decode()
    assert 'id="overdue-reviews"' in page
    assert "许三湾村党支部" in page
    assert reverse("reviews:review_coverage") in page

    make_review(campaign, county.branch_a1, day=today, reviewer=county.leader_a)
    make_review(campaign, county.branch_a1, county.secretary_a1, day=today, reviewer=county.leader_a)
    make_review(campaign, county.branch_a2, day=today, reviewer=county.leader_a)
    assert 'id="overdue-reviews"' not in client.get(reverse("home")).content.decode()


def test_members_and_inspectors_get_no_overdue_card(client, county, campaign):
    overdue_reviews_mark(today=NEW_YEAR)
    for user in (county.member_user_a1, county.inspector_b):
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert 'id="overdue-reviews"' not in response.content.decode()
