"""待办提醒: the daily job finds what is due, keeps one reminder per account and thing,
resolves what is no longer due, tells the channels only of new ones; each account sees
and dismisses only its own on its home page."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.reminders.services import reminders_refresh
from campaign.reminders.tasks import refresh_reminders
from campaign.reports.models import InfoReport
from orgs.models import OrganizationKind, Post, Reminder, ReminderKind, Role
from orgs.notifications import Channel, check_channels
from orgs.selectors import open_reminders
from orgs.services import reminder_dismiss
from orgs.tests.factories import make_member, make_organization, make_user
from pledges.models import RectificationStatus
from pledges.rectification import rectification_create, rectification_report_done
from reviews.review_coverage import overdue_reviews_mark
from reviews.tests.factories import make_review

# The 20th of the first month of a review period: reports are judged, and the second
# half of 2010 (the campaign's first full period) is the previous one.
TODAY = datetime.date(2011, 1, 20)


def report(campaign, organization, day=TODAY, title="社区开展义务清扫"):
    return InfoReport.objects.create(
        campaign=campaign,
        organization=organization,
        title=title,
        body="组织党员清扫街道。",
        reported_on=day,
        category="work_news",
    )


def late_task(county, campaign, organization=None, *, deadline=datetime.date(2011, 1, 10), by=None):
    organization = organization or county.branch_a1
    return rectification_create(
        campaign=campaign,
        organization=organization,
        category="服务群众",
        problem="便民服务站开放时间不固定，群众办事常常找不到人",
        measure="排定值班表并在公开栏公布",
        owner="支部书记",
        deadline=deadline,
        by=by or county.office,
    )


def open_of(user, kind=None):
    reminders = open_reminders(user)
    return [reminder for reminder in reminders if kind is None or reminder.kind == kind]


def refresh(today=TODAY):
    return reminders_refresh(today=today)


class RecordingChannel(Channel):
    sent: list = []

    def send(self, reminders):
        RecordingChannel.sent.append([(reminder.user.username, reminder.kind, reminder.key) for reminder in reminders])


class BrokenChannel(Channel):
    def send(self, reminders):
        raise ConnectionError("短信平台无响应")


@pytest.fixture
def recording(settings):
    RecordingChannel.sent = []
    settings.NOTIFICATION_CHANNELS = ["orgs.notifications.InAppChannel", "orgs.tests.test_reminders.RecordingChannel"]
    return RecordingChannel.sent


# ---------------------------------------------------------------------------
# What is found
# ---------------------------------------------------------------------------


def test_an_organization_short_of_its_monthly_reports_reminds_its_own_accounts(county, campaign):
    for title in ("一", "二", "三"):
        report(campaign, county.branch_a1, title=title)
    report(campaign, county.branch_b1)
    report(campaign, county.branch_b1, day=datetime.date(2010, 12, 28))  # last month's does not count

    refresh()

    [short] = open_of(county.secretary_user_b1)
    assert short.kind == ReminderKind.REPORTS_SHORT
    assert short.message == "北极村党支部2011年1月已报送信息1条，每月应报3条，请在月底前报足。"
    assert short.url == f"{reverse('campaign:report_create')}?campaign={campaign.pk}"
    # The township's own account is reminded of the township committee's own quota.
    assert [reminder.params["organization"] for reminder in open_of(county.leader_a)] == ["红湾寺镇党委"]
    # Quota met; and the county committee runs the campaign and receives the reports.
    assert open_of(county.secretary_user_a1) == []
    assert open_of(county.office) == []
    # Nobody who does not file the branch's reports is reminded for it.
    assert not Reminder.objects.filter(user__in=[county.member_user_a1, county.inspector_b]).exists()


def test_reports_are_not_called_short_before_the_20th_of_the_month(county, campaign):
    refresh(today=datetime.date(2011, 1, 19))
    assert not Reminder.objects.filter(kind=ReminderKind.REPORTS_SHORT).exists()

    refresh(today=datetime.date(2011, 1, 20))
    assert Reminder.objects.filter(kind=ReminderKind.REPORTS_SHORT, user=county.secretary_user_b1).exists()


def test_last_months_shortfall_is_resolved_when_the_month_turns(county, campaign):
    refresh(today=datetime.date(2011, 1, 25))
    [january] = open_of(county.secretary_user_b1, ReminderKind.REPORTS_SHORT)

    refresh(today=datetime.date(2011, 2, 1))

    january.refresh_from_db()
    assert january.resolved_at is not None
    assert open_of(county.secretary_user_b1, ReminderKind.REPORTS_SHORT) == []


def test_a_campaign_that_is_not_running_asks_for_no_reports(county, campaign):
    refresh(today=datetime.date(2012, 7, 20))
    refresh(today=datetime.date(2010, 3, 20))
    assert not Reminder.objects.filter(kind=ReminderKind.REPORTS_SHORT).exists()


def test_a_reviewer_organization_is_reminded_of_subjects_overdue_from_the_previous_period(county, campaign):
    overdue_reviews_mark(today=TODAY)

    refresh()

    [leader] = open_of(county.leader_a, ReminderKind.REVIEWS_OVERDUE)
    # 红湾社区党支部 with its secretary 安秀英, and 许三湾村党支部.
    assert leader.params["count"] == 3
    assert leader.message == "上一点评周期（2010年7月1日至2010年12月31日）有3个对象没有点评，请尽快安排。"
    assert leader.url == reverse("reviews:due")
    # The branch secretary reviews the branch's two other members.
    [secretary] = open_of(county.secretary_user_a1, ReminderKind.REVIEWS_OVERDUE)
    assert secretary.params["count"] == 2
    # The county reviews both townships and the township secretary 柯长林.
    assert open_of(county.office, ReminderKind.REVIEWS_OVERDUE)[0].params["count"] == 3
    assert open_of(county.member_user_a1) == []


def test_reviewing_an_overdue_subject_lowers_the_count_and_the_last_one_resolves_it(county, campaign, recording):
    overdue_reviews_mark(today=TODAY)
    refresh()
    make_review(campaign, county.branch_a2, day=TODAY, reviewer=county.leader_a)

    result = refresh(today=TODAY + datetime.timedelta(days=1))

    [leader] = open_of(county.leader_a, ReminderKind.REVIEWS_OVERDUE)
    assert leader.params["count"] == 2
    assert result[ReminderKind.REVIEWS_OVERDUE].created == 0

    make_review(campaign, county.branch_a1, day=TODAY, reviewer=county.leader_a)
    make_review(campaign, county.branch_a1, county.secretary_a1, day=TODAY, reviewer=county.leader_a)
    refresh(today=TODAY + datetime.timedelta(days=2))
    assert open_of(county.leader_a, ReminderKind.REVIEWS_OVERDUE) == []
    leader.refresh_from_db()
    assert leader.resolved_at is not None


def test_a_rectification_past_its_deadline_reminds_the_responsible_organizations_accounts(county, campaign):
    late = late_task(county, campaign)
    late_task(county, campaign, deadline=TODAY)  # due today: not late yet
    solved = late_task(county, campaign)
    rectification_report_done(rectification=solved, result="已公布值班表", solved_on=TODAY, by=county.secretary_user_a1)

    refresh()

    [reminder] = open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE)
    assert reminder.key == str(late.pk)
    assert reminder.url == late.get_absolute_url()
    assert reminder.message == (
        "红湾社区党支部的整改任务“便民服务站开放时间不固定，群众办事常常找不到人”已过整改时限（2011年1月10日），尚未完成。"
    )
    # The township above supervises it but is not the one to rectify.
    assert open_of(county.leader_a, ReminderKind.RECTIFICATION_LATE) == []


def test_a_late_rectification_is_still_reminded_after_its_campaign_ended(county, campaign):
    late = late_task(county, campaign, deadline=datetime.date(2012, 6, 20))
    refresh(today=datetime.date(2012, 8, 1))
    assert [reminder.key for reminder in open_of(county.secretary_user_a1)] == [str(late.pk)]


# ---------------------------------------------------------------------------
# Idempotence, resolution, channels
# ---------------------------------------------------------------------------


def test_running_twice_leaves_one_reminder_for_each_thing(county, campaign):
    late_task(county, campaign)
    overdue_reviews_mark(today=TODAY)
    first = refresh()
    count = Reminder.objects.count()

    second = refresh()

    assert Reminder.objects.count() == count
    assert sum(sync.created for sync in first.values()) == count
    assert sum(sync.created for sync in second.values()) == 0
    assert sum(sync.still_due for sync in second.values()) == count
    assert sum(sync.resolved for sync in second.values()) == 0


def test_a_reminder_no_longer_due_is_resolved_and_leaves_the_home_page(client, county, campaign):
    late = late_task(county, campaign)
    refresh()
    [reminder] = open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE)

    rectification_report_done(rectification=late, result="已公布值班表", solved_on=TODAY, by=county.secretary_user_a1)
    result = refresh(today=TODAY + datetime.timedelta(days=1))

    reminder.refresh_from_db()
    assert reminder.resolved_at is not None
    assert result[ReminderKind.RECTIFICATION_LATE].resolved == 1
    client.force_login(county.secretary_user_a1)
    assert reminder.message not in client.get(reverse("home")).content.decode()


def test_each_run_records_when_a_reminder_was_last_found_due(county, campaign):
    late_task(county, campaign)
    first_run = timezone.now() - datetime.timedelta(days=1)
    reminders_refresh(today=TODAY, now=first_run)
    reminders_refresh(today=TODAY + datetime.timedelta(days=1))

    reminder = Reminder.objects.get(user=county.secretary_user_a1, kind=ReminderKind.RECTIFICATION_LATE)
    assert reminder.created_at == first_run
    assert reminder.due_seen_at > first_run


def test_channels_hear_only_of_new_reminders(county, campaign, recording, django_capture_on_commit_callbacks):
    late_task(county, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        refresh()
    sent = [entry for batch in recording for entry in batch]
    assert ("secretary_b1", ReminderKind.REPORTS_SHORT, f"{campaign.pk}:2011-01:{county.branch_b1.pk}") in sent
    assert len(sent) == Reminder.objects.count()

    recording.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refresh(today=TODAY + datetime.timedelta(days=1))
    assert recording == []

    newer = late_task(county, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        refresh(today=TODAY + datetime.timedelta(days=2))
    assert recording == [[("secretary_a1", ReminderKind.RECTIFICATION_LATE, str(newer.pk))]]


def test_a_reminder_due_again_after_it_was_resolved_is_shown_and_sent_again(
    county, campaign, recording, django_capture_on_commit_callbacks
):
    late = late_task(county, campaign)
    refresh()
    [reminder] = open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE)
    reminder_dismiss(reminder=reminder, by=county.secretary_user_a1)
    rectification_report_done(rectification=late, result="已公布值班表", solved_on=TODAY, by=county.secretary_user_a1)
    refresh(today=TODAY + datetime.timedelta(days=1))

    late.status = RectificationStatus.OPEN  # reopened: the result did not hold
    late.save()
    recording.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refresh(today=TODAY + datetime.timedelta(days=2))

    assert [item.pk for item in open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE)] == [reminder.pk]
    assert recording == [[("secretary_a1", ReminderKind.RECTIFICATION_LATE, str(late.pk))]]


def test_a_failing_channel_neither_stops_the_others_nor_undoes_the_reminders(
    county, campaign, settings, django_capture_on_commit_callbacks, caplog
):
    RecordingChannel.sent = []
    settings.NOTIFICATION_CHANNELS = [
        "orgs.tests.test_reminders.BrokenChannel",
        "orgs.tests.test_reminders.RecordingChannel",
    ]
    late_task(county, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        refresh()
    assert RecordingChannel.sent
    assert open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE)
    assert "BrokenChannel failed" in caplog.text


def test_a_misspelt_channel_fails_the_system_check(settings):
    settings.NOTIFICATION_CHANNELS = ["orgs.notifications.SmsChanel"]
    [error] = check_channels()
    assert error.id == "orgs.E001" and "SmsChanel" in error.msg
    settings.NOTIFICATION_CHANNELS = ["orgs.models.User"]
    [error] = check_channels()
    assert "not a subclass" in error.msg
    settings.NOTIFICATION_CHANNELS = ["orgs.notifications.InAppChannel"]
    assert check_channels() == []


# ---------------------------------------------------------------------------
# Cost
# ---------------------------------------------------------------------------


def grow(county, campaign, count):
    """More branches under township B, each with a secretary account, a late task and a member."""
    start = len(county.grown)
    for number in range(start, start + count):
        branch = make_organization(f"新建村{number}党支部", parent=county.township_b)
        secretary = make_member(branch, f"书记{number}", post=Post.SECRETARY)
        make_member(branch, f"党员{number}")
        make_user(f"sj{number}", Role.SECRETARY, organization=branch, member=secretary)
        late_task(county, campaign, branch)
        county.grown.append(branch)


def queries_of_refresh(today):
    with CaptureQueriesContext(connection) as context:
        refresh(today=today)
    return len(context.captured_queries)


def test_the_refresh_costs_the_same_queries_for_a_bigger_county(county, campaign):
    county.grown = []
    grow(county, campaign, 2)
    overdue_reviews_mark(today=TODAY)
    first_small = queries_of_refresh(TODAY)
    again_small = queries_of_refresh(TODAY)
    Reminder.objects.all().delete()

    grow(county, campaign, 6)
    overdue_reviews_mark(today=TODAY)
    first_big = queries_of_refresh(TODAY)
    again_big = queries_of_refresh(TODAY)

    assert Reminder.objects.count() > 20
    assert first_big == first_small
    assert again_big == again_small


# ---------------------------------------------------------------------------
# The home page and dismissing
# ---------------------------------------------------------------------------


def test_the_home_page_shows_the_users_open_reminders_with_their_links(client, county, campaign):
    late = late_task(county, campaign)
    refresh()
    client.force_login(county.secretary_user_a1)

    page = client.get(reverse("home")).content.decode()

    assert 'class="waiting-item reminder' in page
    assert "整改逾期" in page
    assert "便民服务站开放时间不固定" in page
    assert f'href="{late.get_absolute_url()}"' in page
    for reminder in open_of(county.secretary_user_a1):
        assert reverse("orgs:reminder_dismiss", args=[reminder.pk]) in page
    assert "csrfmiddlewaretoken" in page
    # Another account's reminders are not shown.
    assert "北极村党支部" not in page


def test_the_home_page_costs_no_more_queries_with_reminders(client, county, campaign, django_assert_num_queries):
    client.force_login(county.secretary_user_a1)
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("home"))
    late_task(county, campaign)
    late_task(county, campaign)
    refresh()
    assert len(open_of(county.secretary_user_a1)) == 3  # two tasks and the month's reports
    with django_assert_num_queries(len(without.captured_queries)):
        client.get(reverse("home"))


def test_a_user_without_reminders_sees_no_reminder_card(client, county, campaign):
    refresh()
    client.force_login(county.member_user_a1)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert 'class="waiting-item reminder' not in response.content.decode()


def test_dismissing_takes_a_reminder_off_the_home_page_and_the_job_leaves_it_dismissed(client, county, campaign):
    late_task(county, campaign)
    refresh()
    [reminder] = open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE)
    client.force_login(county.secretary_user_a1)

    response = client.post(reverse("orgs:reminder_dismiss", args=[reminder.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert "已忽略这条提醒。" in page
    assert "便民服务站开放时间不固定" not in page
    assert "红湾社区党支部2011年1月已报送信息0条" in page  # the other one stays
    refresh(today=TODAY + datetime.timedelta(days=1))
    reminder.refresh_from_db()
    assert reminder.dismissed_at is not None and reminder.resolved_at is None
    assert open_of(county.secretary_user_a1, ReminderKind.RECTIFICATION_LATE) == []


def test_nobody_can_dismiss_another_users_reminder(client, county, campaign):
    refresh()
    [theirs] = open_of(county.secretary_user_b1)
    for user in (county.office, county.leader_a, county.secretary_user_a1):
        client.force_login(user)
        assert client.post(reverse("orgs:reminder_dismiss", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.dismissed_at is None
    with pytest.raises(PermissionDenied):
        reminder_dismiss(reminder=theirs, by=county.office)


def test_dismissing_needs_a_post(client, county, campaign):
    refresh()
    [reminder] = open_of(county.secretary_user_b1)
    client.force_login(county.secretary_user_b1)
    assert client.get(reverse("orgs:reminder_dismiss", args=[reminder.pk])).status_code == 405
    reminder.refresh_from_db()
    assert reminder.dismissed_at is None


# ---------------------------------------------------------------------------
# The daily task
# ---------------------------------------------------------------------------


def test_the_daily_task_refreshes_todays_reminders(county, campaign):
    today = timezone.localdate()
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_on=today - datetime.timedelta(days=800), ends_on=today + datetime.timedelta(days=300)
    )
    campaign.refresh_from_db()
    late_task(county, campaign, deadline=today - datetime.timedelta(days=1))

    result = refresh_reminders.delay().get()

    assert result[ReminderKind.RECTIFICATION_LATE] == {"created": 1, "still_due": 0, "resolved": 0}
    assert refresh_reminders.delay().get()[ReminderKind.RECTIFICATION_LATE]["created"] == 0


def test_the_task_runs_daily_from_beat_after_the_overdue_marks():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-reminders"]
    marks = settings.CELERY_BEAT_SCHEDULE["mark-overdue-reviews"]
    assert entry["task"] == "campaign.reminders.tasks.refresh_reminders"
    assert entry["schedule"].hour == {7}
    assert min(marks["schedule"].hour) < min(entry["schedule"].hour)


def test_mass_organizations_and_branches_without_accounts_remind_nobody(county, campaign):
    make_organization("许三湾村团支部", parent=county.branch_a2, kind=OrganizationKind.YOUTH_LEAGUE)
    refresh()
    assert not Reminder.objects.filter(params__organization="许三湾村党支部").exists()
    assert not Reminder.objects.filter(params__organization="许三湾村团支部").exists()
