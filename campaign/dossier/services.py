"""案卷: asking for a unit's dossier, and the task's work of building it.

``dossier_request`` records the request and queues the build (campaign.dossier.tasks.
build_dossier) through the outbox, after the commit; asking while a build of the same
unit and campaign is queued or running gives that build (a partial unique constraint
keeps it to one). The task claims the build with a conditional UPDATE, so a duplicate
delivery does nothing; it reads the records (campaign.dossier.builder), renders the PDF
with the documents' renderer (campaign.infra.documents), zips the evidence files with the
PDF, stores both whole (campaign.infra.storage) and marks the build ready, in one
transaction. Progress is written as it goes, for the page's bar. A failed build is
retried with a growing pause, then left failed with its reason; the user may ask again.
"""

from __future__ import annotations

import datetime
import io
import time
import zipfile
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import Campaign
from campaign.dossier.builder import dossier_content
from campaign.dossier.models import IN_PROGRESS_STATES, DossierBuild, DossierState
from campaign.infra.outbox import outbox_enqueue, task_send
from campaign.infra.storage import store_whole
from orgs.access import user_scope
from orgs.models import Organization, Role, User

BUILD_TASK = "campaign.dossier.tasks.build_dossier"

# A build claimed longer ago than this belongs to a worker that died (circulars use the
# same figure: a big branch's dossier renders in well under a minute).
STALE_CLAIM = datetime.timedelta(seconds=settings.CIRCULAR_STALE_CLAIM_SECONDS)
LOST_QUEUE_MESSAGE = datetime.timedelta(minutes=5)

# The bar's steps: (percent, what the page says is being done).
STEP_CLAIMED = (5, gettext_lazy("开始生成"))
STEP_READ = (30, gettext_lazy("已汇集承诺、点评、评议、整改和检查记录"))
STEP_RENDERED = (75, gettext_lazy("已排版 PDF"))
STEP_ZIPPED = (90, gettext_lazy("已打包佐证材料"))
STEP_DONE = (100, gettext_lazy("已生成"))


DOSSIER_REFUSAL = gettext_lazy("案卷由活动办公室、上级党组织、本单位书记和负责检查的检查组生成和查阅。")


def may_build_dossier(user: User, organization: Organization) -> bool:
    """Who may build and read a unit's dossier: anyone whose scope holds the unit (the
    office, the leaders above, the unit's secretary, the inspection groups covering it),
    but not a plain member: the dossier holds fellow members' reviews and evaluation
    results (reviews.results.may_see_results). No query beyond the scope's."""
    if not user.is_authenticated:
        return False
    if not (user.is_superuser or user.role != Role.MEMBER):
        return False
    return user_scope(user).contains(organization)


def _refuse_unless_may_build(by: User | None, organization: Organization) -> None:
    if by is not None and not may_build_dossier(by, organization):
        raise PermissionDenied(DOSSIER_REFUSAL)


@transaction.atomic
def dossier_request(*, campaign: Campaign, organization: Organization, by: User | None) -> DossierBuild:
    """Queue a build of the unit's dossier for the campaign; the one already queued or
    running when there is one."""
    _refuse_unless_may_build(by, organization)
    if not organization.is_within(campaign.organization):
        raise ValidationError(_("“%(unit)s”不在本活动的范围内。") % {"unit": organization.name})
    running = _running(campaign, organization)
    if running is not None:
        return running
    try:
        # A savepoint: of two requests at once, the loser's insert fails alone.
        with transaction.atomic():
            build = DossierBuild.objects.create(
                campaign=campaign, organization=organization, requested_by=by, requested_at=timezone.now()
            )
    except IntegrityError:
        running = _running(campaign, organization)
        if running is None:
            raise
        return running
    outbox_enqueue(BUILD_TASK, build.pk)
    return build


def _running(campaign: Campaign, organization: Organization) -> DossierBuild | None:
    return DossierBuild.objects.filter(
        campaign=campaign, organization=organization, state__in=IN_PROGRESS_STATES
    ).first()


def dossiers_resume_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again each build whose worker died (a claim older than STALE_CLAIM) or whose
    queue message may be lost; returns their ids. A second message for a build at work
    does nothing."""
    now = now or timezone.now()
    stalled = list(
        DossierBuild.objects.filter(
            Q(state=DossierState.BUILDING, claimed_at__lt=now - STALE_CLAIM)
            | Q(state=DossierState.QUEUED, error="", requested_at__lt=now - LOST_QUEUE_MESSAGE)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for build_id in stalled:
        task_send(BUILD_TASK, build_id)
    return stalled


# --- The task's work ----------------------------------------------------------------------


def _claim(build_id: int) -> bool:
    """Take the build: queued, or building under a claim so old its worker must have
    died. One conditional UPDATE: of two workers given the same build, one gets it."""
    now = timezone.now()
    claimable = Q(state=DossierState.QUEUED) | Q(state=DossierState.BUILDING, claimed_at__lt=now - STALE_CLAIM)
    percent, step = STEP_CLAIMED
    return bool(
        DossierBuild.objects.filter(claimable, pk=build_id).update(
            state=DossierState.BUILDING, claimed_at=now, attempts=F("attempts") + 1, progress=percent, step=str(step)
        )
    )


def _progress(build_id: int, step: tuple) -> None:
    percent, text = step
    DossierBuild.objects.filter(pk=build_id, state=DossierState.BUILDING).update(progress=percent, step=str(text))


def dossier_filename(build: DossierBuild, extension: str) -> str:
    """红湾社区党支部 创先争优活动案卷 2011-03-05.pdf, without characters file systems refuse."""
    name = _("%(unit)s %(campaign)s案卷 %(day)s") % {
        "unit": build.organization.name,
        "campaign": build.campaign.name,
        "day": timezone.localtime(build.requested_at).strftime("%Y-%m-%d"),
    }
    for mark in '/\\:*?"<>|':
        name = name.replace(mark, "_")
    return f"{name[:150]}.{extension}"


def _zip(build: DossierBuild, pdf: bytes, files) -> bytes:
    """The PDF at the top, each evidence file in its section's folder under its original
    (made unique) name. Photos and PDFs are compressed already: stored as they are."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(dossier_filename(build, "pdf"), pdf)
        for attachment in files.attachments:
            try:
                with attachment.file.open("rb") as handle:
                    archive.writestr(attachment.zip_path, handle.read())
            except (FileNotFoundError, ValueError, OSError):
                # The PDF lists it as missing; the rest of the dossier is still worth having.
                continue
    return output.getvalue()


def dossier_build(*, build_id: int) -> str:
    """Build a queued dossier and mark it ready; returns what happened. A ready build is
    never built again, whoever asks."""
    from campaign.infra import documents

    if not _claim(build_id):
        state = DossierBuild.objects.filter(pk=build_id).values_list("state", flat=True).first()
        return "ready" if state == DossierState.READY else "not claimed"
    start = time.perf_counter()
    build = DossierBuild.objects.select_related("campaign", "organization", "requested_by__member").get(pk=build_id)
    content = dossier_content(
        campaign=build.campaign,
        organization=build.organization,
        built_at=timezone.localtime(build.requested_at),
        built_by=build.requested_by,
    )
    _progress(build_id, STEP_READ)
    rendered = documents.render_pdf(documents.render_html("campaign/documents/dossier.html", content.context))
    _progress(build_id, STEP_RENDERED)
    archive = _zip(build, rendered.data, content.files)
    _progress(build_id, STEP_ZIPPED)
    pdf_name = store_whole(build.pdf, "dossier.pdf", rendered.data)
    zip_name = store_whole(build.zip, "dossier.zip", archive)
    stored = (pdf_name, zip_name)
    try:
        with transaction.atomic():
            locked = DossierBuild.objects.select_for_update().get(pk=build_id)
            if locked.state != DossierState.BUILDING or locked.pdf:
                # Another worker took over a claim it thought stale and finished first.
                _delete(build, stored)
                return "not claimed"
            locked.pdf.name, locked.zip.name = stored
            locked.pages, locked.pdf_size, locked.zip_size = rendered.pages, len(rendered.data), len(archive)
            locked.files = len(content.files.attachments)
            locked.state, locked.error = DossierState.READY, ""
            locked.progress, locked.step = STEP_DONE[0], str(STEP_DONE[1])
            locked.finished_at = timezone.now()
            locked.seconds = Decimal(f"{time.perf_counter() - start:.2f}")
            locked.save()
    except BaseException:
        _delete(build, stored)
        raise
    return "ready"


def _delete(build: DossierBuild, names: tuple[str, str]) -> None:
    for name in names:
        build.pdf.storage.delete(name)


def dossier_build_failed(*, build_id: int, error: BaseException, attempts_left: int) -> None:
    """Record a failed build: back in the queue while retries are left, else failed, with
    the reason in words the user can pass on. Never touches a ready build."""
    detail = (str(error) or error.__class__.__name__)[:500]
    if attempts_left > 0:
        reason = _("生成案卷出错，稍后自动重试（还可重试%(left)s次）：%(detail)s") % {
            "left": attempts_left,
            "detail": detail,
        }
        state = DossierState.QUEUED
    else:
        reason = _("生成案卷失败，已重试多次仍未成功，请联系系统管理员后重新生成：%(detail)s") % {"detail": detail}
        state = DossierState.FAILED
    DossierBuild.objects.filter(pk=build_id, state__in=IN_PROGRESS_STATES).update(
        state=state, error=reason, progress=0, step=""
    )


def status_of(build: DossierBuild) -> dict:
    """What the page's progress bar shows (no query)."""
    from django.urls import reverse

    ready = build.state == DossierState.READY
    label = build.step if build.state == DossierState.BUILDING and build.step else build.get_state_display()
    return {
        "state": build.state,
        "state_label": str(label),
        "progress": build.progress,
        "error": build.error,
        "pages": build.pages,
        "done": build.state in (DossierState.READY, DossierState.FAILED),
        "download_url": reverse("campaign:dossier_pdf", args=[build.pk]) if ready else "",
        "zip_url": reverse("campaign:dossier_zip", args=[build.pk]) if ready else "",
    }
