"""践诺: recording progress on pledge items, and the state each item is in."""

from __future__ import annotations

import datetime
import io
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from orgs.models import User
from pledges.lifecycle import may_file, pledge_start
from pledges.models import Evidence, Pledge, PledgeItem, PledgeState, ProgressEntry

# Progress is recorded on what the masses have been shown: published pledges.
RECORDABLE_STATES = frozenset({PledgeState.PUBLISHED, PledgeState.IN_PROGRESS})


class ItemState(models.TextChoices):
    ON_TRACK = "on_track", gettext_lazy("按期推进")
    LATE = "late", gettext_lazy("已逾期")
    DONE = "done", gettext_lazy("已完成")


def item_state(item: PledgeItem, today: datetime.date | None = None) -> str:
    """Done once an entry said so (by ``today``); late when the due date has passed
    without that."""
    today = today or timezone.localdate()
    if item.completed_on and item.completed_on <= today:
        return ItemState.DONE
    if item.due_date and item.due_date < today:
        return ItemState.LATE
    return ItemState.ON_TRACK


def late_items_q(today: datetime.date, prefix: str = "") -> models.Q:
    """The same rule as item_state's LATE, for querysets of items (or via ``prefix``).
    Done after ``today`` is not done yet on ``today``: the figures count past months."""
    not_done = models.Q(**{f"{prefix}completed_on__isnull": True}) | models.Q(**{f"{prefix}completed_on__gt": today})
    return not_done & models.Q(**{f"{prefix}due_date__lt": today})


@transaction.atomic
def progress_record(
    *,
    item: PledgeItem,
    by: User,
    recorded_on: datetime.date,
    text: str,
    marks_done: bool = False,
    files: Sequence[UploadedFile] = (),
    evidence_public: bool = True,
) -> ProgressEntry:
    """Add a dated progress entry to an item; the first one starts the pledge's 践诺.
    ``evidence_public``: whether the files may be shown on the public notice board."""
    # Read the pledge afresh and hold it: the caller's copy may be stale (several
    # items of one pledge in a batch), and a revision must not start meanwhile.
    pledge = Pledge.objects.select_for_update().get(pk=item.pledge_id)
    if not may_file(by, pledge):
        raise PermissionDenied(_("您无权为这份承诺记录进展。"))
    if pledge.state not in RECORDABLE_STATES:
        raise ValidationError(_("承诺公示后才能记录践诺进展。"))
    if recorded_on > timezone.localdate():
        raise ValidationError(_("进展日期不能晚于今天。"))
    if not text.strip():
        raise ValidationError(_("请填写进展情况。"))
    if len(files) > EVIDENCE_MAX_FILES:
        raise ValidationError(_("每条进展最多上传 %(count)s 个佐证材料。") % {"count": EVIDENCE_MAX_FILES})
    # Check every file before writing anything, so one bad file leaves no entry and
    # no stray files behind.
    checked = [evidence_check(upload) for upload in files]
    entry = ProgressEntry.objects.create(
        item=item, recorded_on=recorded_on, text=text.strip(), marks_done=marks_done, recorded_by=by
    )
    for file in checked:
        _evidence_store(entry=entry, file=file, is_public=evidence_public)
    if marks_done and not item.completed_on:
        item.completed_on = recorded_on
        item.save(update_fields=["completed_on"])
    if pledge.state == PledgeState.PUBLISHED:
        pledge_start(pledge=pledge, by=by)
    return entry


# ---------------------------------------------------------------------------
# Undo within reason: correcting or removing an entry for a few days
# ---------------------------------------------------------------------------


def correction_deadline(entry: ProgressEntry) -> datetime.datetime:
    """Until when the entry may be corrected or removed: the campaign's number of days
    after it was recorded. Reads the pledge's campaign (a query unless loaded)."""
    return entry.created_at + datetime.timedelta(days=entry.item.pledge.campaign.progress_correction_days)


def may_correct(user: User, entry: ProgressEntry) -> bool:
    """Who recorded it, or anyone who may record progress on the pledge."""
    return (entry.recorded_by_id is not None and entry.recorded_by_id == user.pk) or may_file(user, entry.item.pledge)


def correctable(entry: ProgressEntry, now: datetime.datetime | None = None) -> bool:
    """Whether the entry is still within its window (and not removed, nor the pledge assessed)."""
    if entry.removed_at is not None or entry.item.pledge.state == PledgeState.ASSESSED:
        return False
    return (now or timezone.now()) <= correction_deadline(entry)


def _entry_for_change(*, entry: ProgressEntry, by: User) -> ProgressEntry:
    """Lock the entry's row and check who and when, so a correction and a removal
    clicked at once are applied one after the other and the second sees the first."""
    locked = (
        ProgressEntry.objects.select_for_update(of=("self",))
        .select_related("item__pledge__campaign", "item__pledge__organization", "item__pledge__member")
        .get(pk=entry.pk)
    )
    if not may_correct(by, locked):
        raise PermissionDenied(_("您无权更正或删除这条践诺记录。"))
    if locked.removed_at is not None:
        raise ValidationError(_("这条践诺记录已被删除，不能再更正。"))
    if locked.item.pledge.state == PledgeState.ASSESSED:
        raise ValidationError(_("承诺已评定兑现情况，践诺记录不能再更正或删除。"))
    if not correctable(locked):
        raise ValidationError(
            _("这条践诺记录保存已超过 %(days)s 天，不能再更正或删除。如确有错误，请新记录一条进展加以说明。")
            % {"days": locked.item.pledge.campaign.progress_correction_days}
        )
    return locked


def _item_completion_refresh(item: PledgeItem) -> None:
    """An item is done on the earliest date a remaining entry said so: after a removal
    or a correction of "已完成", recount rather than trust what was stored."""
    done_on = (
        ProgressEntry.objects.filter(item=item, marks_done=True, removed_at__isnull=True)
        .order_by("recorded_on")
        .values_list("recorded_on", flat=True)
        .first()
    )
    if item.completed_on != done_on:
        item.completed_on = done_on
        item.save(update_fields=["completed_on"])


@transaction.atomic
def progress_correct(*, entry: ProgressEntry, by: User, text: str, marks_done: bool) -> ProgressEntry:
    """Put right the text (or the "done" mark) of an entry within the campaign's window;
    the earlier text stays in the entry's history and the board marks it 已更正."""
    entry = _entry_for_change(entry=entry, by=by)
    text = text.strip()
    if not text:
        raise ValidationError(_("请填写进展情况。"))
    if text == entry.text and marks_done == entry.marks_done:
        raise ValidationError(_("内容没有变化，无需更正。"))
    entry.text = text
    entry.marks_done = marks_done
    entry.corrected_at = timezone.now()
    entry._history_user = by
    entry.save(update_fields=["text", "marks_done", "corrected_at"])
    _item_completion_refresh(entry.item)
    return entry


@transaction.atomic
def progress_remove(*, entry: ProgressEntry, by: User, reason: str) -> ProgressEntry:
    """Take an entry off the board and the pledge's pages within the window. The row and
    its history stay (who removed it, when, why); its evidence is no longer shown."""
    entry = _entry_for_change(entry=entry, by=by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请写明删除原因。"))
    entry.removed_at = timezone.now()
    entry.removed_by = by
    entry.removal_reason = reason
    entry._history_user = by
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    _item_completion_refresh(entry.item)
    return entry


# ---------------------------------------------------------------------------
# Evidence files
# ---------------------------------------------------------------------------

# A phone photo is 2–6 MB and a scanned page a few hundred KB; 10 MB leaves room for
# both and keeps one careless upload from filling the disk.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 9
# 50 megapixels is more than any phone camera saves by default; a larger image is
# either a mistake or a decompression bomb (a small file that unpacks to gigabytes).
EVIDENCE_MAX_PIXELS = 50_000_000
# Photos are shown on phones and printed at most A4: a longer side of 2560 px is plenty
# and makes the stored copy a fraction of the original.
EVIDENCE_MAX_SIDE = 2560


class EvidenceType(models.TextChoices):
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
    WEBP = "image/webp", "WebP"
    PDF = "application/pdf", "PDF"


IMAGE_TYPES = frozenset({EvidenceType.JPEG, EvidenceType.PNG, EvidenceType.WEBP})
_PILLOW_FORMATS = {EvidenceType.JPEG: "JPEG", EvidenceType.PNG: "PNG", EvidenceType.WEBP: "WEBP"}


def sniff_type(head: bytes) -> str | None:
    """The file's real type from its first bytes; the name and the browser's claim are not trusted."""
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return EvidenceType.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return EvidenceType.WEBP
    if head.startswith(b"%PDF-"):
        return EvidenceType.PDF
    return None


@dataclass(frozen=True)
class CheckedEvidence:
    """An upload that passed the checks, with the bytes to store (re-encoded for images)."""

    content: bytes
    content_type: str
    original_name: str


def evidence_check(upload: UploadedFile) -> CheckedEvidence:
    """Refuse files too large, of a type other than JPEG/PNG/WebP/PDF, or images that do
    not decode; re-encode images so that what is stored carries no EXIF (GPS position,
    camera owner) or other metadata."""
    name = _clean_name(upload.name or "")
    if upload.size is not None and upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s”超过 %(limit)s MB，请压缩后再上传。") % {"name": name, "limit": EVIDENCE_MAX_BYTES // 2**20}
        )
    upload.seek(0)
    # Read one byte more than allowed: the declared size is the client's word.
    data = upload.read(EVIDENCE_MAX_BYTES + 1)
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s”超过 %(limit)s MB，请压缩后再上传。") % {"name": name, "limit": EVIDENCE_MAX_BYTES // 2**20}
        )
    if not data:
        raise ValidationError(_("“%(name)s”是空文件。") % {"name": name})
    content_type = sniff_type(data[:16])
    if content_type is None:
        raise ValidationError(_("“%(name)s”不是 JPEG、PNG、WebP 图片或 PDF 文件，不能上传。") % {"name": name})
    if content_type in IMAGE_TYPES:
        data = _reencode_image(data, content_type, name)
    return CheckedEvidence(content=data, content_type=content_type, original_name=name)


def _clean_name(name: str) -> str:
    # Keep only the last path component; the name is shown, never used as a path.
    name = os.path.basename(name.replace("\\", "/")).strip() or "file"
    return name[-200:]


def _reencode_image(data: bytes, content_type: str, name: str) -> bytes:
    unreadable = ValidationError(_("“%(name)s”图片已损坏或无法识别，请换一张。") % {"name": name})
    too_large = ValidationError(
        _("“%(name)s”图片像素过大（超过 %(limit)s 万像素），请缩小后再上传。")
        % {"name": name, "limit": EVIDENCE_MAX_PIXELS // 10_000}
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses; treat its warning as a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != _PILLOW_FORMATS[content_type]:
                    raise unreadable
                # The header alone gives the size: check it before decoding anything.
                if probe.width * probe.height > EVIDENCE_MAX_PIXELS:
                    raise too_large
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                # A JPEG can be decoded straight at a reduced scale: far less memory for big photos.
                image.draft("RGB", (EVIDENCE_MAX_SIDE, EVIDENCE_MAX_SIDE))
                image.load()
                icc_profile = image.info.get("icc_profile")
                transparency = image.info.get("transparency")
                # The camera's orientation lives in EXIF, which is about to go: apply it.
                clean = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise unreadable from None
    if max(clean.size) > EVIDENCE_MAX_SIDE:
        clean.thumbnail((EVIDENCE_MAX_SIDE, EVIDENCE_MAX_SIDE), Image.Resampling.LANCZOS)
    # Saving only what we pass: no EXIF, XMP, comments or text chunks from the original.
    # The colour profile and a palette's transparent colour are not about anyone: keep them.
    clean.info = {}
    options: dict = {}
    if content_type == EvidenceType.JPEG and clean.mode not in ("RGB", "L"):
        # A CMYK profile would not fit the converted pixels.
        clean, icc_profile = clean.convert("RGB"), None
    if icc_profile:
        options["icc_profile"] = icc_profile
    if content_type == EvidenceType.PNG and transparency is not None:
        options["transparency"] = transparency
    if content_type in (EvidenceType.JPEG, EvidenceType.WEBP):
        options["quality"] = 85
    output = io.BytesIO()
    clean.save(output, format=_PILLOW_FORMATS[content_type], **options)
    return output.getvalue()


def _evidence_store(*, entry: ProgressEntry, file: CheckedEvidence, is_public: bool = True) -> Evidence:
    evidence = Evidence(
        entry=entry,
        original_name=file.original_name,
        content_type=file.content_type,
        size=len(file.content),
        is_public=is_public,
    )
    # The storage name comes from models.evidence_path: random, without the original name.
    evidence.file.save("evidence", ContentFile(file.content), save=False)
    evidence.save()
    return evidence


@transaction.atomic
def evidence_attach(*, entry: ProgressEntry, upload: UploadedFile) -> Evidence:
    """Store one evidence file on an entry, after checking its size and real type.
    The caller has checked that the user may record progress on the entry's item."""
    return _evidence_store(entry=entry, file=evidence_check(upload))


@transaction.atomic
def evidence_set_public(*, evidence: Evidence, is_public: bool, by: User) -> Evidence:
    """Show a file on the public board or take it off (a scan with names on it, say)."""
    if not may_file(by, evidence.entry.item.pledge):
        raise PermissionDenied(_("您无权修改这份承诺的佐证材料。"))
    evidence.is_public = is_public
    evidence.save(update_fields=["is_public"])
    return evidence
