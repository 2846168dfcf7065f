"""重大情况报告: what happened in a unit, when it was reported, and what was done."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import ScopedManager
from pledges.models import Rectification


class VetoRule(models.TextChoices):
    """Whether an incident of a kind vetoes its unit (一票否决) in the period it happened."""

    NEVER = "never", _("不否决")
    ALWAYS = "always", _("发生即一票否决")
    LATE = "late", _("迟报、瞒报的一票否决")


class IncidentKind(models.Model):
    """A kind of 重大情况 the campaign names, with its reporting limits: e.g. 1 hour by
    phone and 24 hours in writing after it happened."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="incident_kinds")
    name = models.CharField(_("情况类别"), max_length=50)
    phone_limit_hours = models.PositiveIntegerField(_("电话报告时限（小时）"), null=True, blank=True)
    written_limit_hours = models.PositiveIntegerField(_("书面报告时限（小时）"), null=True, blank=True)
    veto_rule = models.CharField(_("一票否决"), max_length=10, choices=VetoRule.choices, default=VetoRule.LATE)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重大情况类别")
        verbose_name_plural = pgettext_lazy("plural", "重大情况类别")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="incident_kind_name_unique_in_campaign"),
        ]

    def __str__(self) -> str:
        return self.name


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    LARGER = "larger", _("较大")
    MAJOR = "major", _("重大")
    GRAVE = "grave", _("特别重大")


class Timeliness(models.TextChoices):
    """How the incident was reported, judged against its kind's limits (campaign.incidents.services)."""

    ON_TIME = "on_time", _("按时报告")
    PENDING = "pending", _("待书面报告")
    LATE = "late", _("迟报")
    CONCEALED = "concealed", _("瞒报")


class Incident(models.Model):
    """One incident in the register. An incident found by inspection and never reported
    is 瞒报; one reported after its kind's limit is 迟报."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="incidents")
    organization = models.ForeignKey(
        Organization, verbose_name=_("发生单位"), on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.ForeignKey(
        IncidentKind, verbose_name=_("情况类别"), on_delete=models.PROTECT, related_name="incidents"
    )
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    summary = models.TextField(_("基本情况"))
    occurred_at = models.DateTimeField(_("发生时间"))
    phoned_at = models.DateTimeField(_("电话报告时间"), null=True, blank=True)
    written_at = models.DateTimeField(_("书面报告时间"), null=True, blank=True)
    # Registered by an inspection group or the office, not reported by the unit.
    found_by_inspection = models.BooleanField(_("检查中发现"), default=False)
    actions = models.TextField(_("处置情况"), blank=True)
    follow_up = models.TextField(_("后续整改"), blank=True)
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("整改任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重大情况报告")
        verbose_name_plural = pgettext_lazy("plural", "重大情况报告")
        ordering = ["-occurred_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phoned_at__isnull=True) | models.Q(phoned_at__gte=models.F("occurred_at")),
                name="incident_phoned_after_it_happened",
            ),
            models.CheckConstraint(
                condition=models.Q(written_at__isnull=True) | models.Q(written_at__gte=models.F("occurred_at")),
                name="incident_written_after_it_happened",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "occurred_at"], name="incident_campaign_occurred")]

    def __str__(self) -> str:
        return self.summary[:40]

    def get_absolute_url(self) -> str:
        return reverse("campaign:incident", args=[self.pk])
