"""Tests of sk_lenet._arff, the lean reader of OpenML's integer-pixel ARFF files."""

from __future__ import annotations

import gzip
import io
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from sk_lenet._arff import ArffFormatError, integer_label_lut, parse_dense_uint8_arff

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _openml_fixtures import arff_bytes

NAMES = [f"p{i}" for i in range(12)]
DIGITS = [str(i) for i in range(10)]


def _data(n=40, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, d), dtype=np.uint8)
    X[0, :4] = [0, 255, 1, 10]
    return X, (np.arange(n) * 7) % 10


def _parse(text, d=12, n_rows=None, **kwargs):
    kwargs.setdefault("target_lut", integer_label_lut(DIGITS))
    kwargs.setdefault("feature_columns", np.arange(d))
    kwargs.setdefault("target_column", d)
    return parse_dense_uint8_arff(io.BytesIO(text), n_rows=n_rows, **kwargs)


@pytest.mark.parametrize("chunk_bytes", [7, 100, 1 << 20])
@pytest.mark.parametrize("n_rows", [None, 40])
def test_rows_across_block_boundaries(chunk_bytes, n_rows):
    X, y = _data()
    Xr, yr = _parse(
        arff_bytes("t", NAMES, X, y, DIGITS), n_rows=n_rows, chunk_bytes=chunk_bytes
    )
    assert Xr.dtype == np.uint8 and yr.dtype == np.int64
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)


def test_reads_a_gzip_stream_and_quoted_labels():
    X, y = _data()
    raw = gzip.compress(arff_bytes("t", NAMES, X, y, DIGITS, quote_labels=True))
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
        Xr, yr = parse_dense_uint8_arff(
            fh,
            feature_columns=np.arange(12),
            target_column=12,
            target_lut=integer_label_lut(DIGITS),
            n_rows=40,
        )
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)


def test_feature_columns_pick_and_order():
    X, y = _data()
    text = arff_bytes("t", NAMES, X, y, DIGITS)
    cols = np.array([5, 0, 11])
    Xr, _ = _parse(text, feature_columns=cols)
    np.testing.assert_array_equal(Xr, X[:, cols])


def test_float_formatted_integers_are_accepted():
    X, y = _data()
    header, body = arff_bytes("t", NAMES, X, y, DIGITS).split(b"@data\n")
    text = header + b"@data\n" + body.replace(b",", b".0,")
    Xr, yr = _parse(text)
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)


@pytest.mark.parametrize("bad", [b"256", b"?", b"-1", b"1.5", b"x"])
def test_values_that_are_not_pixels_are_refused(bad):
    X, y = _data()
    header, body = arff_bytes("t", NAMES, X, y, DIGITS).split(b"@data\n")
    text = header + b"@data\n" + bad + body[body.index(b",") :]
    with pytest.raises(ArffFormatError, match=r"ARFF|0\.\.255"):
        _parse(text)


@pytest.mark.parametrize(
    "n_rows, match",
    [(39, "more than the 39 rows"), (41, "40 rows, OpenML announced 41")],
)
def test_row_count_must_match_openml(n_rows, match):
    X, y = _data()
    with pytest.raises(ArffFormatError, match=match):
        _parse(arff_bytes("t", NAMES, X, y, DIGITS), n_rows=n_rows)


def test_rows_of_the_wrong_width_are_refused():
    X, y = _data()
    header, body = arff_bytes("t", NAMES, X, y, DIGITS).split(b"@data\n")
    text = header.replace(b"@attribute p0", b"@attribute extra numeric\n@attribute p0")
    with pytest.raises(ArffFormatError, match="rows have 13 values, expected 14"):
        _parse(text + b"@data\n" + body)


def test_undeclared_label_is_refused():
    X, y = _data()
    text = arff_bytes("t", NAMES, X, y, DIGITS)
    with pytest.raises(ArffFormatError, match="unexpected class labels"):
        _parse(text, target_lut=integer_label_lut(DIGITS[:5]))


@pytest.mark.parametrize(
    "text, match",
    [
        (b"@relation t\n@attribute a numeric\n1\n", "no @data"),
        (b"@relation t\n@data\n1\n", "declares no attributes"),
        (b"@relation t\n@attribute a\n@data\n1\n", "malformed ARFF attribute"),
    ],
)
def test_bad_headers(text, match):
    with pytest.raises(ArffFormatError, match=match):
        _parse(text, d=1, target_column=0)


def test_integer_label_lut():
    lut = integer_label_lut(["3", "1", "0", "2"])  # listed in any order
    assert lut[:4].tolist() == [0, 1, 2, 3] and (lut[4:] == -1).all()
    with pytest.raises(ArffFormatError, match=r"integers 0\.\.k-1"):
        integer_label_lut(["1", "2"])
    with pytest.raises(ArffFormatError, match="not integer labels"):
        integer_label_lut(["cat", "dog"])


def test_peak_memory_is_the_array_plus_a_block():
    # the whole text is 5x the pixels; a reader holding it (or a list of rows)
    # would exceed the bound several times over
    X, y = _data(n=3000, d=784, seed=1)
    text = arff_bytes("t", [f"p{i}" for i in range(784)], X, y, DIGITS)
    chunk = 64 * 1024
    stream = io.BytesIO(text)
    tracemalloc.start()
    try:
        Xr, yr = parse_dense_uint8_arff(
            stream,
            feature_columns=np.arange(784),
            target_column=784,
            target_lut=integer_label_lut(DIGITS),
            n_rows=3000,
            chunk_bytes=chunk,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(Xr, X)
    bound = X.nbytes + yr.nbytes + 8 * chunk  # measured: + 3.6 blocks
    assert len(text) > 2 * bound
    assert peak < bound, (peak, bound)
