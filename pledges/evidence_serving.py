"""Handing a stored evidence file (or any upload stored the same way: a file, its checked
content type and its original name) to the browser. Shared by the logged-in evidence
download, the public notice board and the information reports' photos."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from pledges.models import Evidence
from pledges.progress import IMAGE_TYPES


def evidence_response(evidence: Evidence, *, cache: str) -> FileResponse:
    """Serve a stored evidence file safely: its checked type, never sniffed; PDFs as
    downloads; and a sandbox, so a crafted file cannot run script in our origin."""
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("文件已不存在。")) from None
    is_image = evidence.content_type in IMAGE_TYPES
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(not is_image, evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = cache
    return response
