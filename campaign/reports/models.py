"""信息上报: information items the organizations report, and their adoption by the media."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import ScopedManager

# 信息上报: information items the organizations report, and their adoption by the media
# ---------------------------------------------------------------------------


class InfoReportCategory(models.TextChoices):
    WORK_NEWS = "work_news", _("工作动态")
    PRACTICE = "practice", _("经验做法")
    DEEDS = "deeds", _("典型事迹")
    OTHER = "other", _("其他")


class AdoptionLevel(models.TextChoices):
    """The level of media that printed or broadcast an item (采用)."""

    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    CENTRAL = "central", _("中央级")


class InfoReport(models.Model):
    """One information item an organization reported; counts toward its monthly quota."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="info_reports"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("报送组织"), on_delete=models.PROTECT, related_name="info_reports"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    reported_on = models.DateField(_("报送日期"))
    category = models.CharField(_("类别"), max_length=20, choices=InfoReportCategory.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("报送人")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    adopted_level = models.CharField(_("采用级别"), max_length=20, choices=AdoptionLevel.choices, blank=True)
    adopted_at = models.DateTimeField(_("采用时间"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("上报信息")
        verbose_name_plural = pgettext_lazy("plural", "上报信息")
        ordering = ["-reported_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "reported_on"], name="inforeport_campaign_day")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign:report", args=[self.pk])

    @property
    def is_adopted(self) -> bool:
        return bool(self.adopted_level)


def info_report_photo_path(instance, filename: str) -> str:
    # Random names: the original name is kept on the row, never in a guessable path.
    return f"reports/{secrets.token_urlsafe(16)}"


class InfoReportPhoto(models.Model):
    """A photo (or scanned page) sent with an information item; served only to users in scope."""

    report = models.ForeignKey(InfoReport, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=info_report_photo_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    objects = ScopedManager(path_field="report__organization__path")

    class Meta:
        verbose_name = _("信息图片")
        verbose_name_plural = pgettext_lazy("plural", "信息图片")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return self.original_name
