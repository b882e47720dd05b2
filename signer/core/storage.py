"""Content-addressed blob storage (SHA-256). Validation happens before anything reaches it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from signer.core.db import insert_ignore
from signer.core.models import Blob, utcnow


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...


class FileBlobStore:
    """Blobs as files under ``root/ab/cdef…``; written atomically, never overwritten."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes:
        data = self._path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"blob {sha256} is corrupt")
        return data


def store_blob(session: Session, store: BlobStore, data: bytes, content_type: str) -> str:
    """Store the bytes and record them, idempotent by content even when requests race.

    Two transactions storing the same content at once both see no row; a plain INSERT would make the
    second fail on the primary key, so the row is inserted with "on conflict do nothing".
    """
    digest = store.put(data)
    insert_ignore(session, Blob, {"sha256": digest, "size": len(data), "content_type": content_type,
                                  "created_at": utcnow()}, ["sha256"])
    return digest
