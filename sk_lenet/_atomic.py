"""Atomic file writes: readers see the old file or the new one, never a part.

Used by everything sk_lenet writes that a user keeps: the dataset array
cache, :func:`sk_lenet.save_model` files and the CLI's pickled models.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: str | os.PathLike) -> str:
    """Name prefix of the temporary files :func:`atomic_write` makes for ``path``."""
    return "." + os.path.basename(os.fspath(path)) + "."


@contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Write ``path`` through a temporary file in the same folder.

    The block writes to the yielded binary file; when it ends without error
    the file is flushed to disk, given the permissions a plain ``open`` would
    (``mkstemp`` makes it owner-only) and renamed over ``path``.  On any error,
    a ``KeyboardInterrupt`` included, the temporary file is removed and
    ``path`` is left as it was.
    """
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=temp_prefix(path), suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
