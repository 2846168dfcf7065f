"""巡回检查: the visits an inspection group plans and records, the checklist it works
through, and what it finds (a finding becomes a rectification task or a deduction)."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign, StandardDimension
from campaign.scores.models import Deduction, Indicator
from orgs.models import Organization
from orgs.scoping import ScopedManager
from pledges.models import Rectification


class VisitMethod(models.TextChoices):
    """The ways of inspecting the speeches name; a visit usually combines several."""

    REPORT = "report", _("听取汇报")
    FORUM = "forum", _("座谈")
    DOCUMENTS = "documents", _("查阅资料")
    ON_SITE = "on_site", _("实地考察")
    RANDOM = "random", _("随机抽查")
    UNANNOUNCED = "unannounced", _("明察暗访")
    LOOKBACK = "lookback", _("回头看")


class VisitState(models.TextChoices):
    PLANNED = "planned", _("已计划")
    RECORDED = "recorded", _("已检查")


class Visit(models.Model):
    """One visit of an inspection group to a unit: planned, then recorded with what was seen."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="visits")
    organization = models.ForeignKey(
        Organization, verbose_name=_("检查对象"), on_delete=models.PROTECT, related_name="visits"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查组"), on_delete=models.PROTECT, related_name="visits"
    )
    state = models.CharField(_("状态"), max_length=20, choices=VisitState.choices, default=VisitState.PLANNED)
    planned_on = models.DateField(_("计划日期"))
    visited_on = models.DateField(_("检查日期"), null=True, blank=True)
    members = models.CharField(_("检查组成员"), max_length=300)
    # A list of VisitMethod values: a visit hears the report and reads the files in one go.
    methods = models.JSONField(_("检查方式"), default=list)
    summary = models.TextField(_("检查情况"), blank=True)
    # A 回头看 visit looks back at one signed-off rectification task.
    looks_back_at = models.ForeignKey(
        Rectification,
        verbose_name=_("回头看的整改任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lookback_visits",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查走访")
        verbose_name_plural = pgettext_lazy("plural", "检查走访")
        ordering = ["-planned_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state=VisitState.RECORDED) | models.Q(visited_on__isnull=False),
                name="recorded_visit_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.visited_on or self.planned_on}"

    def get_absolute_url(self) -> str:
        return reverse("campaign:visit", args=[self.pk])


class CheckResult(models.TextChoices):
    UNCHECKED = "unchecked", _("未检查")
    MET = "met", _("符合")
    PROBLEM = "problem", _("发现问题")


class ChecklistItem(models.Model):
    """One line of a visit's checklist, drawn from the campaign's standards (a dimension
    such as 领导班子好) or its score sheet's lines, or written by the group."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="checklist")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = models.CharField(_("检查项目"), max_length=300)
    dimension = models.ForeignKey(StandardDimension, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField(_("检查结果"), max_length=20, choices=CheckResult.choices, default=CheckResult.UNCHECKED)
    note = models.TextField(_("情况说明"), blank=True)

    objects = ScopedManager(path_field="visit__organization__path")

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = pgettext_lazy("plural", "检查项目")
        ordering = ["visit", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Finding(models.Model):
    """A problem found on a visit. It leads to a rectification task for the unit, or to a
    deduction on the score sheet (or is only noted, e.g. a good practice to spread)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    checklist_item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("检查项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    description = models.TextField(_("发现的问题"))
    rectification = models.OneToOneField(
        Rectification,
        verbose_name=_("整改任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finding",
    )
    deduction = models.ForeignKey(
        Deduction, verbose_name=_("扣分"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="visit__organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = pgettext_lazy("plural", "检查发现")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return self.description[:40]


def finding_attachment_path(instance, filename: str) -> str:
    # Random names: the original name is kept on the row, never in a guessable path.
    return f"findings/{secrets.token_urlsafe(16)}"


class FindingAttachment(models.Model):
    """A photo or file taken on the visit as proof of a finding; served only to users in scope."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=finding_attachment_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="finding__visit__organization__path")

    class Meta:
        verbose_name = _("检查发现附件")
        verbose_name_plural = pgettext_lazy("plural", "检查发现附件")
        ordering = ["finding", "pk"]

    def __str__(self) -> str:
        return self.original_name
