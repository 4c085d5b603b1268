"""A file made once by whichever process gets there first (the node's keys under var/).

Several processes start together on a fresh node (two `ketnoi serve` and a worker), and each may
be the first to need the node's signing key or its secret key. Written in place, one could read the
file another has created but not yet filled, and two could each write a key of their own. Here the
content is written whole to a private temporary file, then linked to its name: the link either
appears complete or fails because another process's file is already there, which is then the one
everybody reads.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def create_once(path: Path, make: Callable[[], bytes], *, mode: int = 0o600) -> bytes:
    """The file's content: as found, or as `make()` gives it when this process creates the file."""
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600 from the start
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(make())
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, mode)
            with contextlib.suppress(FileExistsError):  # another process made it first: its content is the one
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_bytes()
