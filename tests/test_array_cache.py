"""Tests of sk_lenet._array_cache: the verified, atomically written .npz cache."""

from __future__ import annotations

import os
import time
import zipfile

import numpy as np
import pytest

from sk_lenet import _array_cache as ac

META = {"format": ac.CACHE_FORMAT, "openml_name": "mnist_784", "version": 1}


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(50, 784), dtype=np.uint8), np.arange(50) % 10


@pytest.fixture
def cached(tmp_path, arrays):
    path = tmp_path / "sk_lenet" / "mnist_784-v1.npz"
    ac.write_array_cache(str(path), *arrays, dict(META, feature_names=["a"]))
    return path


def test_round_trip(cached, arrays):
    data, target, meta = ac.read_array_cache(str(cached), META)
    np.testing.assert_array_equal(data, arrays[0])
    np.testing.assert_array_equal(target, arrays[1])
    assert data.dtype == np.uint8 and target.dtype == arrays[1].dtype
    assert meta["feature_names"] == ["a"] and meta["data_shape"] == [50, 784]
    with zipfile.ZipFile(cached) as zf:  # uncompressed: read at disk speed
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ac.read_array_cache(str(tmp_path / "none.npz"), {})


def _flip_data_byte(path):
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("data.npy")
    raw[info.header_offset + 200] ^= 0xFF  # inside the npy payload
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    "damage, match",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), None),
        (_flip_data_byte, "CRC|Bad"),
        (lambda p: p.write_bytes(b""), None),
        (lambda p: p.write_bytes(b"not a zip file at all" * 10), None),
    ],
    ids=["truncated", "flipped byte", "empty", "garbage"],
)
def test_damaged_file_is_invalid(cached, damage, match):
    damage(cached)
    with pytest.raises(ac.CacheInvalid, match=match):
        ac.read_array_cache(str(cached), {})


def test_file_of_other_dataset_or_format_is_invalid(cached):
    with pytest.raises(ac.CacheInvalid, match="openml_name"):
        ac.read_array_cache(str(cached), {"openml_name": "CIFAR_10"})
    with pytest.raises(ac.CacheInvalid, match="format"):
        ac.read_array_cache(str(cached), {"format": ac.CACHE_FORMAT + 1})


def test_crashed_rewrite_keeps_the_good_file(cached, arrays, monkeypatch):
    good = cached.read_bytes()

    def crash(fh, **arrays):
        fh.write(b"PK\x03\x04 half of a zip file")
        raise KeyboardInterrupt("simulated crash mid-write")

    monkeypatch.setattr(ac, "_savez", crash)
    with pytest.raises(KeyboardInterrupt):
        ac.write_array_cache(str(cached), *arrays, META)
    assert cached.read_bytes() == good
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]


def test_stale_temp_files_of_killed_writers_are_removed(cached, arrays):
    old = cached.parent / f".{cached.name}.abc123.tmp"
    young = cached.parent / f".{cached.name}.def456.tmp"
    other = cached.parent / ".other.npz.abc123.tmp"
    for p in (old, young, other):
        p.write_bytes(b"PK partial")
    os.utime(old, (time.time() - 7 * 3600,) * 2)
    os.utime(other, (time.time() - 7 * 3600,) * 2)
    ac.write_array_cache(str(cached), *arrays, META)
    assert not old.exists()
    assert young.exists()  # may belong to a writer still running
    assert other.exists()  # another file's
