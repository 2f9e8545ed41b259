"""OpenML's files for :mod:`sk_lenet.datasets`: cached, downloaded, verified.

:func:`fetch_openml_arrays` reads one OpenML dataset as ``uint8`` pixels and
``int64`` class indices.  It follows :func:`sklearn.datasets.fetch_openml`'s
steps and cache layout, through public API only (``urllib`` and the lean
reader of :mod:`sk_lenet._arff`; scikit-learn's parsers are never called):

1. the JSON documents -- the data list entry of ``name``/``version``, the
   data set description (``file_id``, ``url``, ``md5_checksum``), the
   feature list and the qualities;
2. the gzipped ARFF file, whose uncompressed bytes must have the
   description's md5 before it is parsed;
3. the parse, by :func:`sk_lenet._arff.parse_dense_uint8_arff`.

Each file is read from ``data_home/openml/openml.org/<URL path>.gz`` when it
is there -- the path ``fetch_openml`` uses, so a cache written by
scikit-learn (or by a tool writing the same layout) is reused, and the files
downloaded here serve ``fetch_openml`` too.  The ARFF is also looked up at
``data/v1/download/<file_id>.gz``, where scikit-learn <= 1.6 kept it.

Missing (or unreadable, or md5-mismatched) files are downloaded from
``api.openml.org`` through :func:`_urlopen` (the one network seam; tests
replace it), retried ``n_retries`` times ``delay`` seconds apart when the
failure may be transient, and written atomically: a partial or corrupt
download never replaces a cached file, and nothing cached is ever deleted.
When the network is unreachable or downloading is not allowed,
:class:`NetworkUnavailable` is raised on the first failure.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import json
import os
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

import numpy as np

from sk_lenet._arff import integer_label_lut, parse_dense_uint8_arff
from sk_lenet._atomic import atomic_write

#: Where missing files come from (scikit-learn asks the same API).
OPENML_URL = "https://api.openml.org"
_LIST = "/api/v1/json/data/list/data_name/{name}/limit/2/data_version/{version}"
_DESCRIPTION = "/api/v1/json/data/{data_id}"
_FEATURES = "/api/v1/json/data/features/{data_id}"
_QUALITIES = "/api/v1/json/data/qualities/{data_id}"
_LEGACY_ARFF = "/data/v1/download/{file_id}"

_TIMEOUT_S = 60.0  # per blocking socket operation, not per file
_BLOCK = 1024 * 1024
# HTTP answers that another try will not change (412: OpenML's "no such data").
_FINAL_HTTP_CODES = (400, 401, 403, 404, 410, 412)


class NetworkUnavailable(Exception):
    """A file is missing from the cache and cannot be downloaded now."""

    def __init__(self, url: str, reason: str):
        super().__init__(url, reason)
        self.url = url
        self.reason = reason  # callers may add to it

    def __str__(self) -> str:
        return f"{self.reason} ({self.url})"


class OpenMLFormatError(ValueError):
    """An OpenML JSON document does not hold what a data set description should."""


class _BadDownload(Exception):
    """A download ended but its content is wrong (md5, truncated, not JSON)."""


def _urlopen(request: urllib.request.Request, timeout: float) -> Any:
    """Open ``request``; the only place this module touches the network."""
    return urllib.request.urlopen(request, timeout=timeout)


def _transient(exc: BaseException) -> bool:
    """Whether another try may succeed (a timeout, a dropped connection, ...)."""
    if isinstance(exc, HTTPError):
        return exc.code not in _FINAL_HTTP_CODES
    if isinstance(exc, _BadDownload):
        return True
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(
        reason,
        (
            TimeoutError,
            ConnectionResetError,
            ConnectionAbortedError,
            http.client.HTTPException,
        ),
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HTTPError):
        return f"HTTP error {exc.code}: {exc.reason}"
    reason = exc.reason if isinstance(exc, URLError) else exc
    return f"{type(exc).__name__}: {reason}"


def _stream_to_gzip(response: Any, fh: Any, *, keep: bool) -> tuple[str, bytes]:
    """Copy ``response`` into ``fh`` as gzip; md5 (and content) of its data.

    A gzip-encoded answer is written as it comes and decompressed on the fly
    for the md5; a plain one is compressed on the way to disk.
    """
    md5 = hashlib.md5()
    kept: list[bytes] = []

    def take(data: bytes) -> None:
        md5.update(data)
        if keep:
            kept.append(data)

    headers = getattr(response, "headers", None) or {}
    if headers.get("Content-Encoding", "") == "gzip":
        unzip = zlib.decompressobj(31)
        for block in iter(lambda: response.read(_BLOCK), b""):
            fh.write(block)
            while block:
                take(unzip.decompress(block))
                block = unzip.unused_data if unzip.eof else b""
                if block:  # a further gzip member
                    unzip = zlib.decompressobj(31)
        if not unzip.eof:
            raise _BadDownload("the gzip stream is truncated")
    else:
        zipper = zlib.compressobj(1, zlib.DEFLATED, 31)
        for block in iter(lambda: response.read(_BLOCK), b""):
            take(block)
            fh.write(zipper.compress(block))
        fh.write(zipper.flush())
    return md5.hexdigest(), b"".join(kept)


def md5_of_gzip(path: str) -> str | None:
    """md5 of the uncompressed content of ``path``; None if it cannot be read."""
    md5 = hashlib.md5()
    try:
        with gzip.open(path, "rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                md5.update(block)
    except (OSError, EOFError, zlib.error):
        return None
    return md5.hexdigest()


class _Files:
    """OpenML's files under one cache folder, downloaded when missing."""

    def __init__(
        self, root: str, *, allow_download: bool, n_retries: int, delay: float
    ):
        self.root = root  # .../openml/openml.org
        self.allow_download = allow_download
        self.n_retries = n_retries
        self.delay = delay

    def path(self, url_path: str) -> str:
        """Local file of an OpenML URL path: scikit-learn's cache layout."""
        return os.path.join(self.root, *url_path.strip("/").split("/")) + ".gz"

    def download(
        self, url_path: str, *, md5: str | None = None, parse_json: bool = False
    ) -> Any:
        """Download into :meth:`path`; the file appears only once verified."""
        url = OPENML_URL + url_path
        if not self.allow_download:
            raise NetworkUnavailable(url, "download_if_missing=False")
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        for attempt in range(1 + self.n_retries):
            try:
                with (
                    contextlib.closing(_urlopen(request, _TIMEOUT_S)) as response,
                    atomic_write(self.path(url_path)) as fh,
                ):
                    digest, content = _stream_to_gzip(response, fh, keep=parse_json)
                    if md5 is not None and digest != md5:
                        raise _BadDownload(
                            f"its md5 is {digest}, OpenML's description says {md5}"
                        )
                    if parse_json:
                        try:
                            return json.loads(content.decode("utf-8"))
                        except ValueError:
                            raise _BadDownload("the answer is not JSON") from None
                return None
            except (OSError, http.client.HTTPException, _BadDownload) as exc:
                if isinstance(exc, HTTPError):
                    exc.close()
                if _transient(exc) and attempt < self.n_retries:
                    time.sleep(self.delay)
                    continue
                if not isinstance(
                    exc, (URLError, TimeoutError, ConnectionError, _BadDownload)
                ) and not isinstance(exc, http.client.HTTPException):
                    raise  # a local problem (disk full, permissions): not network
                raise NetworkUnavailable(url, _describe(exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, url_path: str) -> Any:
        """A JSON document: the cached one if readable, else downloaded."""
        path = self.path(url_path)
        if os.path.exists(path):
            try:
                with gzip.open(path, "rb") as fh:
                    return json.loads(fh.read().decode("utf-8"))
            except (OSError, EOFError, zlib.error, ValueError) as exc:
                # unreadable: a verified download replaces it; until then it stays
                try:
                    return self.download(url_path, parse_json=True)
                except NetworkUnavailable as err:
                    err.reason += f"; the cached {path} is unreadable ({exc})"
                    raise
        return self.download(url_path, parse_json=True)

    def arff(self, url: str, file_id: str, md5: str) -> str:
        """Path of the data set's gzipped ARFF, md5-verified."""
        url_path = urlparse(url).path
        found = []
        for candidate in (url_path, _LEGACY_ARFF.format(file_id=file_id)):
            path = self.path(candidate)
            if os.path.exists(path):
                if md5_of_gzip(path) == md5:
                    return path
                found.append(path)
        try:
            self.download(url_path, md5=md5)
        except NetworkUnavailable as exc:
            if found:
                exc.reason += (
                    f"; the cached {' and '.join(found)} does not match OpenML's "
                    f"md5 {md5} (a download replaces it once one succeeds)"
                )
            raise
        return self.path(url_path)


@contextlib.contextmanager
def _cache_root(data_home: str | None) -> Iterator[str]:
    if data_home is not None:
        yield os.path.join(data_home, "openml", "openml.org")
        return
    with tempfile.TemporaryDirectory(prefix="sk_lenet_openml_") as tmp:
        yield tmp  # cache=False: downloads live only during the call


def _get(obj: Any, *keys: Any, what: str) -> Any:
    try:
        for key in keys:
            obj = obj[key]
    except (KeyError, IndexError, TypeError):
        raise OpenMLFormatError(
            f"OpenML's {what} lacks {'/'.join(map(str, keys))}"
        ) from None
    return obj


def fetch_openml_arrays(
    name: str,
    version: int,
    *,
    data_home: str | None,
    allow_download: bool,
    n_retries: int,
    delay: float,
) -> dict[str, Any]:
    """Read an OpenML dense integer data set as uint8 pixels and class indices.

    Parameters
    ----------
    name, version : str, int
        The OpenML data set, e.g. ``"mnist_784"``, ``1``.
    data_home : str or None
        scikit-learn's data folder (files under ``data_home/openml``); None
        caches nothing (downloads go to a temporary folder).
    allow_download : bool
        False raises :class:`NetworkUnavailable` instead of downloading.
    n_retries, delay : int, float
        Extra tries after a failure that may be transient, and the seconds
        between tries.

    Returns
    -------
    arrays : dict
        ``data`` (uint8, (n, n_features)), ``target`` (int64 class indices:
        the integer labels of the file), ``feature_names``, ``class_values``
        (the nominal values), ``DESCR`` and ``details`` (OpenML's id, name,
        version, file_id, md5_checksum and url).
    """
    with _cache_root(data_home) as root:
        files = _Files(
            root, allow_download=allow_download, n_retries=n_retries, delay=delay
        )
        listing = files.json(_LIST.format(name=name.lower(), version=version))
        data_id = _get(listing, "data", "dataset", 0, "did", what="data list")
        description = _get(
            files.json(_DESCRIPTION.format(data_id=data_id)),
            "data_set_description",
            what="data set description",
        )
        features = _get(
            files.json(_FEATURES.format(data_id=data_id)),
            "data_features",
            "feature",
            what="feature list",
        )
        qualities = _get(
            files.json(_QUALITIES.format(data_id=data_id)),
            "data_qualities",
            "quality",
            what="qualities",
        )
        md5 = _get(description, "md5_checksum", what="data set description")
        path = files.arff(
            _get(description, "url", what="data set description"),
            str(_get(description, "file_id", what="data set description")),
            md5,
        )
        targets = [f for f in features if f.get("is_target") == "true"]
        if len(targets) != 1:
            raise OpenMLFormatError(
                f"OpenML {name} declares {len(targets)} target columns, expected 1"
            )
        columns = [
            f
            for f in features
            if "true" not in (f.get("is_target"), f.get("is_ignore"))
            and f.get("is_row_identifier") != "true"
        ]
        n_rows = {q.get("name"): q.get("value") for q in qualities}.get(
            "NumberOfInstances"
        )
        class_values = [str(v) for v in targets[0].get("nominal_value") or []]
        with gzip.open(path, "rb") as fh:
            X, y = parse_dense_uint8_arff(
                fh,
                feature_columns=np.array([int(f["index"]) for f in columns]),
                target_column=int(targets[0]["index"]),
                target_lut=integer_label_lut(class_values),
                n_rows=None if n_rows is None else int(float(n_rows)),
            )
    return dict(
        data=X,
        target=y,
        feature_names=[str(f["name"]) for f in columns],
        class_values=class_values,
        DESCR=f"{description.get('description', '')}\n\nDownloaded from openml.org.",
        details={
            k: description[k]
            for k in ("id", "name", "version", "file_id", "md5_checksum", "url")
            if k in description
        },
    )
