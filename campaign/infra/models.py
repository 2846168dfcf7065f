"""The transactional outbox's rows: tasks kept until the broker has taken them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    """A task asked for in the same transaction as the change that needs it, kept until
    the broker has taken it (campaign.infra.outbox). With Redis down a closed round or an
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
