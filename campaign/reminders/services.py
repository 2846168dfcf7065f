"""待办提醒: the daily job that finds what is due and puts it on each responsible
account's home page (orgs.models.Reminder), telling the notification channels of what
is new (orgs.notifications).

Four kinds, each found for the whole database in a fixed number of queries (one or
two per campaign, never one per organization):
- 信息报送不足: an organization short of the month's information-report quota;
- 点评逾期: a reviewer organization with subjects that went the previous review period
  without a review and are still not reviewed;
- 整改逾期: a rectification task past its deadline and not solved;
- 整改待验收: a task reported done and awaiting sign-off, to whoever is asked to check
  it: the inspection group that found it, and the accounts of the organization just above.
- 工作部署催报: a task's return past its deadline, or one its sender reminded of, not filed.
Who is reminded is the account(s) anchored at the organization that has to act: they
file its reports, write its reviews and record its rectifications. Leaders above see
the same facts on their quota and coverage pages and are not reminded of each one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator

from campaign.campaigns.models import Campaign
from campaign.dispatch.selectors import due_return_reminders
from campaign.reports.services import REPORTER_ROLES, report_quota
from orgs.models import ReminderKind, User
from orgs.scoping import Scope, scope_activated
from orgs.services import DueReminder, ReminderSync, reminders_sync
from pledges.models import Rectification, RectificationStatus
from pledges.rectification import MANAGING_ROLES, late_rectifications_q, may_sign_off
from reviews.assignments import REVIEWING_ROLES, period_end
from reviews.review_coverage import overdue_pending, previous_period_start

# A month's reports are not "short" on the 3rd. From the 20th there are still ten days
# or so to report the rest, and the reminder is worth reading; before that it would be
# noise every organization gets every month.
REPORT_REMINDERS_FROM_DAY = 20
PROBLEM_CHARS = 40


def reminders_refresh(*, today: datetime.date, now: datetime.datetime | None = None) -> dict[str, ReminderSync]:
    """Find everything due today and bring the reminders in line: new ones created and
    sent, those still due kept, those no longer due resolved. Idempotent."""
    now = now or timezone.now()
    started = list(Campaign.objects.select_related("organization").filter(starts_on__lte=today).order_by("pk"))
    running = [campaign for campaign in started if campaign.contains_date(today)]
    return {
        ReminderKind.REPORTS_SHORT: reminders_sync(
            kind=ReminderKind.REPORTS_SHORT, due=_reports_short(running, today), now=now
        ),
        ReminderKind.REVIEWS_OVERDUE: reminders_sync(
            kind=ReminderKind.REVIEWS_OVERDUE, due=_reviews_overdue(running, today), now=now
        ),
        # A rectification outlives its campaign (a remedial one opened at the close
        # usually falls due after it), so every campaign that has started counts.
        ReminderKind.RECTIFICATION_LATE: reminders_sync(
            kind=ReminderKind.RECTIFICATION_LATE, due=_rectifications_late(started, today), now=now
        ),
        ReminderKind.RECTIFICATION_TO_VERIFY: reminders_sync(
            kind=ReminderKind.RECTIFICATION_TO_VERIFY, due=_rectifications_to_verify(started), now=now
        ),
        # 工作部署: returns past their deadline, and those the sender has reminded of, until filed.
        ReminderKind.DISPATCH_RETURN: reminders_sync(
            kind=ReminderKind.DISPATCH_RETURN, due=due_return_reminders(today), now=now
        ),
    }


def _accounts(organization_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[User]]:
    """Active accounts of these roles anchored at each organization (one query), with
    the member row a channel reads a phone number from."""
    accounts: dict[int, list[User]] = defaultdict(list)
    users = (
        User.objects.filter(is_active=True, organization_id__in=set(organization_ids), role__in=list(roles))
        .select_related("member")
        .order_by("pk")
    )
    for user in users:
        accounts[user.organization_id].append(user)
    return accounts


def _reports_short(campaigns: list[Campaign], today: datetime.date) -> list[DueReminder]:
    """Organizations below the monthly quota of the current month, from the 20th on."""
    if today.day < REPORT_REMINDERS_FROM_DAY:
        return []
    short = []
    for campaign in campaigns:
        # report_quota reads the active scope; here that is the campaign's own subtree.
        with scope_activated(Scope(subtree_paths=(campaign.organization.path,), label="reminders")):
            quota = report_quota(campaign, today)
        # The organization running the campaign receives the reports; it does not owe them.
        short += [(campaign, row) for row in quota.below if row.organization.pk != campaign.organization_id]
    accounts = _accounts((row.organization.pk for _campaign, row in short), REPORTER_ROLES)
    month = today.replace(day=1)
    due = []
    for campaign, row in short:
        url = f"{reverse('campaign:report_create')}?{urlencode({'campaign': campaign.pk})}"
        params = {
            "campaign": campaign.name,
            "organization": row.organization.name,
            "month": month.isoformat(),
            "count": row.reports,
            "quota": row.quota,
        }
        key = f"{campaign.pk}:{month:%Y-%m}:{row.organization.pk}"
        due += [DueReminder(user, key, params, url) for user in accounts.get(row.organization.pk, [])]
    return due


def _reviews_overdue(campaigns: list[Campaign], today: datetime.date) -> list[DueReminder]:
    """Per reviewer organization, how many subjects of the previous period are still not reviewed."""
    counts: dict[tuple[Campaign, int], int] = defaultdict(int)
    for campaign in campaigns:
        for mark in overdue_pending(campaign, today):
            counts[(campaign, mark.reviewer_organization_id)] += 1
    accounts = _accounts((reviewer_id for _campaign, reviewer_id in counts), REVIEWING_ROLES)
    url = reverse("reviews:due")
    due = []
    for (campaign, reviewer_id), count in counts.items():
        start = previous_period_start(campaign, today)
        params = {
            "campaign": campaign.name,
            "count": count,
            "start": start.isoformat(),
            "end": period_end(campaign, start).isoformat(),
        }
        key = f"{campaign.pk}:{start.isoformat()}:{reviewer_id}"
        due += [DueReminder(user, key, params, url) for user in accounts.get(reviewer_id, [])]
    return due


def _rectifications_late(campaigns: list[Campaign], today: datetime.date) -> list[DueReminder]:
    """Each rectification task past its deadline and not solved."""
    late = list(
        Rectification.objects.filter(late_rectifications_q(today), campaign__in=campaigns)
        .select_related("organization", "campaign")
        .order_by("deadline", "pk")
    )
    # The organization's filers record the measures and the result; a member named on
    # the task cannot, so the reminder goes to the organization's accounts.
    accounts = _accounts((rectification.organization_id for rectification in late), MANAGING_ROLES)
    due = []
    for rectification in late:
        params = {
            "campaign": rectification.campaign.name,
            "organization": rectification.organization.name,
            "problem": Truncator(rectification.problem).chars(PROBLEM_CHARS),
            "deadline": rectification.deadline.isoformat(),
        }
        url = rectification.get_absolute_url()
        due += [
            DueReminder(user, str(rectification.pk), params, url)
            for user in accounts.get(rectification.organization_id, [])
        ]
    return due


def _rectifications_to_verify(campaigns: list[Campaign]) -> list[DueReminder]:
    """Each task reported done since sign-off exists (reported_at set) and not yet checked:
    the finder, and the parent organization's filers who may sign it off. Tasks solved
    before sign-off existed are on the 待验收 list but not pushed to anyone."""
    waiting = list(
        Rectification.objects.filter(
            campaign__in=campaigns, status=RectificationStatus.SOLVED, reported_at__isnull=False
        ).select_related("campaign", "organization", "member", "found_by__organization")
    )
    parents = _accounts(
        (task.organization.parent_id for task in waiting if task.organization.parent_id), MANAGING_ROLES
    )
    due = []
    for task in waiting:
        candidates = list(parents.get(task.organization.parent_id, []))
        if task.found_by is not None and task.found_by.is_active:
            candidates.append(task.found_by)
        params = {
            "campaign": task.campaign.name,
            "organization": task.organization.name,
            "problem": Truncator(task.problem).chars(PROBLEM_CHARS),
            "reported": timezone.localdate(task.reported_at).isoformat(),
        }
        url = reverse("pledges:rectification_sign_off", args=[task.pk])
        due += [DueReminder(user, str(task.pk), params, url) for user in candidates if may_sign_off(user, task)]
    return due
