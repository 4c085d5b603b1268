"""The file store: uploaded bytes kept on local disk, content-addressed by SHA-256.

Content addressing makes a write idempotent and a file left behind by a rolled-back
transaction harmless (the same bytes are reused if uploaded again).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


def root() -> Path:
    path = get_settings().var_dir / "files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(stream: BinaryIO, *, max_bytes: int) -> StoredFile:
    """Copy the stream to the store, refusing it as soon as it passes `max_bytes`."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=root(), prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    limit = max_bytes // (1 << 20)
                    raise Invalid("Tệp vượt quá giới hạn {limit} MB.", values={"limit": limit}).on_field("file")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("Tệp rỗng.", fields={"file": "Tệp rỗng."})
        sha = digest.hexdigest()
        key = f"{sha[:2]}/{sha}"
        target = root() / key
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp_name, target)
        return StoredFile(key=key, size=size, sha256=sha)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def stored(key: str) -> StoredFile:
    """What the store holds under `key` (a key names its content: its SHA-256)."""
    return StoredFile(key=key, size=path_of(key).stat().st_size, sha256=key.rsplit("/", 1)[-1])


def path_of(key: str) -> Path:
    """The local path of a stored key; keys are generated here, but check anyway (no traversal)."""
    base = root().resolve()
    path = (base / key).resolve()
    if base not in path.parents:
        raise Invalid("Khoá tệp không hợp lệ.")
    return path
