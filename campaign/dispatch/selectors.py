"""Reads of 工作部署: each recipient's state worked out from its deadline and its
return, the counts a sender reads at a glance, the tasks an organization still owes a
return on, and the late returns the reminders job puts on home pages."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from campaign.dispatch.models import DispatchRecipient, DispatchReturn, DispatchTask
from orgs.models import Role, User
from orgs.services import DueReminder

# Who acts for an organization on a task: sends it down, files its return, is reminded.
ACTING_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})
TITLE_CHARS = 40


class ReturnState:
    """What the sender's table shows for each recipient."""

    ON_TIME = "on_time"
    LATE = "late"  # returned after its deadline
    OVERDUE = "overdue"  # no return and the deadline has passed
    PENDING = "pending"  # no return yet, still in time

    LABELS = {
        ON_TIME: _("已报"),
        LATE: _("逾期报送"),
        OVERDUE: _("逾期未报"),
        PENDING: _("未报"),
    }


def return_is_late(report: DispatchReturn, deadline: datetime.date) -> bool:
    """Late when filed on a day after the deadline (the local day). No query."""
    return timezone.localdate(report.returned_at) > deadline


def recipient_state(recipient: DispatchRecipient, today: datetime.date) -> str:
    """未报 / 已报 / 逾期, from the deadline (granted extensions included) and the return.
    Reads recipient.task and recipient.report: select or prefetch them."""
    report = getattr(recipient, "report", None)
    deadline = recipient.deadline
    if report is not None:
        return ReturnState.LATE if return_is_late(report, deadline) else ReturnState.ON_TIME
    return ReturnState.OVERDUE if today > deadline else ReturnState.PENDING


@dataclass
class RecipientRow:
    recipient: DispatchRecipient
    state: str

    @property
    def label(self):
        return ReturnState.LABELS[self.state]

    @property
    def report(self) -> DispatchReturn | None:
        return getattr(self.recipient, "report", None)

    @property
    def needs_reminder(self) -> bool:
        return self.state in (ReturnState.OVERDUE, ReturnState.PENDING)


@dataclass
class TaskCounts:
    total: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def returned(self) -> int:
        return self.on_time + self.late


def recipients_of(task: DispatchTask) -> QuerySet[DispatchRecipient]:
    """The task's recipient rows the active scope sees, with their returns and files."""
    return (
        DispatchRecipient.objects.filter(task=task)
        .select_related("organization", "task", "report__returned_by", "extension_decided_by")
        .prefetch_related("report__files")
        .order_by("organization__path")
    )


def recipient_rows(recipients, today: datetime.date) -> list[RecipientRow]:
    return [RecipientRow(recipient, recipient_state(recipient, today)) for recipient in recipients]


def counts_of(rows: list[RecipientRow]) -> TaskCounts:
    counted = Counter(row.state for row in rows)
    return TaskCounts(
        total=len(rows),
        on_time=counted[ReturnState.ON_TIME],
        late=counted[ReturnState.LATE],
        overdue=counted[ReturnState.OVERDUE],
        pending=counted[ReturnState.PENDING],
    )


def tasks_with_counts(tasks: QuerySet[DispatchTask], today: datetime.date) -> list[tuple[DispatchTask, TaskCounts]]:
    """Each task with the counts of its recipients' states: two queries for the page."""
    tasks = list(
        tasks.select_related("sender").prefetch_related(
            Prefetch(
                "recipients",
                queryset=DispatchRecipient._base_manager.select_related("report"),
                to_attr="all_recipients",
            )
        )
    )
    result = []
    for task in tasks:
        for recipient in task.all_recipients:
            recipient.task = task
        result.append((task, counts_of(recipient_rows(task.all_recipients, today))))
    return result


def sent_tasks(campaign, user: User) -> QuerySet[DispatchTask]:
    """Tasks sent by organizations the user acts for (the user's subtree), newest first."""
    from orgs.access import user_scope

    scope = user_scope(user)
    tasks = DispatchTask.objects.filter(campaign=campaign)
    if not scope.everything:
        tasks = tasks.filter(scope.organization_q("sender__path"))
    return tasks.order_by("-created_at", "-pk")


def received_rows(campaign, user: User, today: datetime.date) -> list[RecipientRow]:
    """The recipient rows of organizations in the user's scope on tasks sent from above
    the user's own organization (what the user's units owe), soonest deadline first."""
    rows = DispatchRecipient.objects.filter(task__campaign=campaign).select_related(
        "task__sender", "organization", "report"
    )
    if user.organization_id:
        # A task the user's own organization (or one below it) sent is on the sent list.
        rows = rows.exclude(task__sender__path__startswith=user.organization.path)
    result = recipient_rows(rows.order_by("task__deadline", "organization__path", "pk"), today)
    return result


def open_tasks_for(user: User, today: datetime.date) -> list[RecipientRow]:
    """For the home page: the tasks sent to the user's own organization that still wait
    for its return (two queries, none for an account with no organization)."""
    if not user.is_authenticated or user.organization_id is None or user.role not in ACTING_ROLES:
        return []
    rows = (
        DispatchRecipient._base_manager.filter(organization_id=user.organization_id, report__isnull=True)
        .select_related("task__sender", "organization")
        .order_by("task__deadline", "pk")
    )
    return recipient_rows(rows, today)


# ---------------------------------------------------------------------------
# Reminders (催报)
# ---------------------------------------------------------------------------


def _accounts(organization_ids) -> dict[int, list[User]]:
    accounts: dict[int, list[User]] = {}
    users = (
        User.objects.filter(is_active=True, organization_id__in=set(organization_ids), role__in=list(ACTING_ROLES))
        .select_related("member")
        .order_by("pk")
    )
    for user in users:
        accounts.setdefault(user.organization_id, []).append(user)
    return accounts


def return_reminders(recipients) -> list[DueReminder]:
    """One reminder per account of each recipient organization (the accounts anchored
    there). Reads recipient.task.sender and recipient.organization: select them."""
    recipients = list(recipients)
    accounts = _accounts(recipient.organization_id for recipient in recipients)
    due = []
    for recipient in recipients:
        task = recipient.task
        params = {
            "campaign": task.campaign.name,
            "sender": task.sender.name,
            "organization": recipient.organization.name,
            "title": Truncator(task.title).chars(TITLE_CHARS),
            "deadline": recipient.deadline.isoformat(),
        }
        url = reverse("campaign:dispatch_recipient", args=[recipient.pk])
        due += [
            DueReminder(user, str(recipient.pk), params, url) for user in accounts.get(recipient.organization_id, [])
        ]
    return due


def returns_due(today: datetime.date) -> QuerySet[DispatchRecipient]:
    """Recipients still owing their return that should be reminded: past their deadline,
    or reminded by the sender already (until they return). Unscoped: for the job."""
    past = Q(extended_deadline__isnull=True, task__deadline__lt=today) | Q(extended_deadline__lt=today)
    return (
        DispatchRecipient._base_manager.filter(report__isnull=True)
        .filter(past | Q(reminded_at__isnull=False))
        .select_related("task__sender", "task__campaign", "organization")
        .order_by("pk")
    )


def due_return_reminders(today: datetime.date) -> list[DueReminder]:
    """What the daily reminders job finds for 工作部署催报: a fixed number of queries."""
    return return_reminders(returns_due(today))


# ---------------------------------------------------------------------------
# What a circular says of a task (通报)
# ---------------------------------------------------------------------------


def task_citation(task: DispatchTask, today: datetime.date) -> dict:
    """A task's returns as a circular prints them: how many returned on time, late, not
    at all, naming the late and the missing organizations. Plain JSON; one query,
    unscoped (the office's circular reads the sender's whole task)."""
    recipients = (
        DispatchRecipient._base_manager.filter(task=task)
        .select_related("organization", "report")
        .order_by("organization__path")
    )
    late, missing, pending, on_time = [], [], [], 0
    concerned = []
    for recipient in recipients:
        recipient.task = task
        state = recipient_state(recipient, today)
        name = recipient.organization.name
        if state == ReturnState.ON_TIME:
            on_time += 1
        elif state == ReturnState.LATE:
            late.append({"name": name, "returned_on": timezone.localdate(recipient.report.returned_at).isoformat()})
            concerned.append(recipient.organization_id)
        elif state == ReturnState.OVERDUE:
            missing.append({"name": name, "deadline": recipient.deadline.isoformat()})
            concerned.append(recipient.organization_id)
        else:
            pending.append({"name": name})
    return {
        "title": task.title,
        "sender": task.sender.name,
        "deadline": task.deadline.isoformat(),
        "total": len(late) + len(missing) + len(pending) + on_time,
        "on_time": on_time,
        "late": late,
        "missing": missing,
        "pending": len(pending),
        "concerned": concerned,
    }


def tasks_due_within(campaign, issuer_path: str, start: datetime.date, end: datetime.date) -> QuerySet[DispatchTask]:
    """Tasks of the campaign sent within the issuer's subtree whose deadline falls in the
    period. Unscoped manager: for circulars, which read the issuer's whole subtree."""
    return (
        DispatchTask._base_manager.filter(
            campaign=campaign, sender__path__startswith=issuer_path, deadline__range=(start, end)
        )
        .select_related("sender")
        .order_by("deadline", "pk")
    )
