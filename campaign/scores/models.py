"""考核评价 / 打分排队: a score sheet per campaign, periods, scores and ranks."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from orgs.models import Grade, Organization, OrganizationKind
from orgs.scoping import ScopedManager

# 考核评价 / 打分排队: a score sheet per campaign, periods, scores and ranks
# ---------------------------------------------------------------------------


class ScoreSheet(models.Model):
    """The campaign's score sheet (考核评分表): indicators whose maximum points add up to
    the total, e.g. 100, or the 1000 of the health system's 督查考核表."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="score_sheet"
    )
    total_points = models.PositiveIntegerField(_("总分"), default=100)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)
    # Who changed the sheet and when: the audit log (campaign.audit.selectors) reads it.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("考核评分表")
        verbose_name_plural = pgettext_lazy("plural", "考核评分表")
        constraints = [
            models.CheckConstraint(condition=models.Q(total_points__gt=0), name="score_sheet_total_positive"),
        ]

    def __str__(self) -> str:
        return str(self.campaign)


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("系统计算")
    MANUAL = "manual", _("检查组评分")


class IndicatorFormula(models.TextChoices):
    """What a computed indicator measures; campaign.scores.services says how, from the figures."""

    PLEDGE_COVERAGE = "pledge_coverage", _("承诺覆盖率")
    FULFILLMENT = "fulfillment", _("践诺率")
    REVIEW_COVERAGE = "review_coverage", _("点评覆盖率")
    SATISFACTION = "satisfaction", _("群众满意率")
    REPORTS = "reports", _("信息上报完成率")
    MODELS = "models", _("典型培树完成率")
    RECTIFICATION_ON_TIME = "rectification_on_time", _("整改按期完成率")


class NoDataRule(models.TextChoices):
    """What an organization gets when a computed indicator has nothing to measure, e.g.
    no rectification was due, or no mass evaluation was held."""

    FULL = "full", _("无此项工作的不扣分（得满分）")
    ZERO = "zero", _("不得分")


class Indicator(models.Model):
    """One line of the score sheet: computed from the campaign's figures by a formula
    chosen from a list, or scored by the inspection groups with a comment."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标名称"), max_length=50)
    max_points = models.PositiveIntegerField(_("满分"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    kind = models.CharField(_("评分方式"), max_length=20, choices=IndicatorKind.choices)
    formula = models.CharField(_("计算公式"), max_length=30, choices=IndicatorFormula.choices, blank=True)
    when_no_data = models.CharField(_("无数据时"), max_length=10, choices=NoDataRule.choices, default=NoDataRule.FULL)
    guidance = models.TextField(_("评分说明"), blank=True)

    objects = ScopedManager(path_field="sheet__campaign__organization__path", include_ancestors=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")
        ordering = ["sheet", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "name"], name="indicator_name_unique_in_sheet"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="indicator_max_points_positive"),
            # A computed indicator names its formula; a manual one has none.
            models.CheckConstraint(
                condition=(models.Q(kind="computed") & ~models.Q(formula=""))
                | (models.Q(kind="manual") & models.Q(formula="")),
                name="indicator_formula_iff_computed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.kind == IndicatorKind.MANUAL


class ScorePeriod(models.Model):
    """A period the organizations are scored and ranked for, e.g. 2010年下半年, from its
    first month to its last. Recomputed by a task until the office finalizes it; from
    then on its scores never change."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="score_periods"
    )
    name = models.CharField(_("考核期名称"), max_length=50)
    first_month = models.DateField(_("起始月份"))  # the month's first day
    last_month = models.DateField(_("截止月份"))  # the month's first day
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the scores need computing again; the task claims the work by clearing it.
    recompute_requested_at = models.DateTimeField(null=True, blank=True)
    # The office asked for it (重新计算, 定稿): recount every month's figures, however fresh.
    refresh_figures = models.BooleanField(default=False)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    finalize_requested_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)
    # The recomputation's own bookkeeping is the task's, not a change anyone made.
    history = HistoricalRecords(
        excluded_fields=["recompute_requested_at", "refresh_figures", "computed_at", "finalize_requested_at"]
    )

    class Meta:
        verbose_name = _("考核期")
        verbose_name_plural = pgettext_lazy("plural", "考核期")
        ordering = ["campaign", "-last_month", "-first_month", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="score_period_name_unique_in_campaign"),
            models.CheckConstraint(
                condition=models.Q(last_month__gte=models.F("first_month")), name="score_period_months_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaign:score_ranking", args=[self.pk])

    @property
    def is_finalized(self) -> bool:
        return self.finalized_at is not None

    @property
    def is_closed_to_changes(self) -> bool:
        """Finalized, or being finalized: manual scores and the sheet's hold on it are fixed."""
        return self.finalized_at is not None or self.finalize_requested_at is not None


class ManualScore(models.Model):
    """An inspection group's points for one organization on one manual indicator in a
    period, with the reason. At most the indicator's maximum (checked by the service:
    a database constraint cannot reach the indicator's row)."""

    period = models.ForeignKey(ScorePeriod, on_delete=models.CASCADE, related_name="manual_scores")
    # The sheet's editor refuses to drop an indicator that has scores; RESTRICT still lets
    # a whole campaign go, periods and sheet together.
    indicator = models.ForeignKey(Indicator, on_delete=models.RESTRICT, related_name="manual_scores")
    organization = models.ForeignKey(
        Organization, verbose_name=_("被考核组织"), on_delete=models.CASCADE, related_name="+"
    )
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=1)
    comment = models.TextField(_("评分说明"))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("评分人")
    )
    scored_at = models.DateTimeField(_("评分时间"), auto_now=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查组评分")
        verbose_name_plural = pgettext_lazy("plural", "检查组评分")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator", "organization"], name="one_manual_score_per_indicator"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="manual_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.organization_id} {self.points}"


class OrganizationScore(models.Model):
    """One organization's score in a period: its total, its rank among the organizations
    of the same depth and kind in the campaign, and the points per indicator. The
    breakdown holds names, maxima, figures and comments as they were when computed, so
    a finalized period reads the same after the sheet changes."""

    period = models.ForeignKey(ScorePeriod, on_delete=models.CASCADE, related_name="scores")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # Below the campaign's organization: 1 for its children (the townships), and so on.
    depth = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    # The organization's grade and unit type when the scores were computed: a finalized
    # period ranks by these even after a hospital is regraded (四排队八排队).
    grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    unit_type = models.CharField(max_length=30, blank=True)
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField(_("排名"))
    # Place in the group's listing: by rank, then by name (campaign.scores.formulas.competition_ranks).
    position = models.PositiveIntegerField()
    group_size = models.PositiveIntegerField()
    breakdown = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    objects = ScopedManager(path_field="organization__path")

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = pgettext_lazy("plural", "考核得分")
        ordering = ["period", "depth", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["period", "organization"], name="one_score_per_period"),
        ]
        indexes = [models.Index(fields=["period", "depth", "kind", "position"], name="score_period_group_position")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.total}"


# ---------------------------------------------------------------------------
