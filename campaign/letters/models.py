"""责任书: a unit leader's responsibility letter for a campaign, and its year-end assessment."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from campaign.scores.models import Indicator, ScorePeriod
from orgs.models import Member, Organization
from orgs.scoping import ScopedManager


class AssessmentResult(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


class ResponsibilityLetter(models.Model):
    """The campaign's 责任书 with one unit's leader: the sheet's lines he answers for (his
    targets), anything else he undertakes, and, at the year's end, how he was assessed
    against them."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="responsibility_letters"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="responsibility_letters"
    )
    leader = models.ForeignKey(
        Member, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="responsibility_letters"
    )
    indicators = models.ManyToManyField(Indicator, verbose_name=_("目标指标"), related_name="letters", blank=True)
    terms = models.TextField(_("责任内容"), blank=True)
    signed_on = models.DateField(_("签订日期"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Year-end assessment (年终考核): the period it was judged on, the points the targets
    # earned there, and the assessor's result and comment.
    assessed_period = models.ForeignKey(
        ScorePeriod, verbose_name=_("考核期"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment_points = models.DecimalField(_("目标得分率"), max_digits=5, decimal_places=1, null=True, blank=True)
    result = models.CharField(_("考核结果"), max_length=15, choices=AssessmentResult.choices, blank=True)
    assessment_comment = models.TextField(_("考核评语"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(_("考核时间"), null=True, blank=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标责任书")
        verbose_name_plural = pgettext_lazy("plural", "目标责任书")
        ordering = ["campaign", "organization__path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "leader"], name="one_letter_per_leader_in_campaign"),
            models.CheckConstraint(
                condition=models.Q(result="") | models.Q(assessed_period__isnull=False),
                name="letter_assessed_against_a_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.leader_id}"

    def get_absolute_url(self) -> str:
        return reverse("campaign:letter", args=[self.pk])
