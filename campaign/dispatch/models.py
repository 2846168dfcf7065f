"""工作部署 / 督办件: a task an organization sends to chosen organizations below it, one
row per recipient, and each recipient's written return (书面报告).

A recipient's state (未报, 已报, 逾期) is not stored: it follows from the deadline (the
task's, or the one an extension granted) and the return, and is worked out in
campaign.dispatch.selectors, so it never goes stale as the days pass.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import ScopedManager, active_scope


class DispatchTaskManager(ScopedManager):
    """A task is visible to the sender's subtree (the sender and those above it see all
    of it) and to anyone whose scope holds one of its recipients; which recipient rows
    they then see is the recipients' own scoped manager's business."""

    def __init__(self) -> None:
        super().__init__(path_field="sender__path")

    def get_queryset(self) -> models.QuerySet:
        scope = active_scope()
        queryset = models.Manager.get_queryset(self)
        if scope.everything:
            return queryset
        if not (scope.subtree_paths or scope.own_organization_ids):
            return queryset.none()
        received = DispatchRecipient._base_manager.filter(
            scope.organization_q("organization__path"), task=models.OuterRef("pk")
        )
        return queryset.filter(scope.organization_q("sender__path") | models.Exists(received))


class DispatchTask(models.Model):
    """工作部署 / 督办件: what the sender asks of its recipients, by when."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="dispatch_tasks"
    )
    sender = models.ForeignKey(
        Organization, verbose_name=_("部署单位"), on_delete=models.PROTECT, related_name="dispatched_tasks"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("工作要求"))
    deadline = models.DateField(_("报送时限"))
    written_return_required = models.BooleanField(_("需要书面报告"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("部署人")
    )
    created_at = models.DateTimeField(_("部署时间"), auto_now_add=True)

    objects = DispatchTaskManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作部署")
        verbose_name_plural = pgettext_lazy("plural", "工作部署")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "deadline"], name="dispatch_campaign_deadline")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign:dispatch_task", args=[self.pk])


class AttachmentManager(ScopedManager):
    """An attachment is seen by whoever sees its task, recipients included."""

    def __init__(self) -> None:
        super().__init__(path_field="task__sender__path")

    def get_queryset(self) -> models.QuerySet:
        return models.Manager.get_queryset(self).filter(task__in=DispatchTask.objects.values("pk"))


def dispatch_file_path(instance, filename: str) -> str:
    # Random names: the original name is kept on the row, never in a guessable path.
    return f"dispatch/{secrets.token_urlsafe(16)}"


class DispatchAttachment(models.Model):
    """A file sent with the task (the notice itself, a form to fill in)."""

    task = models.ForeignKey(DispatchTask, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=dispatch_file_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    objects = AttachmentManager()

    class Meta:
        verbose_name = _("部署附件")
        verbose_name_plural = pgettext_lazy("plural", "部署附件")
        ordering = ["task", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ExtensionDecision(models.TextChoices):
    PENDING = "pending", _("待审批")
    GRANTED = "granted", _("同意延期")
    REFUSED = "refused", _("不同意延期")


class DispatchRecipient(models.Model):
    """One organization a task was sent to: its request for more time, the sender's
    answer, and when it was last reminded (催报)."""

    task = models.ForeignKey(DispatchTask, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        Organization, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="dispatch_rows"
    )
    extension_reason = models.TextField(_("延期理由"), blank=True)
    extension_requested_until = models.DateField(_("申请延期至"), null=True, blank=True)
    extension_requested_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    extension_decision = models.CharField(_("延期审批"), max_length=10, choices=ExtensionDecision.choices, blank=True)
    extension_decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    extension_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The deadline this organization has after a granted extension; null: the task's.
    extended_deadline = models.DateField(_("延期后时限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("最近催报"), null=True, blank=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = pgettext_lazy("plural", "承办单位")
        ordering = ["task", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["task", "organization"], name="dispatch_recipient_once"),
            # A granted extension always names its deadline; nothing else sets one.
            models.CheckConstraint(
                condition=models.Q(extension_decision="granted", extended_deadline__isnull=False)
                | (~models.Q(extension_decision="granted") & models.Q(extended_deadline__isnull=True)),
                name="dispatch_extended_only_if_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.organization_id}"

    def get_absolute_url(self) -> str:
        return reverse("campaign:dispatch_recipient", args=[self.pk])

    @property
    def deadline(self):
        """The deadline that binds this organization (reads the task)."""
        return self.extended_deadline or self.task.deadline

    @property
    def extension_pending(self) -> bool:
        return self.extension_decision == ExtensionDecision.PENDING


class DispatchReturn(models.Model):
    """书面报告: what the recipient organization reports back, once."""

    recipient = models.OneToOneField(DispatchRecipient, on_delete=models.CASCADE, related_name="report")
    text = models.TextField(_("报告内容"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("报送人")
    )
    returned_at = models.DateTimeField(_("报送时间"))

    objects = ScopedManager(path_field="recipient__organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("书面报告")
        verbose_name_plural = pgettext_lazy("plural", "书面报告")
        ordering = ["returned_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class DispatchReturnFile(models.Model):
    """A file sent with a return (the signed report, photos)."""

    report = models.ForeignKey(DispatchReturn, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to=dispatch_file_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    objects = ScopedManager(path_field="report__recipient__organization__path")

    class Meta:
        verbose_name = _("报告附件")
        verbose_name_plural = pgettext_lazy("plural", "报告附件")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return self.original_name
