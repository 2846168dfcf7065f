"""典型培树: advanced organizations and excellent members, recommended up the tree."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import ScopedManager

# 典型培树: advanced organizations and excellent members, recommended up the tree
# ---------------------------------------------------------------------------


class NominationStatus(models.TextChoices):
    PENDING = "pending", _("推荐中")
    RECOMMENDED = "recommended", _("已推荐至上级")
    SELECTED = "selected", _("已确定为典型")
    DECLINED = "declined", _("未通过")


class ModelTitle(models.TextChoices):
    """The honour a nomination is for: a party organization's or a party member's in every
    campaign; a unit's and its staff's where the campaign judges units (模范职工, and the
    youth league's and the women's federation's own), a mass organization's where they take part."""

    ADVANCED_PARTY_ORGANIZATION = "party_organization", _("先进基层党组织")
    ADVANCED_COLLECTIVE = "collective", _("先进集体")
    EXCELLENT_PARTY_MEMBER = "party_member", _("优秀共产党员")
    MODEL_WORKER = "model_worker", _("模范职工")
    ADVANCED_YOUTH = "youth", _("先进青年")
    WOMEN_PACESETTER = "women", _("巾帼标兵")


class ModelNomination(models.Model):
    """An advanced organization (member empty) or an excellent member put forward as a
    model, with their deeds; it climbs the tree one level at a time."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="model_nominations"
    )
    # For a member, the member's own organization, so scope follows the member.
    organization = models.ForeignKey(
        Organization, verbose_name=_("推荐对象所在组织"), on_delete=models.PROTECT, related_name="model_nominations"
    )
    member = models.ForeignKey(
        "orgs.Member",
        verbose_name=_("推荐党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="model_nominations",
    )
    title = models.CharField(_("推荐称号"), max_length=20, choices=ModelTitle.choices)
    deeds = models.TextField(_("主要事迹"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("推荐人")
    )
    nominating_organization = models.ForeignKey(
        Organization, verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+"
    )
    # The level whose leaders now hold it; it starts at the nominating organization.
    current_level = models.ForeignKey(
        Organization, verbose_name=_("当前所在层级"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=NominationStatus.choices, default=NominationStatus.PENDING
    )
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("确定时间"), null=True, blank=True)

    objects = ScopedManager(path_field="organization__path", member_field="member")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("典型推荐")
        verbose_name_plural = pgettext_lazy("plural", "典型推荐")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "status"], name="nomination_campaign_status")]

    def __str__(self) -> str:
        return self.nominee_name

    def get_absolute_url(self) -> str:
        return reverse("campaign:nomination", args=[self.pk])

    @property
    def nominee_name(self) -> str:
        return self.member.name if self.member_id else self.organization.name

    @property
    def is_open(self) -> bool:
        return self.status in (NominationStatus.PENDING, NominationStatus.RECOMMENDED)


class NominationOpinion(models.Model):
    """One level's word on a nomination: the nominating level's, then each level it passes."""

    nomination = models.ForeignKey(ModelNomination, on_delete=models.CASCADE, related_name="opinions")
    organization = models.ForeignKey(Organization, verbose_name=_("层级"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("结果"), max_length=20, choices=NominationStatus.choices)
    opinion = models.TextField(_("意见"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="nomination__organization__path", member_field="nomination__member")

    class Meta:
        verbose_name = _("推荐意见")
        verbose_name_plural = pgettext_lazy("plural", "推荐意见")
        ordering = ["nomination", "created_at", "pk"]

    def __str__(self) -> str:
        return self.opinion
