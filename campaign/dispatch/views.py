"""工作部署 pages: the tasks sent and received, sending one, a task's returns at a glance
with reminding, extensions and the export, and a recipient's page to read the task,
file the return or ask for more time."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.forms import show_refusal
from campaign.dispatch.exporting import returns_export
from campaign.dispatch.forms import DispatchReturnForm, DispatchTaskForm, ExtensionDecisionForm, ExtensionRequestForm
from campaign.dispatch.models import DispatchAttachment, DispatchRecipient, DispatchReturnFile, DispatchTask
from campaign.dispatch.selectors import (
    ReturnState,
    counts_of,
    received_rows,
    recipient_rows,
    recipient_state,
    recipients_of,
    sent_tasks,
    tasks_with_counts,
)
from campaign.dispatch.services import (
    dispatch_extension_decide,
    dispatch_extension_request,
    dispatch_remind,
    dispatch_return_file,
    dispatch_task_send,
    may_answer,
    may_manage,
    may_send_any,
)
from orgs.models import PATH_SEGMENT_LENGTH, Organization, Role, User
from orgs.sheets.writing import xlsx_response
from pledges.evidence_serving import evidence_response

READER_REFUSAL = _("工作部署发给党组织，请向所在党组织了解。")


def _require_reader(user: User) -> None:
    """Accounts of an organization and inspection groups; not a plain member."""
    if not (user.is_superuser or user.role != Role.MEMBER):
        raise PermissionDenied(READER_REFUSAL)


def _task(user: User, pk: int) -> DispatchTask:
    """A task the user sees; 404 alike for missing and outside the scope, then 403 for a member."""
    task = get_object_or_404(DispatchTask.objects.select_related("sender", "campaign", "created_by"), pk=pk)
    _require_reader(user)
    return task


def _recipient(user: User, pk: int) -> DispatchRecipient:
    recipient = get_object_or_404(
        DispatchRecipient.objects.select_related(
            "task__sender", "task__campaign", "organization", "report__returned_by", "extension_decided_by"
        ),
        pk=pk,
    )
    _require_reader(user)
    return recipient


@login_required
@require_safe
def dispatch_list(request):
    _require_reader(request.user)
    campaign = access_chosen_campaign(request)
    today = timezone.localdate()
    return render(
        request,
        "campaign/dispatch/list.html",
        {
            "campaign": campaign,
            "sent": tasks_with_counts(sent_tasks(campaign, request.user), today),
            "received": received_rows(campaign, request.user, today),
            "may_send": may_send_any(request.user),
        },
    )


def _recipient_choices(sender: Organization):
    return Organization._base_manager.filter(path__startswith=sender.path).exclude(pk=sender.pk).order_by("path")


@login_required
def dispatch_create(request):
    if not may_send_any(request.user):
        raise PermissionDenied(_("只有党组织的活动办公室、负责人和党支部书记可以部署工作。"))
    campaign = access_chosen_campaign(request)
    sender = request.user.organization or campaign.organization
    organizations = _recipient_choices(sender)
    form = DispatchTaskForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = dispatch_task_send(
                campaign=campaign,
                sender=sender,
                title=data["title"],
                body=data["body"],
                deadline=data["deadline"],
                written_return_required=data["written_return_required"],
                recipients=list(data["recipients"]),
                attachments=data["attachments"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("工作已部署给 %(count)s 个单位。") % {"count": task.recipients.count()})
            return redirect(task)
    chosen = {str(value) for value in (form["recipients"].value() or [])}
    choices = [
        # Indented by depth below the sender, so that a branch sits under its township.
        (
            organization,
            (len(organization.path) - len(sender.path)) // PATH_SEGMENT_LENGTH * 1.25 - 1.25,
            str(organization.pk) in chosen,
        )
        for organization in organizations
    ]
    return render(
        request,
        "campaign/dispatch/form.html",
        {"campaign": campaign, "sender": sender, "form": form, "choices": choices},
    )


@login_required
@require_safe
def dispatch_task(request, pk: int):
    task = _task(request.user, pk)
    today = timezone.localdate()
    rows = recipient_rows(recipients_of(task), today)
    return render(
        request,
        "campaign/dispatch/task.html",
        {
            "task": task,
            "campaign": task.campaign,
            "rows": rows,
            "counts": counts_of(rows),
            "attachments": list(DispatchAttachment.objects.filter(task=task)),
            "may_manage": may_manage(request.user, task),
            "answerable": [row for row in rows if may_answer(request.user, row.recipient)],
            "states": ReturnState,
        },
    )


@login_required
@require_POST
def dispatch_remind_view(request, pk: int):
    task = _task(request.user, pk)
    if not may_manage(request.user, task):
        raise PermissionDenied(_("只有部署单位可以催报。"))
    # Matched against the task's own rows as text: a forged value never reaches the database.
    chosen = set(request.POST.getlist("recipient"))
    today = timezone.localdate()
    if chosen:
        recipients = [recipient for recipient in recipients_of(task) if str(recipient.pk) in chosen]
    else:
        # Without a choice: every organization past its deadline without a return.
        recipients = [
            row.recipient for row in recipient_rows(recipients_of(task), today) if row.state == ReturnState.OVERDUE
        ]
    if not recipients:
        messages.error(request, _("没有逾期未报的单位，请勾选要催报的单位。"))
        return redirect(task)
    try:
        count = dispatch_remind(task=task, recipients=recipients, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已向 %(count)s 个单位发出催报提醒。") % {"count": count})
    return redirect(task)


@login_required
@require_safe
def dispatch_export(request, pk: int):
    task = _task(request.user, pk)
    if not may_manage(request.user, task):
        raise PermissionDenied(_("只有部署单位可以导出报送情况。"))
    rows = recipient_rows(recipients_of(task), timezone.localdate())
    filename = _("报送情况-%(title)s.xlsx") % {"title": task.title[:40].replace("/", "_")}
    return xlsx_response(returns_export(task, rows), filename)


@login_required
@require_safe
def dispatch_attachment(request, pk: int):
    # The manager answers 404 alike for a file that does not exist and one whose task is not visible.
    attachment = get_object_or_404(DispatchAttachment.objects.all(), pk=pk)
    _require_reader(request.user)
    return evidence_response(attachment, cache="private, max-age=3600")


@login_required
@require_safe
def dispatch_return_file_view(request, pk: int):
    file = get_object_or_404(DispatchReturnFile.objects.all(), pk=pk)
    _require_reader(request.user)
    return evidence_response(file, cache="private, max-age=3600")


@login_required
@require_safe
def dispatch_recipient(request, pk: int):
    """The recipient's page: the task, its files, and the return or the request for more time."""
    recipient = _recipient(request.user, pk)
    return _recipient_page(request, recipient, DispatchReturnForm())


@login_required
@require_POST
def dispatch_return_view(request, pk: int):
    """File the return; a refusal shows the page again with the form as typed."""
    recipient = _recipient(request.user, pk)
    if not may_answer(request.user, recipient):
        raise PermissionDenied(_("只有承办单位的活动办公室、负责人或书记可以报送办理情况。"))
    form = DispatchReturnForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dispatch_return_file(
                recipient=recipient, text=form.cleaned_data["text"], files=form.cleaned_data["files"], by=request.user
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("办理情况已报送。"))
            return redirect(recipient)
    return _recipient_page(request, recipient, form)


def _recipient_page(request, recipient: DispatchRecipient, form: DispatchReturnForm):
    task = recipient.task
    report = getattr(recipient, "report", None)
    return render(
        request,
        "campaign/dispatch/recipient.html",
        {
            "recipient": recipient,
            "task": task,
            "campaign": task.campaign,
            "state": recipient_state(recipient, timezone.localdate()),
            "labels": ReturnState.LABELS,
            "report": report,
            "files": list(report.files.all()) if report else [],
            "attachments": list(DispatchAttachment.objects.filter(task=task)),
            "answering": may_answer(request.user, recipient) and report is None,
            "form": form,
            "extension_form": ExtensionRequestForm(),
            "decision_form": ExtensionDecisionForm(),
            "may_manage": may_manage(request.user, task),
        },
    )


@login_required
@require_POST
def dispatch_extension_view(request, pk: int):
    recipient = _recipient(request.user, pk)
    if not may_answer(request.user, recipient):
        raise PermissionDenied(_("只有承办单位的活动办公室、负责人或书记可以申请延期。"))
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(recipient)
    try:
        dispatch_extension_request(
            recipient=recipient, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("延期申请已提交，请等待部署单位审批。"))
    return redirect(recipient)


@login_required
@require_POST
def dispatch_extension_decide_view(request, pk: int):
    recipient = _recipient(request.user, pk)
    if not may_manage(request.user, recipient.task):
        raise PermissionDenied(_("只有部署单位可以审批延期申请。"))
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(recipient.task)
    grant = form.cleaned_data["decision"] == "grant"
    try:
        dispatch_extension_decide(recipient=recipient, grant=grant, until=form.cleaned_data["until"], by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已同意延期。") if grant else _("已不同意延期，报送时限不变。"))
    return redirect(recipient.task)
