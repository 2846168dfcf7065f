"""Files held between an import's preview and its confirmation.

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
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

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
