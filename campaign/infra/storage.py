"""Writing a generated file (a circular's or a dossier's PDF, a dossier's zip) so that
nobody ever reads half of it."""

from __future__ import annotations

import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile


def store_whole(file: FieldFile, filename: str, data: bytes) -> str:
    """Store ``data`` under the name the field's ``upload_to`` gives ``filename`` and
    return the stored name; the row is not changed. The file appears under that name
    only once it is whole: on the local disk it is written to a temporary file beside it,
    then renamed into place (atomic); other storages write a name in one request."""
    name = file.field.generate_filename(file.instance, filename)
    storage = file.storage
    if isinstance(storage, FileSystemStorage):
        name = storage.get_available_name(name)
        path = storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        suffix = os.path.splitext(filename)[1]
        handle, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".partial-", suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(partial, 0o644)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        return name
    return storage.save(name, ContentFile(data))
