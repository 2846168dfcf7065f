"""案卷: a unit's whole record in one campaign, built on demand as a PDF and a zip of its evidence."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import ScopedManager


class DossierState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    BUILDING = "building", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


IN_PROGRESS_STATES = (DossierState.QUEUED, DossierState.BUILDING)


def dossier_file_path(instance, filename: str) -> str:
    # Served only through the scoped download views; a random part keeps the name unguessable.
    extension = filename.rsplit(".", 1)[-1]
    return f"dossiers/{instance.requested_at:%Y}/{secrets.token_urlsafe(12)}.{extension}"


class DossierBuild(models.Model):
    """One build of a unit's dossier for a campaign: asked for by someone, built by a task
    (campaign.dossier.tasks.build_dossier) from the records as they were at that moment,
    then kept as it was. A newer build is a new row; the earlier ones stay listed."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="dossier_builds"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    state = models.CharField(_("状态"), max_length=20, choices=DossierState.choices, default=DossierState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("生成进度"), default=0)
    step = models.CharField(_("当前步骤"), max_length=100, blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to=dossier_file_path, blank=True)
    zip = models.FileField(_("佐证材料压缩包"), upload_to=dossier_file_path, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    pdf_size = models.PositiveIntegerField(_("PDF 大小"), null=True, blank=True)
    zip_size = models.PositiveIntegerField(_("压缩包大小"), null=True, blank=True)
    files = models.PositiveIntegerField(_("佐证材料数"), null=True, blank=True)
    # When a worker claimed it: a claim this old belongs to a worker that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    seconds = models.DecimalField(_("用时（秒）"), max_digits=8, decimal_places=2, null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)

    objects = ScopedManager(path_field="organization__path")

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = pgettext_lazy("plural", "案卷")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # Asking twice while one is being built gives that one, not a second build.
            models.UniqueConstraint(
                fields=["campaign", "organization"],
                condition=models.Q(state__in=["queued", "building"]),
                name="one_dossier_build_at_a_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="ready") | (~models.Q(pdf="") & ~models.Q(zip="")),
                name="ready_dossier_has_its_files",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="dossier_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.requested_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        """The unit's dossier page in this build's campaign; reads the organization unless loaded."""
        return reverse("campaign:dossier", args=[self.organization.code]) + f"?campaign={self.campaign_id}"

    @property
    def is_ready(self) -> bool:
        return self.state == DossierState.READY

    @property
    def is_in_progress(self) -> bool:
        return self.state in IN_PROGRESS_STATES
