"""通报: circulars built from the campaign's data, numbered, rendered to PDF and archived.

The life of a circular: the office makes a draft for a kind and a period, edits its
texts and previews it, built from the data as they are now. Issuing assigns the next
number of the issuer and year (the counter row is locked, so two issues at once take
two numbers, in order, with no gap), freezes the data in ``snapshot`` and queues the
render. The task (campaign.circulars.tasks.render_circular) claims the circular with a
conditional UPDATE, renders the frozen snapshot with WeasyPrint, stores the file under
its final name only once it is whole, and marks the circular issued with the file's
hash, in one transaction. A failed render is retried with a growing pause, then left
failed with its reason; the office may queue it again and it keeps its number. From
issue on nothing of a circular changes: a mistake is put right by a new circular that
corrects it.

The snapshot builders below each read the issuer's whole subtree in a fixed number of
queries and return plain JSON: names, counts and percentages as text, as they are to
be printed, so that the PDF reads the same whatever happens to the data later.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_may_edit
from campaign.circulars.letterhead import addressee_text, letterhead, number_text, recipient_choices, suggested_title
from campaign.circulars.models import Circular, CircularCounter, CircularKind, CircularState
from campaign.circulars.periods import span_for
from campaign.circulars.snapshots import circular_html, has_monthly_circular, snapshot_build
from campaign.dispatch.models import DispatchTask
from campaign.infra.outbox import outbox_enqueue, task_send
from campaign.infra.storage import store_whole
from campaign.reports.services import month_bounds
from campaign.scores.models import ScorePeriod
from orgs.models import Organization, User

MAX_ATTACHMENTS = 10


# A render claimed longer ago than this belongs to a worker that died: it may be claimed
# again. Renders take well under a minute (make bench: 192 pages in 25 s); 3 minutes.
STALE_CLAIM = datetime.timedelta(seconds=settings.CIRCULAR_STALE_CLAIM_SECONDS)


# A circular queued this long ago may have lost its message (a Redis restarted without
# its queue): it is sent again. A second message for a circular at work does nothing.
LOST_QUEUE_MESSAGE = datetime.timedelta(minutes=5)


# Progress the detail page shows while the task works.
PROGRESS_CLAIMED, PROGRESS_HTML, PROGRESS_RENDERED, PROGRESS_STORED = 10, 30, 90, 100


class CircularRefused(ValidationError):
    """What the office asked for cannot be done to this circular in its state."""


def may_issue(user: User, campaign: Campaign) -> bool:
    """Circulars are the office's: the office that runs the campaign (or a superuser). No query."""
    return campaign_may_edit(user, campaign)


def _require_issuer(by: User | None, circular_or_campaign) -> None:
    campaign = getattr(circular_or_campaign, "campaign", circular_or_campaign)
    if by is not None and not may_issue(by, campaign):
        raise PermissionDenied(_("通报由主办组织的活动办公室起草和印发。"))


@dataclass(frozen=True)
class CircularInput:
    title: str = ""
    addressee: str = ""
    recipients: Sequence[Organization] | None = None  # None: every organization below the issuer
    preamble: str = ""
    closing: str = ""
    attachments: Sequence[str] = ()
    issuer_name: str = ""
    number_prefix: str = ""
    # A 工作部署 whose returns the circular reports (progress and 通报批评 circulars).
    cited_task: DispatchTask | None = None


# The kinds that may cite a task's returns.
CITING_KINDS = frozenset({CircularKind.PROGRESS, CircularKind.CRITICISM})


def _clean_texts(circular: Circular, given: CircularInput) -> None:
    """Check what the office typed and put it on the (unsaved) circular; raises
    ValidationError listing every problem."""
    problems = []
    choices = list(recipient_choices(circular.issuer))
    recipients = choices if given.recipients is None else list(given.recipients)
    allowed = {organization.pk for organization in choices}
    if any(organization.pk not in allowed for organization in recipients):
        problems.append(_("主送单位只能是发文机关的下一级党组织。"))
    if not recipients:
        problems.append(_("请至少选择一个主送单位。"))
    title = " ".join(given.title.split()) or suggested_title(circular.kind, circular.period_label, circular.campaign)
    if len(title) > 200:
        problems.append(_("标题不能超过200个字。"))
    addressee = " ".join(given.addressee.split()) or addressee_text(
        circular.issuer, recipients, all_chosen={o.pk for o in recipients} == allowed
    )
    if len(addressee) > 300:
        problems.append(_("主送机关不能超过300个字。"))
    attachments = [" ".join(line.split()) for line in given.attachments if line.strip()]
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(_("附件最多%(count)s个。") % {"count": MAX_ATTACHMENTS})
    if any(len(line) > 200 for line in attachments):
        problems.append(_("附件名称不能超过200个字。"))
    default_name, default_code = letterhead(circular.issuer)
    issuer_name = given.issuer_name.strip() or default_name
    prefix = given.number_prefix.strip() or default_code
    if len(issuer_name) > 100:
        problems.append(_("发文机关标志不能超过100个字。"))
    if len(prefix) > 20 or any(mark in prefix for mark in "〔〕[]()（）号"):
        problems.append(_("发文机关代字不能超过20个字，也不要带年份、括号或“号”字，如“肃创办”。"))
    task = given.cited_task
    if task is not None:
        if circular.kind not in CITING_KINDS:
            problems.append(_("只有活动进展情况通报和通报批评可以通报工作部署的报送情况。"))
        elif task.campaign_id != circular.campaign_id or not task.sender.path.startswith(circular.issuer.path):
            problems.append(_("只能通报本活动中由发文机关或其下级部署的工作。"))
    if problems:
        raise ValidationError(problems)
    circular.cited_task = task
    circular.title, circular.addressee = title, addressee
    circular.preamble, circular.closing = given.preamble.strip(), given.closing.strip()
    circular.attachments = attachments
    circular.issuer_name, circular.number_prefix = issuer_name, prefix
    circular._recipients = recipients


@transaction.atomic
def circular_create(
    *,
    campaign: Campaign,
    kind: str,
    period_start: datetime.date | None = None,
    score_period: ScorePeriod | None = None,
    texts: CircularInput = CircularInput(),
    corrects: Circular | None = None,
    by: User | None,
    today: datetime.date | None = None,
) -> Circular:
    """A draft circular of the campaign's organization for a period (a score period for
    a ranking), with the office's texts or their defaults."""
    _require_issuer(by, campaign)
    today = today or timezone.localdate()
    # Labels, default title and addressee are stored and printed: in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        return _create(campaign, kind, period_start, score_period, texts, corrects, by, today)


def _create(campaign, kind, period_start, score_period, texts, corrects, by, today) -> Circular:
    if kind not in CircularKind.values:
        raise ValidationError(_("请选择通报类别。"))
    if kind == CircularKind.MONTHLY and not has_monthly_circular(campaign):
        raise ValidationError(_("本活动既没有按月填报的指标，也没有重大情况报告制度，不能起草月通报。"))
    circular = Circular(campaign=campaign, issuer=campaign.organization, kind=kind, created_by=by, corrects=corrects)
    if kind == CircularKind.RANKING:
        if score_period is None or score_period.campaign_id != campaign.pk:
            raise ValidationError(_("请选择本活动的考核期。"))
        if not score_period.is_finalized:
            raise ValidationError(
                _("考核期“%(name)s”尚未定稿，排名还会变化，定稿后才能通报。") % {"name": score_period.name}
            )
        circular.score_period = score_period
        circular.period_start, circular.period_end = score_period.first_month, month_bounds(score_period.last_month)[1]
        circular.period_label = score_period.name
    else:
        if period_start is None:
            raise ValidationError(_("请选择通报期间。"))
        span = span_for(kind, period_start)
        if span.end < campaign.starts_on or span.start > min(campaign.ends_on, today):
            raise ValidationError(_("所选期间不在活动期间内，或者还没有开始。"))
        circular.period_start, circular.period_end, circular.period_label = span.start, span.end, span.label
    _clean_texts(circular, texts)
    circular.save()
    circular.recipients.set(circular._recipients)
    return circular


def _locked(circular: Circular) -> Circular:
    return (
        Circular.objects.select_for_update(of=("self",))
        .select_related("campaign", "issuer", "score_period", "corrects", "cited_task__sender")
        .get(pk=circular.pk)
    )


def _refuse_unless_draft(circular: Circular) -> None:
    if circular.state == CircularState.ISSUED:
        raise CircularRefused(_("通报已印发，不能再修改；如有错误，请印发更正通报。"))
    if not circular.is_draft:
        raise CircularRefused(_("通报已签发并编号（%(number)s），不能再修改。") % {"number": circular.number_text})


@transaction.atomic
def circular_update(*, circular: Circular, texts: CircularInput, by: User | None) -> Circular:
    """Change a draft's texts; anything numbered is refused."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    _refuse_unless_draft(circular)
    with translation.override(settings.LANGUAGE_CODE):
        _clean_texts(circular, texts)
    circular.save()
    circular.recipients.set(circular._recipients)
    return circular


@transaction.atomic
def circular_delete(*, circular: Circular, by: User | None) -> None:
    """Throw a draft away; a numbered circular stays on record."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    _refuse_unless_draft(circular)
    circular.delete()


@transaction.atomic
def circular_correct(*, circular: Circular, by: User | None, today: datetime.date | None = None) -> Circular:
    """A new draft that corrects an issued circular: the same kind, period and
    addressees, the data as they are now, and a preamble saying what it corrects."""
    _require_issuer(by, circular)
    if circular.state != CircularState.ISSUED:
        raise CircularRefused(_("只能更正已印发的通报。"))
    original = circular
    with translation.override(settings.LANGUAGE_CODE):
        texts = _correction_texts(original)
    return circular_create(
        campaign=original.campaign,
        kind=original.kind,
        period_start=original.period_start,
        score_period=original.score_period,
        texts=texts,
        corrects=original,
        by=by,
        today=today,
    )


def _correction_texts(original: Circular) -> CircularInput:
    return CircularInput(
        title=_("关于更正《%(title)s》的通报") % {"title": original.title},
        addressee=original.addressee,
        recipients=list(original.recipients.all()),
        preamble=_("我办%(date)s印发的《%(title)s》（%(number)s）有误，现予更正，以本通报为准，原通报同时作废。")
        % {
            "date": _("%(year)s年%(month)s月%(day)s日")
            % {"year": original.issued_on.year, "month": original.issued_on.month, "day": original.issued_on.day},
            "title": original.title,
            "number": original.number_text,
        },
        closing=original.closing,
        attachments=list(original.attachments or []),
        issuer_name=original.issuer_name,
        number_prefix=original.number_prefix,
        cited_task=original.cited_task,
    )


def _next_serial(issuer: Organization, year: int) -> int:
    """Lock the issuer's counter for the year (made on first use) and take its next
    serial. The lock is held until the issuing transaction ends, so numbers are handed
    out one at a time, in order; a rolled-back issue gives its number back."""
    # INSERT … ON CONFLICT DO NOTHING: of two first issues of a year, one creates the row
    # and the other waits for it instead of failing.
    CircularCounter.objects.bulk_create([CircularCounter(issuer=issuer, year=year)], ignore_conflicts=True)
    counter = CircularCounter.objects.select_for_update().get(issuer=issuer, year=year)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return counter.last_serial


@transaction.atomic
def circular_issue(*, circular: Circular, by: User | None, today: datetime.date | None = None) -> Circular:
    """签发: freeze the data, take the next number and queue the PDF, in one transaction."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    _refuse_unless_draft(circular)
    today = today or timezone.localdate()
    if circular.kind == CircularKind.RANKING and not circular.score_period.is_finalized:
        raise CircularRefused(_("考核期尚未定稿，不能通报排名。"))
    # The data first: the counter stays locked only for the moment it takes to number.
    built = snapshot_build(circular, today=today)
    serial = _next_serial(circular.issuer, today.year)
    circular.number_year, circular.number_serial = today.year, serial
    circular.number_text = number_text(circular.number_prefix, today.year, serial)
    circular.snapshot = built.data
    circular.issued_on, circular.issued_at, circular.issued_by = today, timezone.now(), by
    circular.state, circular.progress, circular.error = CircularState.QUEUED, 0, ""
    circular.save()
    circular.concerned.set(built.concerned)
    outbox_enqueue("campaign.circulars.tasks.render_circular", circular.pk)
    return circular


@transaction.atomic
def circular_requeue(*, circular: Circular, by: User | None) -> Circular:
    """Queue a failed render again; the circular keeps its number and its frozen data."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    if circular.state != CircularState.FAILED:
        raise CircularRefused(_("只有生成失败的通报可以重新生成。"))
    circular.state, circular.progress = CircularState.QUEUED, 0
    circular.save(update_fields=["state", "progress"])
    outbox_enqueue("campaign.circulars.tasks.render_circular", circular.pk)
    return circular


def circulars_resume_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue the render again of every circular whose worker died mid-render (a claim
    older than STALE_CLAIM) or whose queue message may be lost; returns their ids. Beat
    runs it every two minutes, so a killed render resumes within about five: the task
    delivered again at once finds the dead worker's claim still fresh, and quits."""
    now = now or timezone.now()
    stalled = list(
        Circular.objects.filter(
            Q(state=CircularState.RENDERING, claimed_at__lt=now - STALE_CLAIM)
            # A failed try waiting for its retry carries its error: that one is not lost.
            | Q(state=CircularState.QUEUED, error="", issued_at__lt=now - LOST_QUEUE_MESSAGE)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for circular_id in stalled:
        task_send("campaign.circulars.tasks.render_circular", circular_id)
    return stalled


def _progress(circular_id: int, percent: int) -> None:
    Circular.objects.filter(pk=circular_id, state=CircularState.RENDERING).update(progress=percent)


def _claim(circular_id: int) -> bool:
    """Take the render: queued, or rendering under a claim so old its worker must have
    died. One conditional UPDATE: of two workers given the same circular, one gets it."""
    now = timezone.now()
    claimable = Q(state=CircularState.QUEUED) | Q(state=CircularState.RENDERING, claimed_at__lt=now - STALE_CLAIM)
    return bool(
        Circular.objects.filter(claimable, pk=circular_id).update(
            state=CircularState.RENDERING, claimed_at=now, attempts=F("attempts") + 1, progress=PROGRESS_CLAIMED
        )
    )


def circular_render(*, circular_id: int) -> str:
    """Render a queued circular from its frozen snapshot and mark it issued; returns what
    happened. An issued circular is never rendered again, whoever asks."""
    from campaign.infra import documents

    if not _claim(circular_id):
        state = Circular.objects.filter(pk=circular_id).values_list("state", flat=True).first()
        return "issued" if state == CircularState.ISSUED else "not claimed"
    circular = Circular.objects.select_related("corrects").get(pk=circular_id)
    html = circular_html(circular, circular.snapshot)
    _progress(circular_id, PROGRESS_HTML)
    rendered = documents.render_pdf(html)
    _progress(circular_id, PROGRESS_RENDERED)
    name = store_whole(circular.pdf, "circular.pdf", rendered.data)
    try:
        with transaction.atomic():
            locked = Circular.objects.select_for_update().get(pk=circular_id)
            if locked.state != CircularState.RENDERING or locked.pdf:
                # Another worker took over a claim it thought stale and finished first.
                circular.pdf.storage.delete(name)
                return "not claimed"
            locked.pdf.name = name
            locked.sha256 = hashlib.sha256(rendered.data).hexdigest()
            locked.pages, locked.size = rendered.pages, len(rendered.data)
            locked.state, locked.progress, locked.error = CircularState.ISSUED, PROGRESS_STORED, ""
            locked.rendered_at = timezone.now()
            locked.save()
    except BaseException:
        circular.pdf.storage.delete(name)
        raise
    return "issued"


def circular_render_failed(*, circular_id: int, error: BaseException, attempts_left: int) -> None:
    """Record a failed render: back in the queue while retries are left, else failed,
    with the reason in words the office can pass on. Never touches an issued circular."""
    detail = (str(error) or error.__class__.__name__)[:500]
    if attempts_left > 0:
        reason = _("生成PDF出错，稍后自动重试（还可重试%(left)s次）：%(detail)s") % {
            "left": attempts_left,
            "detail": detail,
        }
        state = CircularState.QUEUED
    else:
        reason = _("生成PDF失败，已重试多次仍未成功，请联系系统管理员后重新生成：%(detail)s") % {"detail": detail}
        state = CircularState.FAILED
    with transaction.atomic():
        circular = Circular.objects.select_for_update().filter(pk=circular_id).first()
        if circular is None or circular.state not in (CircularState.RENDERING, CircularState.QUEUED):
            return
        circular.state, circular.error, circular.progress = state, reason, 0
        circular.save(update_fields=["state", "error", "progress"])


def status_of(circular: Circular) -> dict:
    """What the detail page's progress bar shows (no query)."""
    from django.urls import reverse

    return {
        "state": circular.state,
        "state_label": str(circular.get_state_display()),
        "progress": circular.progress,
        "error": circular.error,
        "number": circular.number_text,
        "pages": circular.pages,
        "done": circular.state in (CircularState.ISSUED, CircularState.FAILED),
        "download_url": reverse("campaign:circular_pdf", args=[circular.pk]) if circular.is_issued else "",
    }


def pdf_filename(circular: Circular) -> str:
    """肃创办〔2012〕3号 关于……的通报.pdf, without characters file systems refuse."""
    name = f"{circular.number_text} {circular.title}"
    for mark in '/\\:*?"<>|':
        name = name.replace(mark, "_")
    return f"{name[:150]}.pdf"
