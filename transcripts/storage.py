"""Uploaded audio files, kept through Django's `default_storage` (never raw paths under MEDIA_ROOT).

An upload's file is named `uploads/<project id>/<upload id>`; a project's files
share the folder `uploads/<project id>`.
"""

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from transcripts.errors import TooLarge

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024


def project_folder(project_id) -> str:
    return f"uploads/{project_id}"


def upload_name(project_id, upload_id) -> str:
    return f"{project_folder(project_id)}/{upload_id}"


class _LimitedStream(File):
    """A stream read in chunks (never whole) that refuses to go past `limit` bytes."""

    DEFAULT_CHUNK_SIZE = CHUNK_BYTES

    def __init__(self, stream, *, limit: int, too_large):
        super().__init__(stream)
        self.limit = limit
        self.too_large = too_large
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = self.file.read(size)
        self.bytes_read += len(chunk)
        if self.bytes_read > self.limit:
            raise self.too_large()
        return chunk


def save_stream(name: str, stream, *, limit: int, too_large: Callable[[], TooLarge]) -> int:
    """Store `stream` as `name`, reading it in chunks; return its size in bytes.

    Raises `too_large()` past `limit` bytes, leaving nothing stored.
    """
    content = _LimitedStream(stream, limit=limit, too_large=too_large)
    try:
        saved = default_storage.save(name, content)
    except BaseException:
        delete(name)
        raise
    # A fresh random name is never taken, so the storage keeps it as asked.
    assert saved == name, f"storage renamed {name} to {saved}"
    return content.bytes_read


def open_file(name: str):
    """The stored file, open for reading; raises FileNotFoundError if it is gone."""
    return default_storage.open(name, "rb")


@contextmanager
def local_path(name: str) -> Iterator[Path]:
    """A path on this machine to read the stored file from (the engine needs one).

    The storage's own path when the file is there; otherwise a temporary copy, removed
    afterwards (some storages name a path they do not write to, InMemoryStorage for one).
    """
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:
        path = None
    if path is not None and path.is_file():
        yield path
        return
    with (
        open_file(name) as source,
        tempfile.NamedTemporaryFile(prefix="upload-", suffix=".wav") as copy,
    ):
        shutil.copyfileobj(source, copy, CHUNK_BYTES)
        copy.flush()
        yield Path(copy.name)


def delete(name: str) -> None:
    """Remove one stored file (or an empty folder); a missing one is no error."""
    with suppress(FileNotFoundError):
        default_storage.delete(name)


def _delete_folder(folder: str) -> None:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for sub in folders:
        _delete_folder(f"{folder}/{sub}")
    for file in files:
        delete(f"{folder}/{file}")
    # A file system keeps the emptied folder; other storages have none to remove.
    delete(folder)


def _on_commit(action, *names: str) -> None:
    def run():
        for name in names:
            try:
                action(name)
            except Exception:
                logger.exception("Could not remove %s from storage", name)

    transaction.on_commit(run)


def delete_on_commit(*names: str) -> None:
    """Remove stored files once the transaction that forgot them has committed."""
    _on_commit(delete, *names)


def delete_project_files_on_commit(project_ids) -> None:
    """Remove every stored file of these projects once the current transaction has committed."""
    _on_commit(_delete_folder, *(project_folder(pk) for pk in project_ids))
