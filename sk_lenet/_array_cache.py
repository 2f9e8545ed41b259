"""The local array cache of :mod:`sk_lenet.datasets`.

One uncompressed ``.npz`` file per dataset under ``data_home/sk_lenet``,
written atomically (:mod:`sk_lenet._atomic`) and verified on every read: the
zip structure, the CRC-32 of each member, the shapes and dtypes against the
metadata and the metadata items the caller expects.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from typing import Any

import numpy as np

from sk_lenet._atomic import TEMP_SUFFIX, atomic_write, temp_prefix

#: Version of the array-cache file format; bump to invalidate old files.
CACHE_FORMAT = 1
_CHUNK_BYTES = 16 * 1024 * 1024


class CacheInvalid(Exception):
    """The array cache file exists but cannot be trusted."""


def write_array_cache(
    path: str, data: np.ndarray, target: np.ndarray, meta: dict[str, Any]
) -> None:
    """Write ``data``, ``target`` and ``meta`` to ``path`` atomically.

    The file is an uncompressed ``.npz`` (zip, every member CRC-32 checked on
    read) holding ``data.npy``, ``target.npy`` and ``meta.npy`` (the JSON
    metadata as uint8 bytes).  It is first written to a temporary file in the
    same directory, flushed to disk and then renamed over ``path``
    (``os.replace``), so readers see either the old file or the new one,
    never a partial one.
    """
    meta = dict(meta)
    meta.update(
        format=CACHE_FORMAT,
        data_shape=list(data.shape),
        data_dtype=data.dtype.str,
        target_shape=list(target.shape),
        target_dtype=target.dtype.str,
    )
    meta_bytes = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    _remove_stale_temp_files(path)
    with atomic_write(path) as fh:
        _savez(fh, data=data, target=target, meta=meta_bytes)


def _remove_stale_temp_files(path: str, max_age_s: float = 6 * 3600) -> None:
    """Delete temp files of ``path`` left by killed writers (old ones only:
    a young one may belong to a concurrent writer)."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = temp_prefix(path)
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
            try:
                if now - entry.stat().st_mtime > max_age_s:
                    os.unlink(entry.path)
            except OSError:
                pass


def _savez(fh: Any, **arrays: np.ndarray) -> None:
    # np.savez writes through the same zipfile machinery; kept as a function
    # so tests can simulate a crash half-way through a write.
    np.savez(fh, **arrays)


def read_array_cache(
    path: str, expected: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Read and verify a file written by :func:`write_array_cache`.

    Raises :class:`CacheInvalid` when the file is truncated or corrupt (zip
    structure, CRC-32 of each member), when shapes or dtypes disagree with its
    metadata, or when ``expected`` metadata items differ (e.g. the dataset
    name or cache format).  Raises ``FileNotFoundError`` when it is absent.
    """
    try:
        with open(path, "rb") as raw, zipfile.ZipFile(raw) as zf:
            names = set(zf.namelist())
            if names != {"data.npy", "target.npy", "meta.npy"}:
                raise CacheInvalid(f"unexpected members {sorted(names)}")
            for info in zf.infolist():
                if info.compress_type != zipfile.ZIP_STORED:
                    raise CacheInvalid("compressed member")
            meta = json.loads(_read_member(zf, "meta.npy").tobytes().decode("utf-8"))
            for key, value in expected.items():
                if meta.get(key) != value:
                    raise CacheInvalid(f"{key}={meta.get(key)!r}, expected {value!r}")
            data = _read_member(zf, "data.npy")
            target = _read_member(zf, "target.npy")
    except FileNotFoundError:
        raise
    except CacheInvalid:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise CacheInvalid(f"{type(exc).__name__}: {exc}") from None
    if (
        list(data.shape) != meta.get("data_shape")
        or data.dtype.str != meta.get("data_dtype")
        or list(target.shape) != meta.get("target_shape")
        or target.dtype.str != meta.get("target_dtype")
    ):
        raise CacheInvalid("array shapes or dtypes do not match the metadata")
    return data, target, meta


def _read_member(zf: zipfile.ZipFile, name: str) -> np.ndarray:
    from numpy.lib import format as npy_format

    with zf.open(name) as fh:  # ZipExtFile checks the CRC-32 at the end
        version = npy_format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = npy_format.read_array_header_2_0(fh)
        if dtype.hasobject or fortran:
            raise CacheInvalid("unexpected array layout")
        arr = np.empty(shape, dtype=dtype)
        view = memoryview(arr.reshape(-1).view(np.uint8))
        got = 0
        while got < view.nbytes:
            n = fh.readinto(view[got : got + _CHUNK_BYTES])
            if not n:
                raise CacheInvalid(f"{name} is truncated")
            got += n
        if fh.read(1):
            raise CacheInvalid(f"{name} has trailing bytes")
    return arr
