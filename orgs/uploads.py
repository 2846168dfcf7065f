"""Files held between an import's preview and its confirmation, and .xlsx downloads
(``xlsx_tables`` writes the simple ones, ``xlsx_response`` sends them).

An uploaded file is kept under MEDIA_ROOT/<folder>/ with a random token for a name;
the token is also kept in the uploader's session, so nobody else can confirm (or even
name) someone's upload. The files hold personal data: they are deleted on confirm, on
cancel, or after a few hours, and the folders must never be served as media.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class PendingUploads:
    folder: str  # below MEDIA_ROOT
    session_key: str
    max_age: datetime.timedelta = datetime.timedelta(hours=12)

    @property
    def directory(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    def store(self, request, upload, *, extension: str, **details) -> str:
        """Keep the upload and return its token; details come back with ``get``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._remove_stale()
        token = secrets.token_urlsafe(24)
        with open(self.directory / f"{token}{extension}", "xb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        pending = request.session.get(self.session_key, {})
        pending[token] = {"extension": extension, "name": upload.name[:200], **details}
        request.session[self.session_key] = pending
        return token

    def get(self, request, token: str) -> tuple[dict, Path]:
        """The details and file behind a token of this session, or 404."""
        entry = request.session.get(self.session_key, {}).get(token)
        path = self.directory / f"{token}{entry['extension']}" if entry and _TOKEN.match(token) else None
        if path is None or not path.exists():
            self.forget(request, token)
            raise Http404(_("找不到这次上传的文件，可能已经导入或已过期，请重新上传。"))
        return entry, path

    def forget(self, request, token: str) -> None:
        pending = request.session.get(self.session_key, {})
        entry = pending.pop(token, None)
        if entry is None:
            return
        request.session[self.session_key] = pending
        if _TOKEN.match(token):
            (self.directory / f"{token}{entry['extension']}").unlink(missing_ok=True)

    def _remove_stale(self) -> None:
        cutoff = timezone.now().timestamp() - self.max_age.total_seconds()
        for path in self.directory.glob("*"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Names of people: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def _formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith("=")


def as_text(cell):
    """Keep a text that starts with "=" as text: openpyxl would write it as a formula,
    and Excel would run what someone typed into a form (formula injection)."""
    if _formula_like(cell.value):
        cell.data_type = "s"
    return cell


def sheet_row(sheet, values: Iterable) -> list:
    """The values for ``sheet.append``, with every text kept as text (``as_text``)."""
    return [as_text(WriteOnlyCell(sheet, value=value)) if _formula_like(value) else value for value in values]


def xlsx_tables(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]], *, first_width: int = 28) -> bytes:
    """A workbook of plain tables: per sheet a title, a bold header row and the rows.
    The first column (usually a name) is ``first_width`` characters wide."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        worksheet = workbook.create_sheet(title[:31])  # Excel's limit for sheet names
        worksheet.column_dimensions["A"].width = first_width
        cells = []
        for text in header:
            cell = as_text(WriteOnlyCell(worksheet, value=text))
            cell.font = bold
            cells.append(cell)
        worksheet.append(cells)
        for row in rows:
            worksheet.append(sheet_row(worksheet, row))
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()
