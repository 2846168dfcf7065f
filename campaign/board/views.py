"""The public notice board (公开栏): read without login, reached by the organization's
random token (a link or a printed QR code). What it shows is decided in campaign.board.selectors."""

from __future__ import annotations

import segno
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from campaign.board.selectors import board_organization, organization_board, public_evidence
from orgs.models import Organization
from pledges.evidence_serving import evidence_response


def _organization_or_404(token: str) -> Organization:
    organization = board_organization(token)
    if organization is None:
        raise Http404(_("找不到这个公开栏，请核对链接或二维码。"))
    return organization


def board_url(request, organization: Organization) -> str:
    return request.build_absolute_uri(reverse("board:organization", args=[organization.notice_board_token]))


@require_safe
def board_page(request, token: str):
    organization = _organization_or_404(token)
    response = render(
        request,
        "campaign/board_organization.html",
        {"board": organization_board(organization), "poster_url": reverse("board:qr", args=[token])},
    )
    # Public to the masses who hold the link, but not a page for search engines to index by name.
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def board_poster(request, token: str):
    """A printable sheet with the board's QR code, to post on the physical 公开栏."""
    organization = _organization_or_404(token)
    url = board_url(request, organization)
    qr = segno.make(url, error="m")
    response = render(
        request,
        "campaign/board_poster.html",
        {
            "organization": organization,
            "url": url,
            "qr_svg": qr.svg_inline(border=2, omitsize=True, title=organization.name),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def board_evidence(request, token: str, pk: int):
    evidence = public_evidence(token, pk)
    if evidence is None:
        raise Http404(_("找不到该文件。"))
    # Short: a file taken off the board should not linger in shared caches.
    return evidence_response(evidence, cache="public, max-age=300")
