"""Private helpers of :mod:`sk_lenet.datasets`.

Three pieces live here:

* a lean ARFF reader (:func:`parse_dense_uint8_arff`) for the integer-pixel
  datasets, which reads the data section in chunks straight into a
  preallocated ``uint8`` array (peak memory: the array plus one chunk);
* :func:`fetch_openml_arrays`, which runs
  :func:`sklearn.datasets.fetch_openml` (download, md5 check, OpenML cache)
  but swaps scikit-learn's ARFF parser for the lean reader *after* the md5
  check, and which gives a fast, quiet, non-destructive failure when the
  network is unreachable or downloading is not allowed;
* the local array cache (:func:`write_array_cache`, :func:`read_array_cache`):
  one uncompressed ``.npz`` file per dataset, written atomically and verified
  on every read.

Why the parser swap: with scikit-learn <= 1.9.1 and pandas >= 3.1 the default
pandas parser raises ``TypeError`` on ``mnist_784`` / ``CIFAR_10`` and
scikit-learn then deletes the cached ARFF (scikit-learn issue #34892); the
``liac-arff`` parser works but builds Python lists (CIFAR-10 needs several GB).
Swapping happens through two module globals of ``sklearn.datasets._openml``
(``load_arff_from_gzip_file`` and ``urlopen``), present unchanged in
scikit-learn 1.2 to 1.9; the swap is done under a lock, only for the calling
thread, and undone afterwards.
"""

from __future__ import annotations

import io
import json
import os
import socket
import threading
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import HTTPError, URLError

import numpy as np

from sk_lenet._atomic import TEMP_SUFFIX, atomic_write, temp_prefix

#: Version of the array-cache file format; bump to invalidate old files.
CACHE_FORMAT = 1
_CHUNK_BYTES = 16 * 1024 * 1024


class ArffFormatError(ValueError):
    """The OpenML ARFF file does not have the expected dense integer layout."""


class NetworkUnavailable(Exception):
    """Raised by the guarded ``urlopen``; deliberately not a ``URLError``.

    scikit-learn retries ``URLError`` with a sleep between tries; this
    exception is not retried, and no cached file exists for the URL being
    opened (it is opened because it is missing), so nothing gets deleted.
    """

    def __init__(self, url: str, reason: str):
        super().__init__(f"{reason} ({url})")
        self.url = url
        self.reason = reason


# --------------------------------------------------------------------------
# Lean ARFF reader
# --------------------------------------------------------------------------


def _read_header(fh: Any) -> tuple[list[str], bytes]:
    """Read the ARFF header; return attribute names and leftover data bytes."""
    names: list[str] = []
    for raw in fh:
        line = raw.strip()
        low = line.lower()
        if low.startswith(b"@attribute"):
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise ArffFormatError(f"malformed ARFF attribute line {raw[:80]!r}")
            names.append(parts[1].decode("utf-8").strip("'\""))
        elif low.startswith(b"@data"):
            return names, b""
    raise ArffFormatError("no @data section found in the ARFF file")


def _iter_line_chunks(fh: Any, chunk_bytes: int) -> Iterator[bytes]:
    """Yield blocks of whole lines of about ``chunk_bytes`` bytes."""
    rest = b""
    while True:
        block = fh.read(chunk_bytes)
        if not block:
            if rest.strip():
                yield rest
            return
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        rest = block[cut + 1 :]
        yield block[: cut + 1]


def _parse_block(block: bytes, n_cols: int) -> np.ndarray:
    """Parse comma-separated integer rows into a (rows, n_cols) uint8 array."""
    kwargs = dict(delimiter=",", quotechar="'", comments="%", ndmin=2)
    try:
        rows = np.loadtxt(io.BytesIO(block), dtype=np.uint8, **kwargs)
    except ValueError as exc:
        # Not plain 0..255 integers (e.g. "3.0", '?', 300): try floats and
        # accept them only if they are exactly integers in 0..255.
        try:
            rows = np.loadtxt(io.BytesIO(block), dtype=np.float64, **kwargs)
        except ValueError:
            raise ArffFormatError(f"cannot parse ARFF data: {exc}") from None
        ok = np.isfinite(rows) & (rows >= 0) & (rows <= 255) & (rows == np.rint(rows))
        if not ok.all():
            raise ArffFormatError(
                "ARFF data holds values that are not integers in 0..255"
            ) from None
        rows = rows.astype(np.uint8)
    if rows.size and rows.shape[1] != n_cols:
        raise ArffFormatError(
            f"ARFF rows have {rows.shape[1]} values, expected {n_cols}"
        )
    return rows


def parse_dense_uint8_arff(
    fh: Any,
    *,
    feature_columns: np.ndarray,
    target_column: int,
    target_lut: np.ndarray,
    n_rows: int | None = None,
    chunk_bytes: int = _CHUNK_BYTES,
) -> tuple[np.ndarray, np.ndarray]:
    """Read a dense ARFF file of small non-negative integers.

    Parameters
    ----------
    fh : binary file object
        The decompressed ARFF stream (e.g. a ``gzip.GzipFile``).
    feature_columns : ndarray of int
        ARFF column index of each output feature, in output order.
    target_column : int
        ARFF column index of the target.
    target_lut : ndarray of int64, shape (256,)
        Maps the integer label found in the file to the class index; ``-1``
        marks labels that are not allowed.
    n_rows : int or None
        Expected number of rows (preallocates the output); ``None`` = unknown.
    chunk_bytes : int
        Size of the text blocks parsed at once.

    Returns
    -------
    X : ndarray of uint8, shape (n_rows, len(feature_columns))
    y : ndarray of int64, shape (n_rows,)
    """
    names, _ = _read_header(fh)
    n_cols = len(names)
    if n_cols == 0:
        raise ArffFormatError("the ARFF header declares no attributes")
    feature_columns = np.asarray(feature_columns, dtype=np.intp)
    contiguous = bool(
        feature_columns.size
        and np.array_equal(
            feature_columns, np.arange(feature_columns[0], feature_columns[-1] + 1)
        )
    )
    d = feature_columns.size
    cap = int(n_rows) if n_rows is not None and n_rows >= 0 else 1024
    X = np.empty((cap, d), dtype=np.uint8)
    y = np.empty(cap, dtype=np.int64)
    n = 0
    for block in _iter_line_chunks(fh, chunk_bytes):
        rows = _parse_block(block, n_cols)
        m = rows.shape[0]
        if m == 0:
            continue
        if n + m > X.shape[0]:
            if n_rows is not None and n_rows >= 0:
                raise ArffFormatError(
                    f"the ARFF file has more than the {n_rows} rows announced by OpenML"
                )
            new_cap = max(2 * X.shape[0], n + m)
            X = np.resize(X, (new_cap, d))
            y = np.resize(y, new_cap)
        if contiguous:
            X[n : n + m] = rows[:, feature_columns[0] : feature_columns[-1] + 1]
        else:
            X[n : n + m] = rows[:, feature_columns]
        labels = target_lut[rows[:, target_column]]
        if (labels < 0).any():
            bad = sorted(set(rows[labels < 0, target_column].tolist()))[:5]
            raise ArffFormatError(f"unexpected class labels in the ARFF file: {bad}")
        y[n : n + m] = labels
        n += m
        del rows
    if n_rows is not None and n_rows >= 0 and n != n_rows:
        raise ArffFormatError(f"the ARFF file has {n} rows, OpenML announced {n_rows}")
    if n != X.shape[0]:
        X = X[:n].copy()
        y = y[:n].copy()
    return X, y


def _make_target_lut(nominal_values: list[str]) -> np.ndarray:
    lut = np.full(256, -1, dtype=np.int64)
    for i, value in enumerate(nominal_values):
        try:
            v = int(value)
        except ValueError:
            raise ArffFormatError(
                f"class value {value!r} is not an integer label"
            ) from None
        if not 0 <= v <= 255:
            raise ArffFormatError(f"class value {value!r} out of range 0..255")
        lut[v] = i
    return lut


# --------------------------------------------------------------------------
# fetch_openml with the lean parser and a guarded network
# --------------------------------------------------------------------------

_HOOK_LOCK = threading.RLock()
_state = threading.local()

# URLError reasons worth another try: the network answered, but slowly.
_TRANSIENT = (TimeoutError, socket.timeout, ConnectionResetError)


def _is_network_error(exc: BaseException) -> bool:
    return isinstance(exc, (URLError, TimeoutError, ConnectionError, socket.gaierror))


def _make_guarded_urlopen(orig: Callable[..., Any]) -> Callable[..., Any]:
    def guarded_urlopen(req: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_state, "active", False):
            return orig(req, *args, **kwargs)
        url = getattr(req, "full_url", str(req))
        if not _state.allow_download:
            raise NetworkUnavailable(url, "download_if_missing=False")
        if _state.failed is not None:  # scikit-learn tries again; we don't
            raise NetworkUnavailable(url, _state.failed)
        attempts = 1 + max(0, int(_state.n_retries))
        for attempt in range(attempts):
            try:
                return orig(req, *args, **kwargs)
            except HTTPError:
                raise  # scikit-learn handles HTTP errors (412 = OpenML error)
            except Exception as exc:
                if not _is_network_error(exc):
                    raise
                reason = getattr(exc, "reason", exc)
                transient = isinstance(exc, _TRANSIENT) or isinstance(
                    reason, _TRANSIENT
                )
                if transient and attempt + 1 < attempts:
                    time.sleep(_state.delay)
                    continue
                _state.failed = f"{type(exc).__name__}: {reason}"
                raise NetworkUnavailable(url, _state.failed) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    guarded_urlopen._sk_lenet_guard = True  # type: ignore[attr-defined]
    return guarded_urlopen


def _make_lean_loader(orig: Callable[..., Any]) -> Callable[..., Any]:
    def lean_load_arff_from_gzip_file(
        gzip_file: Any,
        parser: str,
        output_type: str,
        openml_columns_info: dict,
        feature_names_to_select: list,
        target_names_to_select: list,
        shape: Any = None,
        read_csv_kwargs: Any = None,
    ) -> Any:
        if not getattr(_state, "active", False):
            return orig(
                gzip_file,
                parser,
                output_type,
                openml_columns_info,
                feature_names_to_select,
                target_names_to_select,
                shape=shape,
                read_csv_kwargs=read_csv_kwargs,
            )
        # Never raise from here: scikit-learn deletes the cached ARFF when
        # the parser raises.  Keep the error and re-raise it after the call.
        try:
            if len(target_names_to_select) != 1:
                raise ArffFormatError("expected exactly one target column")
            target = openml_columns_info[target_names_to_select[0]]
            nominal = list(target.get("nominal_value") or [])
            feature_columns = np.array(
                [int(openml_columns_info[f]["index"]) for f in feature_names_to_select]
            )
            X, y = parse_dense_uint8_arff(
                gzip_file,
                feature_columns=feature_columns,
                target_column=int(target["index"]),
                target_lut=_make_target_lut(nominal),
                n_rows=None if shape is None else int(shape[0]),
            )
            _state.result = (X, y, nominal)
        except BaseException as exc:
            _state.error = exc
        return None, None, None, None

    lean_load_arff_from_gzip_file._sk_lenet_guard = True  # type: ignore[attr-defined]
    return lean_load_arff_from_gzip_file


@contextmanager
def _hooks(allow_download: bool, n_retries: int, delay: float) -> Iterator[None]:
    from sklearn.datasets import _openml

    with _HOOK_LOCK:
        saved = {
            k: getattr(_openml, k) for k in ("urlopen", "load_arff_from_gzip_file")
        }
        _openml.urlopen = _make_guarded_urlopen(saved["urlopen"])
        _openml.load_arff_from_gzip_file = _make_lean_loader(
            saved["load_arff_from_gzip_file"]
        )
        _state.active = True
        _state.allow_download = allow_download
        _state.n_retries = n_retries
        _state.delay = delay
        _state.result = None
        _state.error = None
        _state.failed = None
        try:
            yield
        finally:
            _state.active = False
            for k, v in saved.items():
                setattr(_openml, k, v)


def hooks_supported() -> bool:
    """Whether this scikit-learn exposes the two globals that are swapped."""
    try:
        from sklearn.datasets import _openml
    except ImportError:  # pragma: no cover
        return False
    return callable(getattr(_openml, "urlopen", None)) and callable(
        getattr(_openml, "load_arff_from_gzip_file", None)
    )


def fetch_openml_arrays(
    name: str,
    version: int,
    *,
    data_home: str | None,
    cache: bool,
    allow_download: bool,
    n_retries: int,
    delay: float,
) -> dict[str, Any]:
    """Run ``fetch_openml`` and return uint8 pixels and int64 class indices.

    Returns a dict with ``data``, ``target``, ``feature_names``,
    ``class_values`` (the nominal values, index = class), ``DESCR`` and
    ``details``.  Network problems raise :class:`NetworkUnavailable`.
    """
    from sklearn.datasets import fetch_openml

    if not hooks_supported():  # pragma: no cover - future scikit-learn
        return _fetch_openml_arrays_plain(
            name, version, data_home=data_home, cache=cache
        )
    with _hooks(allow_download, n_retries, delay), warnings.catch_warnings():
        # scikit-learn warns before retrying a download; we decide ourselves.
        warnings.filterwarnings("ignore", message="A network error occurred")
        warnings.filterwarnings("ignore", message="Invalid cache, redownloading")
        warnings.filterwarnings("ignore", message="Downloaded file could have been")
        bunch = fetch_openml(
            name,
            version=version,
            data_home=data_home,
            cache=cache,
            as_frame=False,
            parser="liac-arff",  # never imports pandas; our reader replaces it
            n_retries=max(1, int(n_retries)),
            delay=max(float(delay), 1e-3),
        )
        error, result = _state.error, _state.result
    if error is not None:
        raise error
    if result is None:  # pragma: no cover - hook was bypassed
        raise RuntimeError("the OpenML ARFF file was not parsed")
    X, y, nominal = result
    details = dict(bunch.get("details") or {})
    return dict(
        data=X,
        target=y,
        feature_names=list(bunch.feature_names),
        class_values=nominal,
        DESCR=str(bunch.get("DESCR", "")),
        details={
            k: details[k]
            for k in ("id", "name", "version", "file_id", "md5_checksum", "url")
            if k in details
        },
    )


def _fetch_openml_arrays_plain(
    name: str, version: int, *, data_home: str | None, cache: bool
) -> dict[str, Any]:  # pragma: no cover - only for an unknown scikit-learn
    from sklearn.datasets import fetch_openml

    bunch = fetch_openml(
        name,
        version=version,
        data_home=data_home,
        cache=cache,
        as_frame=False,
        parser="liac-arff",
    )
    nominal = [str(v) for v in bunch.categories[bunch.target_names[0]]]
    index = {v: i for i, v in enumerate(nominal)}
    y = np.array([index[str(v)] for v in bunch.target], dtype=np.int64)
    X = bunch.data
    if X.min() < 0 or X.max() > 255 or not np.array_equal(X, np.rint(X)):
        raise ArffFormatError("pixels are not integers in 0..255")
    return dict(
        data=X.astype(np.uint8),
        target=y,
        feature_names=list(bunch.feature_names),
        class_values=nominal,
        DESCR=str(bunch.DESCR),
        details={},
    )


# --------------------------------------------------------------------------
# Local array cache
# --------------------------------------------------------------------------


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
