"""The demo county's 工作部署: two tasks from the county office with their returns, one
late, one missing and reminded, one extension granted; loading again adds nothing."""

import datetime

import pytest

from campaign.devdata.demo_dispatch import PAIRING_TASK_TITLE, PLEDGE_TASK_TITLE, demo_dispatch_load
from campaign.dispatch.models import DispatchRecipient, DispatchReturn, DispatchTask, ExtensionDecision
from campaign.dispatch.selectors import ReturnState, recipient_state
from orgs.models import Reminder, ReminderKind

pytestmark = pytest.mark.django_db

AFTER = datetime.date(2012, 7, 1)


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def states(title: str) -> dict[str, str]:
    rows = DispatchRecipient.objects.filter(task__title=title).select_related("organization", "task", "report")
    return {row.organization.name: recipient_state(row, AFTER) for row in rows}


def test_the_office_sent_two_tasks_to_branches():
    tasks = DispatchTask.objects.filter(title__in=[PLEDGE_TASK_TITLE, PAIRING_TASK_TITLE]).select_related("sender")
    assert {task.sender.code for task in tasks} == {"SN"} and tasks.count() == 2
    assert all(task.created_by.username == "office" for task in tasks)


def test_the_pledge_task_has_returns_one_late_one_missing_and_an_extension():
    pledge = states(PLEDGE_TASK_TITLE)
    assert pledge == {
        "红湾社区党支部": ReturnState.ON_TIME,
        "隆畅社区党支部": ReturnState.ON_TIME,
        "北极村党支部": ReturnState.ON_TIME,
        "东庄村党支部": ReturnState.LATE,
        "许三湾村党支部": ReturnState.ON_TIME,
        "前滩村党支部": ReturnState.OVERDUE,
    }
    extended = DispatchRecipient.objects.get(task__title=PLEDGE_TASK_TITLE, organization__name="许三湾村党支部")
    assert extended.extension_decision == ExtensionDecision.GRANTED
    assert extended.extended_deadline == datetime.date(2011, 11, 25)
    missing = DispatchRecipient.objects.get(task__title=PLEDGE_TASK_TITLE, organization__name="前滩村党支部")
    assert missing.reminded_at is not None
    assert Reminder.objects.filter(kind=ReminderKind.DISPATCH_RETURN, key=str(missing.pk)).exists()


def test_the_pairing_task_was_answered_in_time():
    assert set(states(PAIRING_TASK_TITLE).values()) == {ReturnState.ON_TIME}


def test_loading_again_adds_nothing():
    before = (DispatchTask.objects.count(), DispatchReturn.objects.count())
    assert demo_dispatch_load() == []
    assert (DispatchTask.objects.count(), DispatchReturn.objects.count()) == before
