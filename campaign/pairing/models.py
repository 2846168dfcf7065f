"""党群共建: pairs of units (结对共建) and their joint activities (共建活动), the mass
organizations' own activities and honours (群团活动与荣誉), and joint meetings (联席会议)
with their follow-up tasks.

A pair and a meeting belong to several organizations at once: they are visible to
whoever sees any of them (orgs.scoping.AnyOrganizationScopedManager). A mass
organization's records are visible to whoever sees it or the party organization it sits
beside (its parent), so a branch's members read their own 工会's honours.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import AnyOrganizationScopedManager, ScopedManager


class PairKind(models.TextChoices):
    ONE_HELPS_ONE = "one_helps_one", _("一帮一")
    HAND_IN_HAND = "hand_in_hand", _("手拉手")
    URBAN_RURAL = "urban_rural", _("城乡结对共建")
    PARTY_UNION = "party_union", _("党建带工建")
    PARTY_YOUTH = "party_youth", _("党建带团建")
    PARTY_WOMEN = "party_women", _("党建带妇建")


class PairSide(models.TextChoices):
    HELPER = "helper", _("帮扶方")
    HELPED = "helped", _("受帮扶方")
    PARTNER = "partner", _("共建方")


class Pair(models.Model):
    """结对共建: two or more units of a campaign that work together for a period towards
    goals; usually an advanced unit (帮扶方) helps a lagging one (受帮扶方)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("结对形式"), max_length=20, choices=PairKind.choices)
    name = models.CharField(_("结对名称"), max_length=100)
    goals = models.TextField(_("共建目标"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnyOrganizationScopedManager("memberships__organization__path")

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = pgettext_lazy("plural", "结对共建")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="pair_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaign:pair", args=[self.pk])


class PairMember(models.Model):
    """One unit of a pair and the side it is on."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name=_("结对单位"), on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(_("结对角色"), max_length=10, choices=PairSide.choices)

    objects = ScopedManager(path_field="organization__path")

    class Meta:
        verbose_name = _("结对单位")
        verbose_name_plural = pgettext_lazy("plural", "结对单位")
        ordering = ["pair", "side", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "organization"], name="one_side_per_unit_in_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.organization_id} {self.side}"


class JointActivity(models.Model):
    """共建活动: something the units of a pair did together."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="activities")
    held_on = models.DateField(_("活动日期"))
    title = models.CharField(_("活动名称"), max_length=100)
    content = models.TextField(_("活动内容"))
    participants = models.PositiveIntegerField(_("参加人数"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnyOrganizationScopedManager("pair__memberships__organization__path")

    class Meta:
        verbose_name = _("共建活动")
        verbose_name_plural = pgettext_lazy("plural", "共建活动")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


def pairing_photo_path(instance, filename: str) -> str:
    # Random names: the original name is kept on the row, never in a guessable path.
    return f"pairing/{secrets.token_urlsafe(16)}"


class Photo(models.Model):
    """An uploaded photo (or scanned page) stored and served like evidence files."""

    file = models.FileField(_("文件"), upload_to=pairing_photo_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class JointActivityPhoto(Photo):
    activity = models.ForeignKey(JointActivity, on_delete=models.CASCADE, related_name="photos")

    objects = AnyOrganizationScopedManager("activity__pair__memberships__organization__path")

    class Meta:
        verbose_name = _("共建活动照片")
        verbose_name_plural = pgettext_lazy("plural", "共建活动照片")
        ordering = ["activity", "pk"]


# ---------------------------------------------------------------------------
# The mass organizations' own work: 群团活动与荣誉
# ---------------------------------------------------------------------------

# Visible to whoever sees the mass organization or the party organization it sits beside.
MASS_PATHS = ("organization__path", "organization__parent__path")


class HonourKind(models.TextChoices):
    YOUTH_CIVILIZATION = "youth_civilization", _("青年文明号")
    WORKER_PIONEER = "worker_pioneer", _("工人先锋号")
    WOMEN_ACHIEVEMENT = "women_achievement", _("巾帼建功")
    DOUBLE_LEARNING = "double_learning", _("双学双比")
    OTHER = "other", _("其他荣誉")


class HonourLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("全国")


class MassActivity(models.Model):
    """群团活动: an activity a 工会, 共青团 or 妇联 ran itself."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, verbose_name=_("群团组织"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("活动日期"))
    title = models.CharField(_("活动名称"), max_length=100)
    content = models.TextField(_("活动内容"))
    participants = models.PositiveIntegerField(_("参加人数"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnyOrganizationScopedManager(*MASS_PATHS)

    class Meta:
        verbose_name = _("群团活动")
        verbose_name_plural = pgettext_lazy("plural", "群团活动")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class MassHonour(models.Model):
    """群团荣誉: an honour a mass organization's carrier won (a 青年文明号, a 工人先锋号 …)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, verbose_name=_("群团组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("荣誉类别"), max_length=20, choices=HonourKind.choices)
    level = models.CharField(_("授予级别"), max_length=10, choices=HonourLevel.choices)
    title = models.CharField(_("荣誉名称"), max_length=100)
    awarded_to = models.CharField(_("获得者"), max_length=100, help_text=_("获得荣誉的集体或个人。"))
    awarded_on = models.DateField(_("授予日期"))
    citation = models.TextField(_("主要事迹"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnyOrganizationScopedManager(*MASS_PATHS)

    class Meta:
        verbose_name = _("群团荣誉")
        verbose_name_plural = pgettext_lazy("plural", "群团荣誉")
        ordering = ["-awarded_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class MassPhoto(Photo):
    """A photo of a mass organization's activity or honour (exactly one of them)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(MassActivity, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    honour = models.ForeignKey(MassHonour, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")

    objects = AnyOrganizationScopedManager(*MASS_PATHS)

    class Meta:
        verbose_name = _("群团照片")
        verbose_name_plural = pgettext_lazy("plural", "群团照片")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activity__isnull=False, honour__isnull=True)
                | models.Q(activity__isnull=True, honour__isnull=False),
                name="mass_photo_of_one_record",
            ),
        ]


# ---------------------------------------------------------------------------
# 联席会议: joint meetings of party and mass organizations
# ---------------------------------------------------------------------------


class JointMeeting(models.Model):
    """联席会议: convened by one organization, attended by others, with its decisions and
    the follow-up tasks they gave."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="+")
    held_on = models.DateField(_("会议日期"))
    convener = models.ForeignKey(Organization, verbose_name=_("召集单位"), on_delete=models.PROTECT, related_name="+")
    attendee_organizations = models.ManyToManyField(Organization, verbose_name=_("参会单位"), related_name="+")
    attendees = models.TextField(_("参会人员"), blank=True)
    topics = models.TextField(_("会议议题"))
    decisions = models.TextField(_("议定事项"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnyOrganizationScopedManager("convener__path", "attendee_organizations__path")

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = pgettext_lazy("plural", "联席会议")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.convener_id} {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("campaign:joint_meeting", args=[self.pk])


class FollowUpTask(models.Model):
    """A task a joint meeting gave to one organization, with a deadline; marked done with a note."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="tasks")
    text = models.CharField(_("落实事项"), max_length=200)
    responsible = models.ForeignKey(
        Organization, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("完成时限"))
    done = models.BooleanField(_("已完成"), default=False)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.TextField(_("落实情况"), blank=True)

    objects = AnyOrganizationScopedManager("meeting__convener__path", "meeting__attendee_organizations__path")

    class Meta:
        verbose_name = _("会议落实事项")
        verbose_name_plural = pgettext_lazy("plural", "会议落实事项")
        ordering = ["meeting", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done=False) | models.Q(done_on__isnull=False), name="followup_done_has_a_day"
            ),
        ]

    def __str__(self) -> str:
        return self.text
