"""Tests of sk_lenet._openml: OpenML's files, cached or downloaded, verified.

The network is the one seam ``sk_lenet._openml._urlopen``: replaced here by
``FakeOpenML`` (serves a fixture written by ``_openml_fixtures``) or by a
function that fails like a machine offline.  Every test checks the files the
user owns: a cached file is never deleted, and one is replaced only by a
verified download.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import sys
import warnings
from pathlib import Path
from urllib.error import HTTPError, URLError

import numpy as np
import pytest

from sk_lenet import _openml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _openml_fixtures import MNIST, FakeOpenML, write_openml_fixture

N = 9


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(N, 784), dtype=np.uint8), np.arange(N) % 10


@pytest.fixture
def server(tmp_path):
    """An OpenML fixture to serve, and its arrays."""
    X, y = _arrays()
    paths = write_openml_fixture(tmp_path / "server", MNIST, X, y)
    return tmp_path / "server", X, y, paths


def _fetch(home, **kwargs):
    kwargs = {"allow_download": True, "n_retries": 0, "delay": 0.0, **kwargs}
    return _openml.fetch_openml_arrays("mnist_784", 1, data_home=home, **kwargs)


def _files(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file()
    }


def _arff_md5(paths):
    return hashlib.md5(gzip.decompress(paths["arff"].read_bytes())).hexdigest()


@pytest.mark.parametrize("gzip_encoded", [False, True])
def test_download_writes_scikit_learns_cache_layout(
    server, tmp_path, monkeypatch, gzip_encoded
):
    root, X, y, paths = server
    fake = FakeOpenML(root, gzip_encoded=gzip_encoded)
    monkeypatch.setattr(_openml, "_urlopen", fake)
    home = tmp_path / "home"
    got = _fetch(home)
    np.testing.assert_array_equal(got["data"], X)
    np.testing.assert_array_equal(got["target"], y)
    assert got["feature_names"] == MNIST["feature_names"]
    assert got["details"]["md5_checksum"] == _arff_md5(paths)
    assert all(u.startswith("https://api.openml.org/") for u in fake.urls)
    # the same files, at the same places, as the server's (= fetch_openml's) cache
    written = _files(home / "openml")
    served = _files(root / "openml")
    assert set(written) == set(served) - {
        "openml.org/data/v1/download/52667.gz"  # the legacy path is only read
    }
    for rel, raw in written.items():
        assert gzip.decompress(raw) == gzip.decompress(served[rel]), rel
    # a second call reads the cache only
    fake.urls.clear()
    _fetch(home, allow_download=False)
    assert fake.urls == []


def test_files_downloaded_here_serve_scikit_learns_fetch_openml(
    server, tmp_path, monkeypatch
):
    from sklearn.datasets import _openml as sk_openml
    from sklearn.datasets import fetch_openml

    root, X, _, _ = server
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root))
    _fetch(tmp_path / "home")

    def offline(*args, **kwargs):
        raise AssertionError("fetch_openml went to the network")

    monkeypatch.setattr(sk_openml, "urlopen", offline)  # test-only guard
    bunch = fetch_openml(
        "mnist_784", version=1, data_home=tmp_path / "home", parser="liac-arff"
    )
    np.testing.assert_array_equal(bunch.data.astype(np.uint8), X)


def test_legacy_arff_path_is_read(tmp_path, monkeypatch):
    X, y = _arrays()
    local = write_openml_fixture(tmp_path, MNIST, X, y)
    local["arff"].unlink()  # only data/v1/download/<file_id>.gz is left
    before = _files(tmp_path)
    np.testing.assert_array_equal(_fetch(tmp_path, allow_download=False)["data"], X)
    assert _files(tmp_path) == before


def test_bad_download_never_replaces_or_leaves_a_file(server, tmp_path, monkeypatch):
    root, _, _, _ = server
    fake = FakeOpenML(root, tamper={".arff": lambda b: b.replace(b"\n1", b"\n2", 1)})
    monkeypatch.setattr(_openml, "_urlopen", fake)
    home = tmp_path / "home"
    with pytest.raises(_openml.NetworkUnavailable, match="md5"):
        _fetch(home, n_retries=2)
    assert sum(u.endswith(".arff") for u in fake.urls) == 3  # retried
    arff_dir = home / "openml" / "openml.org" / "data" / "v1" / "download"
    assert [p for p in arff_dir.rglob("*") if p.is_file()] == []  # no temp left


def test_corrupt_cached_arff_is_replaced_only_by_a_verified_download(
    server, tmp_path, monkeypatch
):
    root, X, y, _ = server
    home = tmp_path / "home"
    local = write_openml_fixture(home, MNIST, X, y)
    local["arff_legacy"].unlink()
    truncated = local["arff"].read_bytes()[:-30]
    local["arff"].write_bytes(truncated)

    # offline: an error naming the file; the file stays as it was
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root, fail_first=99))
    with pytest.raises(_openml.NetworkUnavailable) as excinfo:
        _fetch(home)
    assert str(local["arff"]) in excinfo.value.reason
    assert "md5" in excinfo.value.reason
    assert local["arff"].read_bytes() == truncated
    # a bad download does not replace it either
    tamper = {".arff": lambda b: b[:-5]}
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root, tamper=tamper))
    with pytest.raises(_openml.NetworkUnavailable):
        _fetch(home)
    assert local["arff"].read_bytes() == truncated
    # a good one does
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root))
    np.testing.assert_array_equal(_fetch(home)["data"], X)
    assert gzip.decompress(local["arff"].read_bytes()) == gzip.decompress(
        (root / local["arff"].relative_to(home)).read_bytes()
    )


def test_unreadable_cached_json_is_kept_until_a_download_replaces_it(
    server, tmp_path, monkeypatch
):
    root, X, y, _ = server
    home = tmp_path / "home"
    local = write_openml_fixture(home, MNIST, X, y)
    local["features"].write_bytes(b"not gzip")
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root, fail_first=99))
    with pytest.raises(_openml.NetworkUnavailable, match="unreadable"):
        _fetch(home)
    assert local["features"].read_bytes() == b"not gzip"
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root))
    np.testing.assert_array_equal(_fetch(home)["data"], X)
    assert gzip.decompress(local["features"].read_bytes())  # valid again


def test_parse_error_keeps_the_arff(tmp_path, monkeypatch):
    X, y = _arrays()
    local = write_openml_fixture(tmp_path, MNIST, X, y, class_values=list("0123"))
    before = _files(tmp_path)
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(tmp_path, fail_first=99))
    with pytest.raises(ValueError, match="unexpected class labels"):
        _fetch(tmp_path)
    assert _files(tmp_path) == before and local["arff"].exists()


def test_cache_false_leaves_nothing(server, tmp_path, monkeypatch):
    root, X, _, _ = server
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    np.testing.assert_array_equal(_fetch(None)["data"], X)
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize(
    "error, transient",
    [
        (URLError(TimeoutError("timed out")), True),
        (URLError(ConnectionResetError("reset by peer")), True),
        (HTTPError("u", 503, "Service Unavailable", {}, None), True),
        (URLError(socket.gaierror(-3, "Temporary failure in name resolution")), False),
        (URLError(ConnectionRefusedError("refused")), False),
        (HTTPError("u", 412, "Precondition Failed", {}, None), False),
        (HTTPError("u", 404, "Not Found", {}, None), False),
    ],
)
def test_only_transient_failures_are_retried(tmp_path, monkeypatch, error, transient):
    calls = []

    def fail(request, timeout=None):
        calls.append(request.full_url)
        raise error

    monkeypatch.setattr(_openml, "_urlopen", fail)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # quiet: no retry warnings
        with pytest.raises(_openml.NetworkUnavailable) as excinfo:
            _fetch(tmp_path, n_retries=2, delay=0.0)
    assert len(calls) == (3 if transient else 1)
    assert excinfo.value.url == calls[0]
    assert list(tmp_path.rglob("*.gz")) == []


def test_retry_then_success_waits_delay(server, tmp_path, monkeypatch):
    root, X, _, _ = server
    fake = FakeOpenML(root, fail_first=2)
    sleeps = []
    monkeypatch.setattr(_openml, "_urlopen", fake)
    monkeypatch.setattr(_openml.time, "sleep", sleeps.append)
    np.testing.assert_array_equal(_fetch(tmp_path, n_retries=2, delay=0.25)["data"], X)
    assert sleeps == [0.25, 0.25]


def test_local_disk_errors_are_not_reported_as_network(server, tmp_path, monkeypatch):
    root, _, _, _ = server
    monkeypatch.setattr(_openml, "_urlopen", FakeOpenML(root))

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_openml, "atomic_write", full)
    with pytest.raises(OSError, match="No space left") as excinfo:
        _fetch(tmp_path)
    assert not isinstance(excinfo.value, _openml.NetworkUnavailable)


def test_download_not_allowed_never_calls_the_network(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(_openml, "_urlopen", boom)
    with pytest.raises(_openml.NetworkUnavailable, match="download_if_missing=False"):
        _fetch(tmp_path, allow_download=False)
