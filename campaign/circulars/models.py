"""通报: numbered official documents built from the data, rendered to PDF, never changed once issued."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from campaign.dispatch.models import DispatchTask
from campaign.scores.models import ScorePeriod
from orgs.models import Organization
from orgs.scoping import ScopedManager

# 通报: numbered official documents built from the data, rendered to PDF, never changed once issued
# ---------------------------------------------------------------------------


class CircularKind(models.TextChoices):
    EVALUATION = "evaluation", _("群众评议结果通报")
    REPORTS = "reports", _("信息上报季度通报")
    PROGRESS = "progress", _("活动进展情况通报")
    RANKING = "ranking", _("考核排名通报")
    COMMENDATION = "commendation", _("先进典型表彰通报")
    MONTHLY = "monthly", _("月通报")
    CRITICISM = "criticism", _("通报批评")


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
    pages then refuse members altogether (campaign.circulars.views.may_read_circulars):
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
    # What the document says, frozen at issue (campaign.circulars.services builds it).
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
    # A 工作部署 whose returns the circular reports (who returned on time, late, not at all).
    cited_task = models.ForeignKey(
        DispatchTask,
        verbose_name=_("通报的工作部署"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
