"""Public pledges (公开承诺), their progress (践诺) and rectification (集中核查).

A pledge's working copy lives in Pledge/PledgeItem/Opinion rows. Each time it is
published, its content is frozen into a PledgeVersion; the public notice board shows
the newest frozen version, never the working copy, so a revision in progress is not
public until it has been approved and published again.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign, StandardDimension
from orgs.models import Member, Organization
from orgs.scoping import ScopedManager


class PledgeKind(models.TextChoices):
    LONG_TERM = "long_term", _("长远承诺")
    ANNUAL = "annual", _("年度承诺")
    IMMEDIATE = "immediate", _("即时承诺")


class PledgeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")
    PUBLISHED = "published", _("已公示")
    IN_PROGRESS = "in_progress", _("践诺中")
    ASSESSED = "assessed", _("已评定")


class PublicationChannel(models.TextChoices):
    MEETING = "meeting", _("会议")
    DOCUMENT = "document", _("文件")
    NOTICE_BOARD = "notice_board", _("公开栏")
    TELEVISION = "television", _("电视")
    WEBSITE = "website", _("网站")


class Fulfillment(models.TextChoices):
    """The assessment's grades, best first. 兑现优秀 leads to 择优推荐表彰, 未兑现 to an
    education and rectification task (pledges.outcomes)."""

    OUTSTANDING = "outstanding", _("兑现优秀")
    FULFILLED = "fulfilled", _("已兑现")
    PARTLY = "partly", _("部分兑现")
    NOT_FULFILLED = "not_fulfilled", _("未兑现")


class Pledge(models.Model):
    """An organization's pledge (member is empty) or a member's pledge."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="pledges")
    organization = models.ForeignKey(
        Organization, verbose_name=_("承诺组织"), on_delete=models.PROTECT, related_name="pledges"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("承诺党员"), null=True, blank=True, on_delete=models.PROTECT, related_name="pledges"
    )
    kind = models.CharField(_("承诺类型"), max_length=20, choices=PledgeKind.choices, default=PledgeKind.ANNUAL)
    title = models.CharField(_("承诺标题"), max_length=200)
    state = models.CharField(_("状态"), max_length=20, choices=PledgeState.choices, default=PledgeState.DRAFT)
    # Number of the newest published version; 0 until first published.
    published_version = models.PositiveIntegerField(_("已公示版本"), default=0)
    # The leader review that led to the current revision, if one did.
    revised_after_review = models.ForeignKey(
        "reviews.Review",
        verbose_name=_("依据的点评"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField(_("退回理由"), blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    publication_channel = models.CharField(_("公示方式"), max_length=20, choices=PublicationChannel.choices, blank=True)
    assessed_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fulfillment = models.CharField(_("兑现情况"), max_length=20, choices=Fulfillment.choices, blank=True)
    assessment_comment = models.TextField(_("评定意见"), blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(path_field="organization__path", member_field="member")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("承诺")
        verbose_name_plural = pgettext_lazy("plural", "承诺")
        ordering = ["organization__path", "member__name", "-created_at"]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("pledges:detail", args=[self.pk])

    @property
    def pledger_name(self) -> str:
        return self.member.name if self.member_id else self.organization.name

    @property
    def is_member_pledge(self) -> bool:
        return self.member_id is not None


class Opinion(models.Model):
    """征求意见: what the masses said before the unit pledged."""

    class Method(models.TextChoices):
        FORUM = "forum", _("座谈会")
        QUESTIONNAIRE = "questionnaire", _("问卷调查")
        VISIT = "visit", _("走访")
        SUGGESTION_BOX = "box", _("意见箱")
        ONLINE = "online", _("网络征集")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="opinions")
    solicited_on = models.DateField(_("征求日期"))
    method = models.CharField(_("征求方式"), max_length=20, choices=Method.choices)
    summary = models.TextField(_("意见建议"))

    objects = ScopedManager(path_field="pledge__organization__path", member_field="pledge__member")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = pgettext_lazy("plural", "征求意见")
        ordering = ["pledge", "solicited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.solicited_on}"


class PledgeItem(models.Model):
    """One concrete promise: what is aimed at, what is done, for whom, by when, measured how."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    target = models.TextField(_("争创目标"))
    work = models.TextField(_("做哪些工作"))
    practical_things = models.TextField(_("为群众办哪些实事"), blank=True)
    dimension = models.ForeignKey(
        StandardDimension, verbose_name=_("对应标准"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    measurable_result = models.TextField(_("可衡量的成效"))
    # Set when a progress entry reports the item done; cleared if a later one reopens it.
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    objects = ScopedManager(path_field="pledge__organization__path", member_field="pledge__member")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("承诺事项")
        verbose_name_plural = pgettext_lazy("plural", "承诺事项")
        ordering = ["pledge", "order", "pk"]

    def __str__(self) -> str:
        return self.target[:40]


class PledgeVersion(models.Model):
    """The content of a pledge as published, frozen: title, kind, opinions and items."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    content = models.JSONField(_("内容"))
    published_on = models.DateField(_("公示日期"))
    publication_channel = models.CharField(_("公示方式"), max_length=20, choices=PublicationChannel.choices)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="pledge__organization__path", member_field="pledge__member")

    class Meta:
        verbose_name = _("承诺版本")
        verbose_name_plural = pgettext_lazy("plural", "承诺版本")
        ordering = ["pledge", "number"]
        constraints = [models.UniqueConstraint(fields=["pledge", "number"], name="one_version_number_per_pledge")]

    def __str__(self) -> str:
        return f"{self.pledge} v{self.number}"


def evidence_path(instance, filename: str) -> str:
    # Random names: the original name is kept on the row, never in a guessable path.
    return f"evidence/{secrets.token_urlsafe(16)}"


class ProgressEntry(models.Model):
    """践诺: a dated report of what was done on one item, with evidence."""

    item = models.ForeignKey(PledgeItem, on_delete=models.CASCADE, related_name="progress_entries")
    recorded_on = models.DateField(_("日期"))
    text = models.TextField(_("进展情况"))
    marks_done = models.BooleanField(_("该事项已完成"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Undo within the campaign's window: the earlier text stays in the history rows.
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)
    # Removed entries are kept (soft delete) so the history and who removed it stay.
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = models.TextField(_("删除原因"), blank=True)

    objects = ScopedManager(path_field="item__pledge__organization__path", member_field="item__pledge__member")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("践诺记录")
        verbose_name_plural = pgettext_lazy("plural", "践诺记录")
        ordering = ["item", "recorded_on", "pk"]

    def __str__(self) -> str:
        return f"{self.recorded_on} {self.text[:30]}"


class Evidence(models.Model):
    """A photo or document attached to a progress entry; served only to users in scope."""

    entry = models.ForeignKey(ProgressEntry, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # Public board shows only evidence the pledger chose to publish (photos of a
    # repaired road, not a scan with names and ID numbers on it).
    is_public = models.BooleanField(_("在公开栏展示"), default=True)

    objects = ScopedManager(
        path_field="entry__item__pledge__organization__path", member_field="entry__item__pledge__member"
    )

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = pgettext_lazy("plural", "佐证材料")

    def __str__(self) -> str:
        return self.original_name


class RectificationStatus(models.TextChoices):
    """The unit works on a task and reports it done (SOLVED); only a superior organization
    or the inspection group that found the problem signs it off (VERIFIED, 验收销号) or
    sends it back. Tasks solved before sign-off existed stay SOLVED: reported, unverified."""

    OPEN = "open", _("未整改")
    IN_PROGRESS = "in_progress", _("整改中")
    SOLVED = "solved", _("已报完成，待验收")
    VERIFIED = "verified", _("已验收销号")


class RectificationSource(models.TextChoices):
    FOUND_PROBLEM = "found_problem", _("查找的问题")
    PLEDGE = "pledge", _("承诺兑现不力")
    REVIEW = "review", _("领导点评")
    EVALUATION = "evaluation", _("群众评议未达标")
    INCIDENT = "incident", _("重大情况")
    INSPECTION = "inspection", _("检查发现")


class Rectification(models.Model):
    """A problem found and the task of fixing it (集中核查 / 补课整改)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="rectifications"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("责任组织"), on_delete=models.PROTECT, related_name="rectifications"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("责任党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    source = models.CharField(
        _("问题来源"), max_length=20, choices=RectificationSource.choices, default=RectificationSource.FOUND_PROBLEM
    )
    pledge_item = models.ForeignKey(
        PledgeItem,
        verbose_name=_("相关承诺事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications",
    )
    category = models.CharField(_("问题类别"), max_length=50)
    problem = models.TextField(_("存在的问题"))
    measure = models.TextField(_("整改措施"))
    owner = models.CharField(_("责任人"), max_length=50)
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(
        _("整改状态"), max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    result = models.TextField(_("整改结果"), blank=True)
    solved_on = models.DateField(_("完成日期"), null=True, blank=True)
    is_published = models.BooleanField(_("已向群众公开"), default=False)
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    # The inspection group account whose finding opened the task: it may sign it off.
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发现人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("报告完成时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("验收销号时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # 回头看: set at sign-off, a set number of months later; recorded as an inspection visit.
    lookback_due = models.DateField(_("回头看日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="organization__path", member_field="member")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改任务")
        verbose_name_plural = pgettext_lazy("plural", "整改任务")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(is_published=True)
                | models.Q(status__in=[RectificationStatus.SOLVED, RectificationStatus.VERIFIED]),
                name="only_solved_rectifications_published",
            ),
            models.CheckConstraint(
                condition=models.Q(status=RectificationStatus.VERIFIED, verified_at__isnull=False)
                | (~models.Q(status=RectificationStatus.VERIFIED) & models.Q(verified_at__isnull=True)),
                name="verified_rectifications_have_a_sign_off_time",
            ),
        ]

    def __str__(self) -> str:
        return self.problem[:40]

    def get_absolute_url(self) -> str:
        return reverse("pledges:rectification", args=[self.pk])


def rectification_evidence_path(instance, filename: str) -> str:
    # Random names: the original name is kept on the row, never in a guessable path.
    return f"rectification/{secrets.token_urlsafe(16)}"


class RectificationEvidence(models.Model):
    """A photo or document the unit attaches when it reports a task done; served only to users in scope."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=rectification_evidence_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(path_field="rectification__organization__path", member_field="rectification__member")

    class Meta:
        verbose_name = _("整改佐证材料")
        verbose_name_plural = pgettext_lazy("plural", "整改佐证材料")
        ordering = ["rectification", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class SignOffOutcome(models.TextChoices):
    SIGNED_OFF = "signed_off", _("验收销号")
    SENT_BACK = "sent_back", _("退回重改")


class RectificationSignOff(models.Model):
    """One check of a reported task by whoever may sign it off: signed off, or sent back
    with the reason. Kept as a list, so the dossier shows every round of it."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="sign_offs")
    outcome = models.CharField(_("验收结论"), max_length=20, choices=SignOffOutcome.choices)
    note = models.TextField(_("验收意见"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("验收人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(_("验收时间"))

    objects = ScopedManager(path_field="rectification__organization__path", member_field="rectification__member")

    class Meta:
        verbose_name = _("整改验收")
        verbose_name_plural = pgettext_lazy("plural", "整改验收")
        ordering = ["rectification", "checked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.checked_at:%Y-%m-%d}"


class Supervision(models.Model):
    """挂牌督办: a late pledge item or rectification task listed for supervision."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="supervisions")
    pledge_item = models.ForeignKey(
        PledgeItem, null=True, blank=True, on_delete=models.CASCADE, related_name="supervisions"
    )
    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.CASCADE, related_name="supervisions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督办人"), on_delete=models.PROTECT, related_name="supervisions"
    )
    deadline = models.DateField(_("督办时限"))
    notes = models.TextField(_("督办要求"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closing_note = models.TextField(_("销号说明"), blank=True)

    objects = ScopedManager(path_field="organization__path")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("挂牌督办")
        verbose_name_plural = pgettext_lazy("plural", "挂牌督办")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(pledge_item__isnull=False) & models.Q(rectification__isnull=True))
                | (models.Q(pledge_item__isnull=True) & models.Q(rectification__isnull=False)),
                name="supervision_has_exactly_one_target",
            ),
            # One open supervision per target at a time.
            models.UniqueConstraint(
                fields=["pledge_item"], condition=models.Q(closed_at__isnull=True), name="one_open_supervision_per_item"
            ),
            models.UniqueConstraint(
                fields=["rectification"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_supervision_per_rectification",
            ),
        ]

    def __str__(self) -> str:
        return str(self.pledge_item or self.rectification)


class FollowUp(models.Model):
    """跟踪问效: a dated note on how a supervised task is going."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="follow_ups")
    noted_on = models.DateField(_("日期"))
    note = models.TextField(_("跟踪情况"))
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager(path_field="supervision__organization__path")

    class Meta:
        verbose_name = _("跟踪问效")
        verbose_name_plural = pgettext_lazy("plural", "跟踪问效")
        ordering = ["supervision", "noted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.noted_on} {self.note[:30]}"
