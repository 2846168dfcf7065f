"""案卷 pages: a unit's dossier page (生成案卷, the build's progress, the earlier builds),
the build's state for the progress bar, and its PDF and zip. Who may build and read is
campaign.dossier.services.may_build_dossier; a unit outside the user's scope is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.dossier.models import DossierBuild, DossierState
from campaign.dossier.services import (
    DOSSIER_REFUSAL,
    dossier_filename,
    dossier_request,
    may_build_dossier,
    status_of,
)
from orgs.access import access_organization, user_scope
from orgs.models import Organization, User
from orgs.scoping import scope_activated

# Builds listed on the page: the newest; older ones are rarely wanted and stay on disk.
LISTED_BUILDS = 20

STATE_BADGES = {
    DossierState.QUEUED: "info",
    DossierState.BUILDING: "info",
    DossierState.READY: "success",
    DossierState.FAILED: "danger",
}


def _unit(request, code: str) -> Organization:
    """The unit if the user sees it (else 404, alike for missing and not yours) and may
    build its dossier (else 403)."""
    organization = access_organization(request.user, code)
    if not may_build_dossier(request.user, organization):
        raise PermissionDenied(DOSSIER_REFUSAL)
    return organization


def access_dossier_build(user: User, pk: int) -> DossierBuild:
    """A build of a unit the user sees (else 404) and whose dossier the user may read (else 403)."""
    with scope_activated(user_scope(user)):
        build = DossierBuild.objects.select_related("campaign", "organization").filter(pk=pk).first()
    if build is None:
        raise Http404(_("找不到该案卷，或您无权查看。"))
    if not may_build_dossier(user, build.organization):
        raise PermissionDenied(DOSSIER_REFUSAL)
    return build


@login_required
@require_safe
def dossier_page(request, code: str):
    """The unit's dossier in the campaign the user works in: the button, the newest
    build's progress or files, and the earlier builds."""
    organization = _unit(request, code)
    campaign = access_chosen_campaign(request)
    covered = organization.is_within(campaign.organization)
    with scope_activated(user_scope(request.user)):
        builds = list(
            DossierBuild.objects.filter(campaign=campaign, organization=organization)
            .select_related("requested_by__member")
            .order_by("-requested_at", "-pk")[:LISTED_BUILDS]
        )
    newest = builds[0] if builds else None
    return render(
        request,
        "campaign/dossier/page.html",
        {
            "organization": organization,
            "campaign": campaign,
            "covered": covered,
            "newest": newest,
            "status": status_of(newest) if newest else None,
            "badge": STATE_BADGES[newest.state] if newest else "",
            "earlier": [(build, STATE_BADGES[build.state]) for build in builds[1:]],
            "building": newest is not None and newest.is_in_progress,
        },
    )


@login_required
@require_POST
def dossier_build_view(request, code: str):
    """生成案卷: queue a build (or find the one at work) and go back to the page."""
    organization = _unit(request, code)
    campaign = access_chosen_campaign(request)
    page = reverse("campaign:dossier", args=[organization.code])
    try:
        dossier_request(campaign=campaign, organization=organization, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(page)
    messages.success(request, _("已开始生成案卷，完成后可下载 PDF 和佐证材料压缩包。"))
    return redirect(page)


@login_required
@require_safe
@never_cache
def dossier_status(request, pk: int):
    """The build's state and progress, for the page's progress bar."""
    return JsonResponse(status_of(access_dossier_build(request.user, pk)))


def _file_response(build: DossierBuild, field: str, extension: str, content_type: str):
    if not build.is_ready:
        raise Http404(_("案卷还没有生成。"))
    try:
        handle = getattr(build, field).open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("文件已不存在。")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=dossier_filename(build, extension), content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def dossier_pdf(request, pk: int):
    return _file_response(access_dossier_build(request.user, pk), "pdf", "pdf", "application/pdf")


@login_required
@require_safe
def dossier_zip(request, pk: int):
    return _file_response(access_dossier_build(request.user, pk), "zip", "zip", "application/zip")
