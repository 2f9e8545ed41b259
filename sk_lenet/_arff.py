"""A lean reader for OpenML's dense integer-pixel ARFF files.

:func:`parse_dense_uint8_arff` reads the data section in blocks straight into
a preallocated ``uint8`` array, so the peak memory of a parse is the array
plus one block of text.  It replaces scikit-learn's two ARFF parsers for
``mnist_784`` and ``CIFAR_10``: the pandas one fails on them with
scikit-learn <= 1.9.1 and pandas >= 3.1 (scikit-learn issue #34892), the
``liac-arff`` one builds Python lists (several GB for CIFAR-10).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

CHUNK_BYTES = 16 * 1024 * 1024


class ArffFormatError(ValueError):
    """The OpenML ARFF file does not have the expected dense integer layout."""


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
    chunk_bytes: int = CHUNK_BYTES,
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


def integer_label_lut(nominal_values: Sequence[str]) -> np.ndarray:
    """Look-up table from the integer class label in the file to the class index.

    OpenML's ``mnist_784`` and ``CIFAR_10`` declare the nominal class values
    ``0`` ... ``k-1`` (as text); the class index is the label itself, whatever
    order the values are listed in.

    Parameters
    ----------
    nominal_values : sequence of str
        The target's nominal values, as OpenML's feature list gives them.

    Returns
    -------
    lut : ndarray of int64, shape (256,)
        ``lut[label]`` is the class index, ``-1`` for a label not declared.
    """
    try:
        labels = sorted(int(v) for v in nominal_values)
    except ValueError:
        raise ArffFormatError(
            f"class values {list(nominal_values)[:5]} are not integer labels"
        ) from None
    if labels != list(range(len(labels))) or len(labels) > 256:
        raise ArffFormatError(
            f"class values must be the integers 0..k-1, got {labels[:12]}"
        )
    lut = np.full(256, -1, dtype=np.int64)
    lut[: len(labels)] = np.arange(len(labels))
    return lut
