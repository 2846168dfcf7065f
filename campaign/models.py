"""A campaign and the standards it is judged by.

The same machinery runs the county's 创先争优, the health system's 三好一满意 and the
transport system's 平安单位 campaigns: phases, standards, sector themes and quotas are
rows, not code.
"""

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from orgs.models import Organization, OrganizationKind, Sector
from orgs.scoping import ScopedManager


class Campaign(models.Model):
    """Run by one organization (usually the county committee) for its whole subtree."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(_("活动名称"), max_length=100)
    theme = models.CharField(_("活动主题"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    # Percent; "未达到90%" is strictly below, so exactly the threshold passes.
    satisfaction_threshold = models.DecimalField(
        _("满意率达标线（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    review_period_months = models.PositiveSmallIntegerField(
        _("领导点评周期（月）"), default=6, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # A review stays editable by its author this long, then it is frozen.
    review_edit_days = models.PositiveSmallIntegerField(
        _("点评可修改天数"), default=3, validators=[MinValueValidator(0), MaxValueValidator(30)]
    )
    reports_per_month = models.PositiveSmallIntegerField(_("每月信息上报数（条）"), default=3)
    models_per_quarter = models.PositiveSmallIntegerField(_("每季度培树典型数（个）"), default=1)
    # Satisfaction = counted-as-satisfied ÷ (votes other than 不了解). 满意 always counts;
    # some campaigns count 基本满意 too, some do not.
    basic_satisfied_counts = models.BooleanField(_("“基本满意”计入满意"), default=True)
    remedial_days = models.PositiveSmallIntegerField(
        _("补课整改期限（天）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # A campaign applies to the whole subtree of its organization, so users below see it too.
    objects = ScopedManager(path_field="organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = pgettext_lazy("plural", "活动")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaign:detail", args=[self.pk])

    def contains_date(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class Phase(models.Model):
    """动员部署 → 全面争创 → 总结表彰, or whatever a campaign names its stages."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("阶段名称"), max_length=50)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("活动阶段")
        verbose_name_plural = pgettext_lazy("plural", "活动阶段")
        ordering = ["campaign", "order", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="phase_dates_in_order"),
        ]

    def __str__(self) -> str:
        return self.name


class StandardSubject(models.TextChoices):
    ORGANIZATION = "organization", _("党组织")
    MEMBER = "member", _("党员")


class Standard(models.Model):
    """五个好 for organizations, 五带头 for members: one of each per campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="standards")
    subject = models.CharField(_("适用对象"), max_length=20, choices=StandardSubject.choices)
    name = models.CharField(_("标准名称"), max_length=50)
    # What leader reviews stress for this subject, e.g. 引领发展、服务群众、构建和谐、加强基层组织.
    review_focus = models.CharField(_("点评重点"), max_length=200, blank=True)

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("争创标准")
        verbose_name_plural = pgettext_lazy("plural", "争创标准")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "subject"], name="one_standard_per_subject"),
        ]

    def __str__(self) -> str:
        return self.name


class StandardDimension(models.Model):
    """One named dimension of a standard, e.g. 领导班子好 or 带头服务群众."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="dimensions")
    name = models.CharField(_("标准内容"), max_length=50)
    description = models.TextField(_("具体要求"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedManager(path_field="standard__campaign__organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("标准内容")
        verbose_name_plural = pgettext_lazy("plural", "标准内容")
        ordering = ["standard", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "name"], name="dimension_name_unique_in_standard"),
        ]

    def __str__(self) -> str:
        return self.name


class SectorTheme(models.Model):
    """The campaign's theme for one sector, e.g. 社区: 服务居民群众，构建和谐社区."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sector_themes")
    sector = models.CharField(_("领域"), max_length=20, choices=Sector.choices)
    theme = models.CharField(_("活动主题"), max_length=200)

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("领域主题")
        verbose_name_plural = pgettext_lazy("plural", "领域主题")
        ordering = ["campaign", "sector"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sector"], name="one_theme_per_sector"),
        ]

    def __str__(self) -> str:
        return f"{self.get_sector_display()}：{self.theme}"


# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# 典型培树: advanced organizations and excellent members, recommended up the tree
# ---------------------------------------------------------------------------


class NominationStatus(models.TextChoices):
    PENDING = "pending", _("推荐中")
    RECOMMENDED = "recommended", _("已推荐至上级")
    SELECTED = "selected", _("已确定为典型")
    DECLINED = "declined", _("未通过")


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


class OrganizationFigures(models.Model):
    """One organization's own figures (not its subtree's) for one month of a campaign,
    kept up to date by a task (campaign.figures). The dashboard and the score sheet
    add these rows up over subtrees instead of counting members, ballots and pledges
    live: a province has millions of those and a hundred thousand of these a month.

    Counts that belong to a month (information reports) are for the month alone;
    counts that belong to a longer period are to date within it, as of the month's
    last day (or of the refresh, for the current month): pledges and rectifications
    as of that day, reviews and evaluation rounds within the review period (half-year),
    models within the quarter.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the month's first day
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    party_organizations = models.PositiveIntegerField(default=0)  # 1 unless a mass organization
    organizations_covered = models.PositiveIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)
    members_covered = models.PositiveIntegerField(default=0)
    items_due = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)  # of the items due, those done by the day
    late_items = models.PositiveIntegerField(default=0)
    supervised = models.PositiveIntegerField(default=0)
    reviews_due = models.PositiveIntegerField(default=0)
    reviews_done = models.PositiveIntegerField(default=0)
    rounds_held = models.PositiveIntegerField(default=0)
    subjects_evaluated = models.PositiveIntegerField(default=0)
    subjects_below = models.PositiveIntegerField(default=0)
    votes_counted = models.PositiveIntegerField(default=0)  # votes other than 不了解
    votes_satisfied = models.PositiveIntegerField(default=0)
    rectifications_open = models.PositiveIntegerField(default=0)
    rectifications_overdue = models.PositiveIntegerField(default=0)
    rectifications_due = models.PositiveIntegerField(default=0)  # deadline within the period, by the day
    rectifications_on_time = models.PositiveIntegerField(default=0)  # of those, solved by the deadline
    reports = models.PositiveIntegerField(default=0)
    reports_adopted = models.PositiveIntegerField(default=0)
    reports_quota = models.PositiveIntegerField(default=0)
    reports_short = models.PositiveIntegerField(default=0)  # 1 when below the monthly quota
    models_nominated = models.PositiveIntegerField(default=0)
    models_selected = models.PositiveIntegerField(default=0)
    models_quota = models.PositiveIntegerField(default=0)

    objects = ScopedManager(path_field="organization__path")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month", "organization"], name="one_figures_row_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"


# ---------------------------------------------------------------------------
# 公示票选: the public votes on nominations, with one-time vote codes
# ---------------------------------------------------------------------------


class PublicVote(models.Model):
    """A public vote (公示票选) the office holds on some nominations: the public votes
    on a phone with one-time codes printed as slips, each code for one paper of up to
    ``max_choices`` nominees. Counted when closed (campaign.votes.vote_close)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="public_votes"
    )
    title = models.CharField(_("票选名称"), max_length=100, help_text=_("如“2011年第一季度先进典型公示票选”。"))
    notice = models.TextField(_("票选说明"), blank=True, help_text=_("投票页面上给群众看的说明。"))
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    max_choices = models.PositiveSmallIntegerField(_("每张最多可选（名）"))
    code_count = models.PositiveIntegerField(_("投票码数量"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, when the vote is closed and counted; the counts are on its nominees.
    closed_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ballots_cast = models.PositiveIntegerField(_("收回选票（张）"), null=True, blank=True)

    objects = ScopedManager(path_field="campaign__organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公示票选")
        verbose_name_plural = pgettext_lazy("plural", "公示票选")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="public_vote_closes_after_opening"
            ),
            models.CheckConstraint(condition=models.Q(max_choices__gte=1), name="public_vote_allows_a_choice"),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, ballots_cast__isnull=True)
                | models.Q(closed_at__isnull=False, ballots_cast__isnull=False),
                name="public_vote_counted_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign:vote", args=[self.pk])

    @property
    def is_counted(self) -> bool:
        return self.closed_at is not None


class PublicVoteNominee(models.Model):
    """A nomination on a public vote's paper, and its count once the vote is closed."""

    vote = models.ForeignKey(PublicVote, on_delete=models.CASCADE, related_name="nominees")
    nomination = models.ForeignKey(
        ModelNomination, verbose_name=_("典型推荐"), on_delete=models.PROTECT, related_name="vote_entries"
    )
    order = models.PositiveSmallIntegerField(default=0)
    votes = models.PositiveIntegerField(_("得票"), null=True, blank=True)
    # Competition ranking: equal counts share a place, the next place is skipped (1, 2, 2, 4).
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)

    # Scoped by the nomination, so whoever may see a nomination sees how it fared.
    objects = ScopedManager(path_field="nomination__organization__path", member_field="nomination__member")

    class Meta:
        verbose_name = _("票选对象")
        verbose_name_plural = pgettext_lazy("plural", "票选对象")
        ordering = ["vote", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "nomination"], name="nomination_once_per_public_vote"),
        ]

    def __str__(self) -> str:
        return str(self.nomination)


class VoteCode(models.Model):
    """A one-time vote code (投票码) printed on a slip; it records only whether it has
    been used. Made, claimed and rewritten by reviews.codes, like the evaluation codes."""

    vote = models.ForeignKey(PublicVote, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("投票码"), max_length=16, unique=True)
    used = models.BooleanField(_("已使用"), default=False)

    objects = ScopedManager(path_field="vote__campaign__organization__path")

    class Meta:
        verbose_name = _("投票码")
        verbose_name_plural = pgettext_lazy("plural", "投票码")

    def __str__(self) -> str:
        return self.code


class VoteBallot(models.Model):
    """One paper as cast: the vote, nothing else. No code, user, address or time, and a
    random key, so nothing says which code cast it or when (as reviews.models.Ballot)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(PublicVote, on_delete=models.CASCADE, related_name="ballots")

    objects = ScopedManager(path_field="vote__campaign__organization__path")

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = pgettext_lazy("plural", "选票")

    def __str__(self) -> str:
        return str(self.id)


class VoteChoice(models.Model):
    """One nominee chosen on one paper; the vote repeated so counting is one GROUP BY."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(VoteBallot, on_delete=models.CASCADE, related_name="choices")
    vote = models.ForeignKey(PublicVote, on_delete=models.CASCADE, related_name="+")
    nominee = models.ForeignKey(PublicVoteNominee, on_delete=models.CASCADE, related_name="choices")

    objects = ScopedManager(path_field="vote__campaign__organization__path")

    class Meta:
        verbose_name = _("投票选择")
        verbose_name_plural = pgettext_lazy("plural", "投票选择")
        indexes = [models.Index(fields=["vote", "nominee"])]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "nominee"], name="nominee_once_per_vote_ballot"),
        ]

    def __str__(self) -> str:
        return str(self.nominee)


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
    # Who changed the sheet and when: the audit log (campaign.audit) reads it.
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
    """What a computed indicator measures; campaign.scoring says how, from the figures."""

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
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField(_("排名"))
    # Place in the group's listing: by rank, then by name (campaign.scoring.competition_ranks).
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
# 通报: numbered official documents built from the data, rendered to PDF, never changed once issued
# ---------------------------------------------------------------------------


class CircularKind(models.TextChoices):
    EVALUATION = "evaluation", _("群众评议结果通报")
    REPORTS = "reports", _("信息上报季度通报")
    PROGRESS = "progress", _("活动进展情况通报")
    RANKING = "ranking", _("考核排名通报")
    COMMENDATION = "commendation", _("先进典型表彰通报")


class CircularState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    QUEUED = "queued", _("排队中")
    RENDERING = "rendering", _("生成中")
    ISSUED = "issued", _("已印发")
    FAILED = "failed", _("生成失败")


def circular_pdf_path(instance, filename: str) -> str:
    # Served only through the scoped download view; a random part keeps the name unguessable.
    return f"circulars/{instance.number_year}/{secrets.token_urlsafe(12)}.pdf"


class CircularManager(ScopedManager):
    """Who sees which circular; decided here so that every query, related managers and
    admin included, applies the same rule.

    - Circulars issued by an organization in the user's subtree (the county office for
      the county's circulars): all of them, drafts included.
    - Otherwise only issued ones, and of those the ones that are sent to the user's
      organization or to one above it (a circular sent to 各乡镇党委 is passed down to
      their branches, as paper ones are), or that name an organization in the user's
      subtree (its results, its ranking, its shortfall), even when sent elsewhere.

    A plain member's scope is their organization, so the rule reaches them too; the
    pages then refuse members altogether (campaign.circular_views.may_read_circulars):
    an evaluation circular lists fellow members' satisfaction, which a member may not
    read (reviews.results.may_see_results).
    """

    def __init__(self) -> None:
        super().__init__(path_field="issuer__path")

    def get_queryset(self) -> models.QuerySet:
        from orgs.scoping import active_scope

        scope = active_scope()
        queryset = models.Manager.get_queryset(self)
        if scope.everything:
            return queryset
        if not (scope.subtree_paths or scope.own_organization_ids):
            return queryset.none()
        own = scope.organization_q("issuer__path")
        through_recipients = Circular.recipients.through.objects.filter(
            circular=models.OuterRef("pk"), organization__path__in=self._reach_paths(scope)
        )
        through_concerned = Circular.concerned.through.objects.filter(
            scope.organization_q("organization__path"), circular=models.OuterRef("pk")
        )
        sent = models.Q(state=CircularState.ISSUED) & (
            models.Exists(through_recipients) | models.Exists(through_concerned)
        )
        return queryset.filter(own | sent)

    @staticmethod
    def _reach_paths(scope) -> list[str]:
        """The paths of the scope's top organizations and of every organization above them."""
        from orgs.scoping import PATH_SEGMENT_LENGTH

        paths = set()
        for path in scope.subtree_paths + scope.own_organization_paths:
            paths.update(path[:end] for end in range(PATH_SEGMENT_LENGTH, len(path) + 1, PATH_SEGMENT_LENGTH))
        return sorted(paths)


class Circular(models.Model):
    """A numbered official document (通报) of an issuing organization, built from the
    campaign's data for a period. A draft is edited and previewed from live data; on
    issue it gets the next number of its issuer and year and its data are frozen in
    ``snapshot``; a task renders the PDF, which, with its hash, never changes after.
    A mistake is put right by a new circular that ``corrects`` this one."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="circulars")
    issuer = models.ForeignKey(
        Organization, verbose_name=_("发文机关"), on_delete=models.PROTECT, related_name="circulars_issued"
    )
    kind = models.CharField(_("通报类别"), max_length=20, choices=CircularKind.choices)
    # The period the data are taken from: a half-year, a quarter or a month; a score
    # period for a ranking.
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    score_period = models.ForeignKey(
        ScorePeriod, verbose_name=_("考核期"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_label = models.CharField(_("通报期间"), max_length=50)
    # 发文机关标志, the red header, and the signature: e.g. 中共某县委创先争优活动领导小组办公室.
    issuer_name = models.CharField(_("发文机关标志"), max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    addressee = models.CharField(_("主送机关"), max_length=300)
    recipients = models.ManyToManyField(Organization, verbose_name=_("主送单位"), blank=True, related_name="+")
    preamble = models.TextField(_("开头语"), blank=True)
    closing = models.TextField(_("结束语"), blank=True)
    attachments = models.JSONField(_("附件"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=CircularState.choices, default=CircularState.DRAFT)
    progress = models.PositiveSmallIntegerField(_("生成进度"), default=0)
    # 发文字号: prefix〔year〕serial号, e.g. 肃创办〔2012〕3号; serial per issuer and year.
    number_prefix = models.CharField(_("发文机关代字"), max_length=20)
    number_year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)
    number_serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    number_text = models.CharField(_("发文字号"), max_length=50, blank=True, db_index=True)
    # What the document says, frozen at issue (campaign.circulars builds it).
    snapshot = models.JSONField(null=True, blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to=circular_pdf_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    size = models.PositiveIntegerField(_("文件大小"), null=True, blank=True)
    issued_on = models.DateField(_("成文日期"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    # When a render claimed it: a claim this old belongs to a worker that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的通报"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    # The organizations the document names, for scoping (CircularManager).
    concerned = models.ManyToManyField(Organization, verbose_name=_("涉及组织"), blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CircularManager()
    # Progress ticks are written with UPDATE (no history); the snapshot is on the row.
    history = HistoricalRecords(excluded_fields=["progress", "snapshot", "claimed_at"])

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = pgettext_lazy("plural", "通报")
        ordering = ["-number_year", "-number_serial", "-created_at", "-pk"]
        constraints = [
            # One number once: the counter hands serials out, this keeps them unique whatever happens.
            models.UniqueConstraint(fields=["issuer", "number_year", "number_serial"], name="circular_number_unique"),
            # A draft has no number; from issue on it has one, for good.
            models.CheckConstraint(
                condition=models.Q(state="draft", number_serial__isnull=True, number_year__isnull=True)
                | (
                    ~models.Q(state="draft")
                    & models.Q(number_serial__isnull=False, number_year__isnull=False, snapshot__isnull=False)
                ),
                name="circular_numbered_unless_draft",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="issued") | (~models.Q(sha256="") & models.Q(pages__isnull=False)),
                name="circular_issued_has_its_file",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="circular_progress_percent"),
        ]
        indexes = [models.Index(fields=["issuer", "kind", "number_year"], name="circular_issuer_kind_year")]

    def __str__(self) -> str:
        return f"{self.number_text} {self.title}" if self.number_text else self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign:circular", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.state == CircularState.DRAFT

    @property
    def is_issued(self) -> bool:
        return self.state == CircularState.ISSUED

    @property
    def is_in_progress(self) -> bool:
        return self.state in (CircularState.QUEUED, CircularState.RENDERING)


class CircularCounter(models.Model):
    """The last serial an issuer gave out in a year; locked while a circular is issued,
    so two issues at once take one number each, in order, with no gap."""

    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    objects = ScopedManager(path_field="issuer__path")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="one_circular_counter_per_year")]

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.year} {self.last_serial}"


class OutboxEntry(models.Model):
    """A task asked for in the same transaction as the change that needs it, kept until
    the broker has taken it (campaign.outbox). With Redis down a closed round or an
    issued circular is stored at once, and its tally or PDF follows when Redis returns."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("待发送的后台任务")
        verbose_name_plural = _("待发送的后台任务")

    def __str__(self) -> str:
        return f"{self.task}{self.args}"
