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
    # 达标 and 先进 marks; blank: the sheet only ranks. A vetoed unit is neither, whatever its total.
    pass_points = models.DecimalField(_("达标分数线"), max_digits=7, decimal_places=1, null=True, blank=True)
    excellent_points = models.DecimalField(_("先进分数线"), max_digits=7, decimal_places=1, null=True, blank=True)
    # 月报: units file the previous month's values by this day of the month.
    monthly_report_day = models.PositiveSmallIntegerField(_("每月报送截止日"), default=5)
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
            models.CheckConstraint(
                condition=models.Q(monthly_report_day__gte=1, monthly_report_day__lte=28),
                name="score_sheet_report_day_in_month",
            ),
        ]

    def __str__(self) -> str:
        return str(self.campaign)


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("系统计算")
    MANUAL = "manual", _("检查组评分")
    MEASURED = "measured", _("单位按月填报")


class ValueKind(models.TextChoices):
    """What a unit reports for a measured indicator each month."""

    RATIO = "ratio", _("比率（分子 ÷ 分母）")
    COUNT = "count", _("数量")
    YES_NO = "yes_no", _("是 / 否")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("不低于目标（越高越好）")
    AT_MOST = "at_most", _("不高于目标（越低越好）")


class ScoringRule(models.TextChoices):
    """How a value against its target becomes points (campaign.scores.rules)."""

    PROPORTIONAL = "proportional", _("按完成比例得分")
    TARGET_MET = "target_met", _("达到目标得满分，未达到不得分")
    PER_UNIT = "per_unit", _("每差一个单位扣分")
    STEPS = "steps", _("分档计分")


class Standing(models.TextChoices):
    EXCELLENT = "excellent", _("先进")
    PASSED = "passed", _("达标")
    FAILED = "failed", _("未达标")
    VETOED = "vetoed", _("一票否决")


class IndicatorFormula(models.TextChoices):
    """What a computed indicator measures; campaign.scores.services says how, from the figures."""

    PLEDGE_COVERAGE = "pledge_coverage", _("承诺覆盖率")
    FULFILLMENT = "fulfillment", _("践诺率")
    REVIEW_COVERAGE = "review_coverage", _("点评覆盖率")
    SATISFACTION = "satisfaction", _("群众满意率")
    REPORTS = "reports", _("信息上报完成率")
    MODELS = "models", _("典型培树完成率")
    RECTIFICATION_ON_TIME = "rectification_on_time", _("整改按期完成率")
    PLEDGE_FULFILMENT = "pledge_fulfilment", _("承诺兑现率")


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
    # Measured indicators: what the units report, and which units (by grade; empty: all).
    value_kind = models.CharField(_("填报内容"), max_length=10, choices=ValueKind.choices, blank=True)
    applies_to_grades = models.JSONField(_("适用单位等级"), default=list, blank=True)
    # Target, rule and veto: for measured and computed indicators alike. A ratio's target
    # and limits are in percent.
    direction = models.CharField(_("目标方向"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST)
    target = models.DecimalField(_("目标值"), max_digits=10, decimal_places=2, null=True, blank=True)
    # {grade: target}: 80 for 三级 hospitals, 50 for 二级; a grade not listed takes the target.
    grade_targets = models.JSONField(_("按等级的目标值"), default=dict, blank=True)
    scoring_rule = models.CharField(
        _("计分规则"), max_length=15, choices=ScoringRule.choices, default=ScoringRule.PROPORTIONAL
    )
    points_per_unit = models.DecimalField(_("每差一个单位扣分"), max_digits=6, decimal_places=2, null=True, blank=True)
    # [[threshold, points], ...]: the points of the best step the value reaches.
    steps = models.JSONField(_("分档"), default=list, blank=True)
    # A value past this (below it when higher is better, above it otherwise) vetoes the unit.
    veto_limit = models.DecimalField(_("一票否决线"), max_digits=10, decimal_places=2, null=True, blank=True)

    objects = ScopedManager(path_field="sheet__campaign__organization__path", include_ancestors=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")
        ordering = ["sheet", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "name"], name="indicator_name_unique_in_sheet"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="indicator_max_points_positive"),
            # A computed indicator names its formula, a measured one what is reported.
            models.CheckConstraint(
                condition=(models.Q(kind="computed") & ~models.Q(formula="") & models.Q(value_kind=""))
                | (models.Q(kind="manual") & models.Q(formula="") & models.Q(value_kind=""))
                | (models.Q(kind="measured") & models.Q(formula="") & ~models.Q(value_kind="")),
                name="indicator_formula_iff_computed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.kind == IndicatorKind.MANUAL

    @property
    def is_measured(self) -> bool:
        return self.kind == IndicatorKind.MEASURED

    def target_for(self, grade: str):
        """The target for a unit of this grade (a Decimal), or None when there is none."""
        from decimal import Decimal

        given = self.grade_targets.get(grade) if grade else None
        return Decimal(str(given)) if given not in (None, "") else self.target

    def applies_to(self, grade: str) -> bool:
        return not self.applies_to_grades or grade in self.applies_to_grades


class DeductionRule(models.Model):
    """One line of an indicator's 细则: "未建立 … 扣5分". The inspectors apply it with a
    reason; a line never loses more than its points."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="deduction_rules")
    text = models.CharField(_("扣分情形"), max_length=200)
    points = models.DecimalField(_("扣分"), max_digits=6, decimal_places=1)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedManager(path_field="indicator__sheet__campaign__organization__path", include_ancestors=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("扣分细则")
        verbose_name_plural = pgettext_lazy("plural", "扣分细则")
        ordering = ["indicator", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="deduction_rule_points_positive"),
        ]

    def __str__(self) -> str:
        return self.text


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
    # 自查自评: the units score themselves by this day, before the inspectors verify.
    self_assessment_due = models.DateField(_("自查自评截止日期"), null=True, blank=True)

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
    """The verified points (核定) for one organization on one line in a period, with the
    reason: the inspection group's score of a manual line, or its correction of a measured
    or computed one. At most the indicator's maximum (checked by the service: a database
    constraint cannot reach the indicator's row)."""

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


class Deduction(models.Model):
    """A deduction rule applied to a unit in a period (核定 by the inspectors), with the
    reason and what was seen. The line's verified points are its maximum less these."""

    period = models.ForeignKey(ScorePeriod, on_delete=models.CASCADE, related_name="deductions")
    rule = models.ForeignKey(DeductionRule, on_delete=models.RESTRICT, related_name="deductions")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(_("扣分"), max_digits=6, decimal_places=1)
    reason = models.TextField(_("扣分理由"))
    evidence = models.TextField(_("核查依据"), blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("扣分记录")
        verbose_name_plural = pgettext_lazy("plural", "扣分记录")
        ordering = ["period", "organization", "rule__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "rule", "organization"], name="one_deduction_per_rule"),
            models.CheckConstraint(condition=models.Q(points__gt=0), name="deduction_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.organization_id} -{self.points}"


class SelfAssessment(models.Model):
    """A unit's own points on one line in a period (自查自评), with its evidence. Kept beside
    the verified score; the ranking uses the verified one."""

    period = models.ForeignKey(ScorePeriod, on_delete=models.CASCADE, related_name="self_assessments")
    indicator = models.ForeignKey(Indicator, on_delete=models.RESTRICT, related_name="self_assessments")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(_("自评得分"), max_digits=6, decimal_places=1)
    evidence = models.TextField(_("自评依据"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assessed_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("自查自评")
        verbose_name_plural = pgettext_lazy("plural", "自查自评")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator", "organization"], name="one_self_assessment_per_line"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="self_assessment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.organization_id} {self.points}"


class IndicatorValue(models.Model):
    """A unit's value of a measured indicator for one month (月报), with its evidence.
    ``value`` is derived by the service: the percent of a ratio, the count, 1 or 0."""

    indicator = models.ForeignKey(Indicator, on_delete=models.RESTRICT, related_name="values")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))  # the month's first day
    numerator = models.DecimalField(_("分子"), max_digits=12, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("分母"), max_digits=12, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(_("数值"), max_digits=12, decimal_places=2)
    evidence = models.TextField(_("佐证说明"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # First filed: what 按时报送 is judged by; a later correction does not make it late.
    reported_at = models.DateTimeField(_("报送时间"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("月报数据")
        verbose_name_plural = pgettext_lazy("plural", "月报数据")
        ordering = ["indicator", "organization", "month"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "organization", "month"], name="one_value_per_month"),
            models.CheckConstraint(
                condition=models.Q(denominator__isnull=True) | models.Q(denominator__gt=0),
                name="indicator_value_denominator_positive",
            ),
        ]
        indexes = [models.Index(fields=["organization", "month"], name="indicator_value_org_month")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.organization_id} {self.month:%Y-%m} {self.value}"


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
    # The unit's own total (自查自评 lines, its own values); the rank is by the verified total.
    self_total = models.DecimalField(_("自评总分"), max_digits=8, decimal_places=2, null=True)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    veto_reasons = models.JSONField(default=list)
    standing = models.CharField(_("考核等次"), max_length=10, choices=Standing.choices, blank=True)
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
