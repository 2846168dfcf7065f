"""Mass evaluation (群众评议): rounds, one-time codes, secret ballots, paper tally sheets
and tallies.

Secrecy: a Ballot holds the round, the evaluator category and the choices, nothing
else: no code, no user, no address, no time. Ballot and choice keys are random UUIDs,
so neither key order nor any column says which code voted or when. A code only
records that it has been used. See the README's "Secret ballots" section.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

# The 创先争优 defaults of the campaign's evaluation (its keys appear in tests and demo data).
from campaign.campaigns.models import (  # noqa: F401
    EVALUATION_KEY_LENGTH,
    EVALUATION_LABEL_LENGTH,
    Campaign,
    Choice,
    ChoiceCounting,
    EvaluatorCategory,
)
from orgs.models import Member, Organization
from orgs.scoping import ScopedManager


class BriefingKind(models.TextChoices):
    FORUM = "forum", _("座谈会")
    BRIEFING = "briefing", _("通报会")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("评议中")
    CLOSED = "closed", _("已结束，待汇总")
    TALLIED = "tallied", _("已汇总")
    PUBLISHED = "published", _("已公布")


class EvaluationRound(models.Model):
    """One round of evaluation of an organization and its members, after a briefing."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="evaluation_rounds"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("被评议组织"), on_delete=models.PROTECT, related_name="evaluation_rounds"
    )
    period = models.CharField(_("评议期间"), max_length=50, help_text=_("如“2010年下半年”。"))
    briefing_on = models.DateField(_("通报日期"), null=True, blank=True)
    briefing_kind = models.CharField(
        _("通报形式"), max_length=20, choices=BriefingKind.choices, default=BriefingKind.BRIEFING
    )
    briefing_summary = models.TextField(_("通报内容"), blank=True, help_text=_("向评议人通报了哪些工作。"))
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    state = models.CharField(_("状态"), max_length=20, choices=RoundState.choices, default=RoundState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The rule the verdicts were taken by, stored by the tally: pages and circulars print
    # this, not the campaign's rule of today, which the office may have changed since.
    # How each choice counted is the round's own (RoundChoice, copied when it was set up).
    judged_threshold = models.DecimalField(_("汇总时的满意率达标线（%）"), max_digits=5, decimal_places=2, null=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评议")
        verbose_name_plural = pgettext_lazy("plural", "评议")
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:round", args=[self.pk])

    @property
    def verdict_threshold(self) -> Decimal:
        """The threshold its verdicts were taken by: stored by the tally; before it, the
        campaign's, which the tally will store."""
        return self.judged_threshold if self.judged_threshold is not None else self.campaign.satisfaction_threshold

    def category_labels(self) -> dict[str, str]:
        """Key → name of the round's evaluator categories, in their order. Runs a query."""
        return dict(self.categories.order_by("order", "pk").values_list("category", "label"))

    def choice_rows(self) -> "list[RoundChoice]":
        """The round's choices in form order. Runs a query."""
        return list(self.choices.order_by("order", "pk"))


class EvaluationSubject(models.Model):
    """Who is evaluated in a round: the organization itself (member empty) or one member."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="subjects")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议对象")
        verbose_name_plural = pgettext_lazy("plural", "评议对象")
        ordering = ["round", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="member_evaluated_once_per_round"),
            models.UniqueConstraint(
                fields=["round"], condition=models.Q(member__isnull=True), name="organization_evaluated_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return self.member.name if self.member_id else self.round.organization.name

    @property
    def is_organization(self) -> bool:
        return self.member_id is None


class RoundCategory(models.Model):
    """One category of evaluators of a round, copied from the campaign's when the round
    was set up, and how many codes it hands out (none: paper forms only)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("评议人类别"), max_length=EVALUATION_KEY_LENGTH)
    label = models.CharField(_("名称"), max_length=EVALUATION_LABEL_LENGTH)
    order = models.PositiveSmallIntegerField(default=0)
    code_count = models.PositiveIntegerField(_("评议码数量"))
    # Written by the tally, when the codes are retired: after that no row says which
    # code was used, only how many were.
    codes_used = models.PositiveIntegerField(_("已使用评议码数"), null=True, blank=True)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议人类别")
        verbose_name_plural = pgettext_lazy("plural", "评议人类别")
        ordering = ["round", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "category"], name="one_quota_per_category")]

    def __str__(self) -> str:
        return f"{self.label} × {self.code_count}"


class RoundChoice(models.Model):
    """One choice of a round's form and how it counts, copied from the campaign's when the
    round was set up: the tally counts by these, whatever the campaign says later."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="choices")
    key = models.CharField(max_length=EVALUATION_KEY_LENGTH)
    label = models.CharField(_("评议选项"), max_length=EVALUATION_LABEL_LENGTH)
    counting = models.CharField(_("计入方式"), max_length=20, choices=ChoiceCounting.choices)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议选项")
        verbose_name_plural = pgettext_lazy("plural", "评议选项")
        ordering = ["round", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "key"], name="one_choice_key_per_round")]

    def __str__(self) -> str:
        return self.label


class EvaluationCode(models.Model):
    """A one-time code printed on a slip. It records only whether it has been used, and
    only until the tally: then every code of the round is marked used (retired) and the
    count moves to RoundCategory.codes_used."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="codes")
    category = models.CharField(_("评议人类别"), max_length=EVALUATION_KEY_LENGTH)
    code = models.CharField(_("评议码"), max_length=16, unique=True)
    used = models.BooleanField(_("已使用"), default=False)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议码")
        verbose_name_plural = pgettext_lazy("plural", "评议码")
        # A code's row does say when it was used (its xmin): the form it cast waits,
        # sealed, for a shuffled batch (reviews.held_forms), and the tally retires and
        # rewrites all codes of the round.
        indexes = [models.Index(fields=["round", "category"])]

    def __str__(self) -> str:
        return self.code


class HeldForm(models.Model):
    """A cast form waiting, sealed, for its batch (reviews.held_forms): the box it was
    cast into (a round and category, or a public vote) in the clear, the form itself
    encrypted with a key from the settings and padded to one length per box, so neither
    its contents nor its size tie it to the ballot it becomes. Random keys, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20)
    box_id = models.BigIntegerField()
    category = models.CharField(max_length=20, blank=True)
    sealed = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["kind", "box_id", "category"])]

    def __str__(self) -> str:
        return str(self.id)


class Ballot(models.Model):
    """One evaluation form as cast: round and category only (see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="ballots")
    category = models.CharField(max_length=EVALUATION_KEY_LENGTH)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议表")
        verbose_name_plural = pgettext_lazy("plural", "评议表")

    def __str__(self) -> str:
        return str(self.id)


class BallotChoice(models.Model):
    """One subject's choice on one form; round and category repeated so the tally is one
    GROUP BY over this table."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=EVALUATION_KEY_LENGTH)
    subject = models.ForeignKey(EvaluationSubject, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=EVALUATION_KEY_LENGTH)
    comment = models.TextField(blank=True)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议意见")
        verbose_name_plural = pgettext_lazy("plural", "评议意见")
        indexes = [models.Index(fields=["round", "subject", "category", "choice"])]
        constraints = [models.UniqueConstraint(fields=["ballot", "subject"], name="one_choice_per_subject_per_ballot")]

    def __str__(self) -> str:
        return self.choice


class PaperTally(models.Model):
    """A tally sheet of paper forms for one category, entered by count."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="paper_tallies")
    category = models.CharField(_("评议人类别"), max_length=EVALUATION_KEY_LENGTH)
    forms = models.PositiveIntegerField(_("纸质评议表份数"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    # Required for every change after the first entry; kept in the history.
    correction_reason = models.TextField(_("更正理由"), blank=True)

    objects = ScopedManager(path_field="round__organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("纸质评议汇总表")
        verbose_name_plural = pgettext_lazy("plural", "纸质评议汇总表")
        constraints = [models.UniqueConstraint(fields=["round", "category"], name="one_paper_tally_per_category")]

    def __str__(self) -> str:
        return f"{self.round} {self.category_label}"

    @property
    def category_label(self) -> str:
        """The category's name in its round. Runs a query."""
        return self.round.category_labels().get(self.category, self.category)


class PaperCount(models.Model):
    """How many paper forms gave one subject one choice."""

    tally = models.ForeignKey(PaperTally, on_delete=models.CASCADE, related_name="counts")
    subject = models.ForeignKey(EvaluationSubject, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=EVALUATION_KEY_LENGTH)
    count = models.PositiveIntegerField()

    objects = ScopedManager(path_field="tally__round__organization__path")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tally", "subject", "choice"], name="one_count_per_choice")]

    def __str__(self) -> str:
        return f"{self.choice_label} {self.count}"

    @property
    def choice_label(self) -> str:
        """The choice's wording in its round. Runs a query."""
        label = RoundChoice.objects.filter(round_id=self.tally.round_id, key=self.choice).values_list(
            "label", flat=True
        )
        return label.first() or self.choice


class TallyResult(models.Model):
    """The tally of one subject, over all evaluators (category empty) or one category."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="results")
    subject = models.ForeignKey(EvaluationSubject, on_delete=models.CASCADE, related_name="results")
    category = models.CharField(max_length=EVALUATION_KEY_LENGTH, blank=True)
    forms = models.PositiveIntegerField(default=0)
    # Votes by how the round's choices count (RoundChoice.counting): counted as satisfied,
    # counted but not satisfied, left out (不了解 and the like); per choice in choice_counts.
    satisfied = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    choice_counts = models.JSONField(default=dict)
    # satisfied ÷ (satisfied + dissatisfied), in percent; empty when no vote counted.
    satisfaction = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    below_threshold = models.BooleanField(default=False)

    objects = ScopedManager(path_field="round__organization__path")

    class Meta:
        verbose_name = _("评议结果")
        verbose_name_plural = pgettext_lazy("plural", "评议结果")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject", "category"], name="one_result_per_subject_and_category"
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=Decimal(0), satisfaction__lte=Decimal(100)),
                name="satisfaction_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.satisfaction}"

    @property
    def counted(self) -> int:
        return self.satisfied + self.dissatisfied

    @property
    def is_evaluated(self) -> bool:
        return self.satisfaction is not None


class RemedialRectification(models.Model):
    """Links a subject under the threshold to its 补课整改 task (in pledges)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="remedials")
    subject = models.OneToOneField(EvaluationSubject, on_delete=models.CASCADE, related_name="remedial")
    rectification = models.OneToOneField("pledges.Rectification", on_delete=models.PROTECT, related_name="remedial")

    objects = ScopedManager(path_field="round__organization__path")

    def __str__(self) -> str:
        return str(self.rectification)


# ---------------------------------------------------------------------------
# Leader reviews (领导点评)
# ---------------------------------------------------------------------------


class ReviewForm(models.TextChoices):
    MEETING = "meeting", _("会议点评")
    RANDOM = "random", _("随机点评")
    REGULAR = "regular", _("定期点评")
    ON_SITE = "on_site", _("现场点评")
    ONLINE = "online", _("网络点评")
    PHONE = "phone", _("电话点评")
    TALK = "talk", _("个别谈话")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


class Review(models.Model):
    """A leader's review of a subordinate organization (member empty) or of a member.

    Who may review whom is derived from the tree (reviews.assignments), not stored;
    ``reviewer_organization`` records through which organization the review was made.
    """

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="reviews")
    period_start = models.DateField(_("点评周期开始"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("点评人"), on_delete=models.PROTECT, related_name="reviews_written"
    )
    reviewer_organization = models.ForeignKey(
        Organization, verbose_name=_("点评组织"), on_delete=models.PROTECT, related_name="reviews_given"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("被点评组织"), on_delete=models.PROTECT, related_name="reviews_received"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("被点评党员"), null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    form = models.CharField(_("点评方式"), max_length=20, choices=ReviewForm.choices)
    reviewed_on = models.DateField(_("点评日期"))
    requires_rectification = models.BooleanField(_("需要整改"), default=False)
    rectification = models.OneToOneField(
        "pledges.Rectification", null=True, blank=True, on_delete=models.SET_NULL, related_name="review"
    )
    acknowledged_at = models.DateTimeField(_("确认阅知时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The reviewed member sees their own reviews; a plain member nobody else's.
    objects = ScopedManager(path_field="organization__path", member_field="member")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("领导点评")
        verbose_name_plural = pgettext_lazy("plural", "领导点评")
        ordering = ["-reviewed_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "period_start", "organization", "member"])]

    def __str__(self) -> str:
        subject = self.member.name if self.member_id else self.organization.name
        return f"{subject} {self.reviewed_on}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review", args=[self.pk])


class ReviewSection(models.Model):
    """What the review says against one dimension of the standard (五个好 or 五带头)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="sections")
    dimension = models.ForeignKey(
        "campaign.StandardDimension", verbose_name=_("标准内容"), on_delete=models.PROTECT, related_name="+"
    )
    achievements = models.TextField(_("成绩"), blank=True)
    problems = models.TextField(_("问题"), blank=True)
    direction = models.TextField(_("努力方向和整改措施"), blank=True)
    grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices, blank=True)

    objects = ScopedManager(path_field="review__organization__path", member_field="review__member")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("点评内容")
        verbose_name_plural = pgettext_lazy("plural", "点评内容")
        ordering = ["review", "dimension__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "dimension"], name="one_section_per_dimension")]

    def __str__(self) -> str:
        return str(self.dimension)


class OverdueReview(models.Model):
    """A subject that went a whole review period without a review, marked by the daily job."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    reviewer_organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="overdue_reviews")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    marked_on = models.DateField()

    objects = ScopedManager(path_field="organization__path", member_field="member")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "period_start", "member"],
                condition=models.Q(member__isnull=False),
                name="member_overdue_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["campaign", "period_start", "organization"],
                condition=models.Q(member__isnull=True),
                name="organization_overdue_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member or self.organization} {self.period_start}"
