"""公示票选: the public votes on nominations, with one-time vote codes."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from campaign.campaigns.models import Campaign
from campaign.nominations.models import ModelNomination
from orgs.scoping import ScopedManager

# 公示票选: the public votes on nominations, with one-time vote codes
# ---------------------------------------------------------------------------


class PublicVote(models.Model):
    """A public vote (公示票选) the office holds on some nominations: the public votes
    on a phone with one-time codes printed as slips, each code for one paper of up to
    ``max_choices`` nominees. Counted when closed (campaign.nominations.votes.services.vote_close)."""

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
