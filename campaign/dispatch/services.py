"""工作部署 / 督办件: every write.

Who does what:
- an organization's office, leader or secretary sends a task to organizations strictly
  below its own (``may_send``); inspection groups and members never send;
- the sender's people (office, leader or secretary whose scope holds the sender) remind
  the recipients that owe a return, answer their requests for more time and export
  the returns (``may_manage``);
- a recipient organization's own office, leader or secretary files its return (text
  and files) or asks for more time (``may_answer``).

``by`` is the account acting; None means a command such as ``manage.py load_demo``,
which runs unscoped and needs no permission.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.dispatch.models import (
    DispatchAttachment,
    DispatchRecipient,
    DispatchReturn,
    DispatchReturnFile,
    DispatchTask,
    ExtensionDecision,
)
from campaign.dispatch.selectors import ACTING_ROLES, return_reminders
from orgs.access import user_scope
from orgs.models import Organization, ReminderKind, User
from orgs.services import reminders_raise, reminders_resolve
from pledges.progress import EVIDENCE_MAX_FILES, CheckedEvidence, evidence_check

TITLE_MAX = 200
# A task is about weeks, not years: a deadline further than this is a typing mistake.
MAX_DAYS_AHEAD = 366


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def may_send_any(user: User) -> bool:
    """Whether the account sends tasks at all: an organization's office, leader or secretary."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.role in ACTING_ROLES and user.organization_id is not None and user_scope(user).writable


def may_send_to(user: User, sender: Organization, organization: Organization) -> bool:
    """Downward only: to organizations strictly below the sender, which is the user's own
    organization (any organization for a superuser, still downward). No query."""
    if not may_send_any(user):
        return False
    if not user.is_superuser and user.organization_id != sender.pk:
        return False
    return organization.pk != sender.pk and organization.is_within(sender)


def may_manage(user: User, task: DispatchTask) -> bool:
    """The sender's people and those above them: remind, decide extensions, export. No query."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.role in ACTING_ROLES and user_scope(user).can_change(task.sender)


def may_answer(user: User, recipient: DispatchRecipient) -> bool:
    """The recipient organization's own office, leader or secretary; nobody answers in
    another organization's name, a superuser included. No query."""
    if not user.is_authenticated:
        return False
    return user.role in ACTING_ROLES and user.organization_id == recipient.organization_id


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def _checked_files(uploads: Sequence[UploadedFile], *, what: str) -> list[CheckedEvidence]:
    if len(uploads) > EVIDENCE_MAX_FILES:
        raise ValidationError(_("%(what)s最多上传 %(count)s 个文件。") % {"what": what, "count": EVIDENCE_MAX_FILES})
    # Every file is checked before anything is written: one bad file leaves nothing behind.
    return [evidence_check(upload) for upload in uploads]


def _store(model, file: CheckedEvidence, **owner):
    row = model(original_name=file.original_name, content_type=file.content_type, size=len(file.content), **owner)
    # The storage name comes from models.dispatch_file_path: random, without the original name.
    row.file.save("dispatch", ContentFile(file.content), save=False)
    row.save()
    return row


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


@transaction.atomic
def dispatch_task_send(
    *,
    campaign: Campaign,
    sender: Organization,
    title: str,
    body: str,
    deadline: datetime.date,
    recipients: Sequence[Organization],
    written_return_required: bool = True,
    attachments: Sequence[UploadedFile] = (),
    by: User | None,
    today: datetime.date | None = None,
) -> DispatchTask:
    """Send a task to the chosen organizations below the sender, with its files."""
    today = today or timezone.localdate()
    if by is not None:
        _require(may_send_any(by), _("只有党组织的活动办公室、负责人和党支部书记可以部署工作。"))
        for organization in recipients:
            _require(
                may_send_to(by, sender, organization),
                _("“%(name)s”不是本单位的下级组织，不能向它部署工作。") % {"name": organization.name},
            )
    title, body = " ".join(title.split()), body.strip()
    problems = []
    if not title:
        problems.append(_("请填写标题。"))
    elif len(title) > TITLE_MAX:
        problems.append(_("标题不能超过200个字。"))
    if not body:
        problems.append(_("请填写工作要求。"))
    if deadline < today:
        problems.append(_("报送时限不能早于今天。"))
    elif (deadline - today).days > MAX_DAYS_AHEAD:
        problems.append(_("报送时限不能超过一年。"))
    if not recipients:
        problems.append(_("请至少选择一个承办单位。"))
    if not sender.is_within(campaign.organization):
        problems.append(_("部署单位不在这项活动的范围内。"))
    for organization in recipients:
        if organization.pk == sender.pk or not organization.is_within(sender):
            problems.append(_("“%(name)s”不是部署单位的下级组织。") % {"name": organization.name})
    if problems:
        raise ValidationError(problems)
    files = _checked_files(list(attachments), what=_("部署附件"))
    task = DispatchTask(
        campaign=campaign,
        sender=sender,
        title=title,
        body=body,
        deadline=deadline,
        written_return_required=written_return_required,
        created_by=by,
    )
    task._history_user = by
    task.save()
    DispatchRecipient.objects.bulk_create(
        [
            DispatchRecipient(task=task, organization=organization)
            for organization in {o.pk: o for o in recipients}.values()
        ]
    )
    for file in files:
        _store(DispatchAttachment, file, task=task)
    return task


# ---------------------------------------------------------------------------
# Answering: the return, more time
# ---------------------------------------------------------------------------


def _locked(recipient: DispatchRecipient) -> DispatchRecipient:
    """The recipient row locked for the change, so two answers at once are taken in turn."""
    return (
        DispatchRecipient._base_manager.select_for_update(of=("self",))
        .select_related("task__sender", "task__campaign", "organization")
        .get(pk=recipient.pk)
    )


@transaction.atomic
def dispatch_return_file(
    *,
    recipient: DispatchRecipient,
    text: str,
    files: Sequence[UploadedFile] = (),
    by: User | None,
    now: datetime.datetime | None = None,
) -> DispatchReturn:
    """File the recipient's return, once. A task asking for a written report needs its
    text or the report as a file; otherwise a short note of what was done."""
    recipient = _locked(recipient)
    if by is not None:
        _require(may_answer(by, recipient), _("只有承办单位的活动办公室、负责人或书记可以报送办理情况。"))
    if DispatchReturn._base_manager.filter(recipient=recipient).exists():
        raise ValidationError(_("本单位已经报送过，不能重复报送。"))
    text = text.strip()
    uploads = list(files)
    if recipient.task.written_return_required and not text and not uploads:
        raise ValidationError(_("这项工作要求书面报告：请填写报告内容，或上传书面报告文件。"))
    if not recipient.task.written_return_required and not text:
        raise ValidationError(_("请简要填写办理情况。"))
    checked = _checked_files(uploads, what=_("书面报告"))
    now = now or timezone.now()
    report = DispatchReturn(recipient=recipient, text=text, returned_by=by, returned_at=now)
    report._history_user = by
    report.save()
    for file in checked:
        _store(DispatchReturnFile, file, report=report)
    reminders_resolve(kind=ReminderKind.DISPATCH_RETURN, keys=[str(recipient.pk)], now=now)
    return report


@transaction.atomic
def dispatch_extension_request(
    *,
    recipient: DispatchRecipient,
    until: datetime.date,
    reason: str,
    by: User | None,
    today: datetime.date | None = None,
) -> DispatchRecipient:
    """Ask the sender for more time, with the reason and the day asked for. One request
    waits at a time; after an answer another may be asked."""
    recipient = _locked(recipient)
    if by is not None:
        _require(may_answer(by, recipient), _("只有承办单位的活动办公室、负责人或书记可以申请延期。"))
    today = today or timezone.localdate()
    reason = reason.strip()
    if DispatchReturn._base_manager.filter(recipient=recipient).exists():
        raise ValidationError(_("本单位已经报送，无需申请延期。"))
    if recipient.extension_pending:
        raise ValidationError(_("延期申请正在等待审批，请勿重复申请。"))
    if not reason:
        raise ValidationError(_("请填写延期理由。"))
    if until <= recipient.deadline:
        raise ValidationError(
            _("申请延期的日期应晚于现在的报送时限（%(deadline)s）。") % {"deadline": recipient.deadline.isoformat()}
        )
    if until < today:
        raise ValidationError(_("申请延期的日期不能早于今天。"))
    if (until - recipient.task.deadline).days > MAX_DAYS_AHEAD:
        raise ValidationError(_("延期不能超过一年。"))
    recipient.extension_reason, recipient.extension_requested_until = reason, until
    recipient.extension_requested_at = timezone.now()
    recipient.extension_decision = ExtensionDecision.PENDING
    recipient.extension_decided_at = recipient.extension_decided_by = None
    recipient._history_user = by
    recipient.save()
    return recipient


@transaction.atomic
def dispatch_extension_decide(
    *,
    recipient: DispatchRecipient,
    grant: bool,
    until: datetime.date | None = None,
    by: User | None,
) -> DispatchRecipient:
    """The sender grants (to the day asked, or another day it names) or refuses the
    request waiting. A refusal leaves the deadline as it was."""
    recipient = _locked(recipient)
    if by is not None:
        _require(may_manage(by, recipient.task), _("只有部署单位可以审批延期申请。"))
    if not recipient.extension_pending:
        raise ValidationError(_("没有待审批的延期申请。"))
    if grant:
        until = until or recipient.extension_requested_until
        if until <= recipient.task.deadline:
            raise ValidationError(
                _("延期后的时限应晚于原报送时限（%(deadline)s）。") % {"deadline": recipient.task.deadline.isoformat()}
            )
        if (until - recipient.task.deadline).days > MAX_DAYS_AHEAD:
            raise ValidationError(_("延期不能超过一年。"))
        recipient.extension_decision, recipient.extended_deadline = ExtensionDecision.GRANTED, until
    else:
        recipient.extension_decision = ExtensionDecision.REFUSED
    recipient.extension_decided_at, recipient.extension_decided_by = timezone.now(), by
    recipient._history_user = by
    recipient.save()
    return recipient


# ---------------------------------------------------------------------------
# Reminding (催报)
# ---------------------------------------------------------------------------


@transaction.atomic
def dispatch_remind(
    *,
    task: DispatchTask,
    by: User | None,
    recipients: Sequence[DispatchRecipient] | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Remind the recipients that have not returned (all of them, or those given): a
    reminder on the home page of each account of the organization, now. Until they
    return the daily job keeps it there. Returns how many organizations were reminded."""
    if by is not None:
        _require(may_manage(by, task), _("只有部署单位可以催报。"))
    now = now or timezone.now()
    owing = (
        DispatchRecipient._base_manager.select_for_update(of=("self",))
        .filter(task=task, report__isnull=True)
        .select_related("task__sender", "task__campaign", "organization")
        .order_by("pk")
    )
    if recipients is not None:
        owing = owing.filter(pk__in=[recipient.pk for recipient in recipients])
    owing = list(owing)
    if not owing:
        raise ValidationError(_("没有需要催报的单位：选中的单位都已报送。"))
    DispatchRecipient._base_manager.filter(pk__in=[recipient.pk for recipient in owing]).update(reminded_at=now)
    reminders_raise(kind=ReminderKind.DISPATCH_RETURN, due=return_reminders(owing), now=now)
    return len(owing)
