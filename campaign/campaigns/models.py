"""A campaign and the standards it is judged by.

The same machinery runs the county's 创先争优, the health system's 三好一满意 and the
transport system's 平安单位 campaigns: phases, standards, sector themes and quotas are
rows, not code.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgs.models import Organization, Sector
from orgs.scoping import ScopedManager

# Forms per shuffled batch of a secret ballot (reviews/held_forms.py): the guarantee's k.
DEFAULT_BALLOT_BATCH_SIZE = 10
MIN_BALLOT_BATCH_SIZE = 5
MAX_BALLOT_BATCH_SIZE = 500


class CampaignSubjects(models.TextChoices):
    """Whom a campaign judges. 创先争优 judges party organizations and party members; the
    health system's 三好一满意 and the transport system's 平安单位 judge whole units and all
    their staff, party members or not."""

    PARTY = "party", _("党组织和党员")
    UNITS = "units", _("单位和全体职工")
    BOTH = "both", _("党组织、单位和全体人员")


class Campaign(models.Model):
    """Run by one organization (usually the county committee) for its whole subtree."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(_("活动名称"), max_length=100)
    theme = models.CharField(_("活动主题"), max_length=200, blank=True)
    subjects = models.CharField(
        _("活动对象"),
        max_length=10,
        choices=CampaignSubjects.choices,
        default=CampaignSubjects.PARTY,
        help_text=_("只评党员，还是评单位的全体职工（党员和非党员）。五带头点评始终只对党员。"),
    )
    # 党群共建: the 工会、共青团、妇联 in the subtree pledge and are counted like the units
    # they sit beside (pledges.coverage.pledging_organizations).
    mass_organizations_take_part = models.BooleanField(
        _("群团组织参加本活动"),
        default=False,
        help_text=_("勾选时，工会、共青团、妇联也要作出承诺，计入承诺覆盖面和工作进度统计。"),
    )
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
    # Secret evaluation: forms are held sealed and enter the ballot tables in shuffled
    # batches of at least this many (reviews.held_forms), so a ballot can be tied to its
    # code no better than chance among this many forms.
    ballot_batch_size = models.PositiveSmallIntegerField(
        _("评议表每批计入份数"),
        default=DEFAULT_BALLOT_BATCH_SIZE,
        validators=[MinValueValidator(MIN_BALLOT_BATCH_SIZE), MaxValueValidator(MAX_BALLOT_BATCH_SIZE)],
    )
    remedial_days = models.PositiveSmallIntegerField(
        _("补课整改期限（天）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # 回头看: how long after a rectification is signed off an inspection checks that it held.
    lookback_months = models.PositiveSmallIntegerField(
        _("整改回头看间隔（月）"), default=3, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    # A typo on the public board can be put right for a while; after that the record stands.
    progress_correction_days = models.PositiveSmallIntegerField(
        _("践诺记录可更正天数"), default=7, validators=[MinValueValidator(0), MaxValueValidator(90)]
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

    @property
    def covers_all_staff(self) -> bool:
        """Whether non-party staff pledge, are evaluated and nominated (orgs Member.objects.for_campaign)."""
        return self.subjects != CampaignSubjects.PARTY

    def covers_member(self, member) -> bool:
        """Whether the member pledges, is evaluated and may be nominated in this campaign
        (no query): the rule of Member.objects.for_campaign for one member."""
        return self.covers_all_staff or member.is_party_member


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
# Mass evaluation as the campaign sets it (群众评议的评议人类别和评议选项)
# ---------------------------------------------------------------------------


class EvaluatorCategory(models.TextChoices):
    """The 创先争优 categories, a new campaign's default; a campaign keeps its own as rows."""

    PARTY_MEMBER = "party_member", _("党员")
    STAFF = "staff", _("干部职工")
    REPRESENTATIVE = "representative", _("两代表一委员")
    PUBLIC = "public", _("群众代表")


class Choice(models.TextChoices):
    """The 创先争优 choices, a new campaign's default (see EvaluatorCategory)."""

    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    UNKNOWN = "unknown", _("不了解")


class ChoiceCounting(models.TextChoices):
    """How a choice enters the satisfaction rate: satisfied ÷ (satisfied + counted)."""

    SATISFIED = "satisfied", _("计入满意")
    COUNTED = "counted", _("计入总数，不算满意")
    EXCLUDED = "excluded", _("不计入满意率")


# Keys are stored on every code, ballot and tally row; labels are what people read.
EVALUATION_KEY_LENGTH = 20
EVALUATION_LABEL_LENGTH = 20


class CampaignEvaluatorCategory(models.Model):
    """One category of evaluators the campaign's rounds hand codes to (党员, 住院患者 …).
    A round copies the campaign's categories when it is set up."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evaluator_categories")
    key = models.CharField(max_length=EVALUATION_KEY_LENGTH)
    label = models.CharField(_("评议人类别"), max_length=EVALUATION_LABEL_LENGTH)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("评议人类别")
        verbose_name_plural = pgettext_lazy("plural", "评议人类别")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="evaluator_category_key_unique"),
            models.UniqueConstraint(fields=["campaign", "label"], name="evaluator_category_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class CampaignChoice(models.Model):
    """One choice on the campaign's evaluation form and how it counts. A round copies
    the campaign's choices when it is set up, so a later change never recounts it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evaluation_choices")
    key = models.CharField(max_length=EVALUATION_KEY_LENGTH)
    label = models.CharField(_("评议选项"), max_length=EVALUATION_LABEL_LENGTH)
    counting = models.CharField(_("计入方式"), max_length=20, choices=ChoiceCounting.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedManager(path_field="campaign__organization__path", include_ancestors=True)

    class Meta:
        verbose_name = _("评议选项")
        verbose_name_plural = pgettext_lazy("plural", "评议选项")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="campaign_choice_key_unique"),
            models.UniqueConstraint(fields=["campaign", "label"], name="campaign_choice_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label
