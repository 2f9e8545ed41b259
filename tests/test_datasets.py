"""Tests of sk_lenet.datasets.

Everything except the ``real_data`` tests runs on tiny OpenML caches written
into ``tmp_path`` by ``_openml_fixtures`` and with the network switched off
(an autouse fixture makes ``sk_lenet._openml._urlopen``, the one network
seam, raise).  The ``real_data`` tests build a real OpenML cache with the
``tools/openml_cache.py`` of the folder named by ``SK_LENET_REAL_DATA`` and
are skipped, with that reason, where it is unset.  The reader, the download
and the array cache have their own files: ``test_arff.py``,
``test_openml.py``, ``test_array_cache.py``.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest

from sk_lenet import _array_cache as ac
from sk_lenet import _openml
from sk_lenet import datasets as D

# the fixture writer sits beside this file (tests/ may or may not be a package)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _openml_fixtures import (
    CIFAR,
    MNIST,
    arff_bytes,
    write_openml_fixture,
)
from conftest import SHARED

N_TRAIN, N_TEST = 6, 3  # fixture split sizes (patched into the specs)


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------


class _NoNetwork:
    """Stands in for urlopen: counts calls and fails like a machine offline."""

    def __init__(self):
        self.calls = 0

    def __call__(self, req, *args, **kwargs):
        self.calls += 1
        raise URLError(socket.gaierror(-3, "Temporary failure in name resolution"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    fake = _NoNetwork()
    monkeypatch.setattr(_openml, "_urlopen", fake)
    return fake


@pytest.fixture
def small_splits(monkeypatch):
    for key in ("mnist", "cifar10"):
        spec = dataclasses.replace(D._OPENML[key], n_train=N_TRAIN, n_test=N_TEST)
        monkeypatch.setitem(D._OPENML, key, spec)


def _mnist_arrays(n=N_TRAIN + N_TEST, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    X[:, :5] = [0, 255, 1, 10, 100]  # every digit width
    y = np.arange(n) % 10
    return X, y


def _cifar_arrays(n=N_TRAIN + N_TEST, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    y = (np.arange(n) * 3) % 10
    return X, y


@pytest.fixture
def mnist_home(tmp_path, small_splits):
    X, y = _mnist_arrays()
    paths = write_openml_fixture(tmp_path, MNIST, X, y)
    return tmp_path, X, y, paths


@pytest.fixture
def cifar_home(tmp_path, small_splits):
    X, y = _cifar_arrays()
    paths = write_openml_fixture(tmp_path, CIFAR, X, y)
    return tmp_path, X, y, paths


def _cache_file(home, spec):
    return Path(home) / "sk_lenet" / f"{spec['name']}-v{spec['version']}.npz"


# --------------------------------------------------------------------------
# parsing, dtypes, layouts
# --------------------------------------------------------------------------


def test_mnist_bunch_from_openml_cache(mnist_home, no_network):
    home, X, y, _ = mnist_home
    bunch = D.fetch_mnist(data_home=home)
    assert bunch.data.dtype == np.uint8 and bunch.data.shape == X.shape
    np.testing.assert_array_equal(bunch.data, X)
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(bunch.target, y)
    assert bunch.feature_names == MNIST["feature_names"]
    assert list(bunch.target_names) == [str(i) for i in range(10)]
    assert list(bunch.target_names[bunch.target]) == [str(v) for v in y]
    assert "mnist_784" in bunch.DESCR and "Test fixture" in bunch.DESCR
    assert no_network.calls == 0


@pytest.mark.parametrize("quote_labels", [False, True])
def test_labels_quoted_or_not(tmp_path, small_splits, quote_labels):
    # OpenML writes unquoted digit labels, the trap for the pandas parser with
    # pandas >= 3.1 (scikit-learn #34892); quoted ones must work too.
    X, y = _mnist_arrays()
    paths = write_openml_fixture(tmp_path, MNIST, X, y, quote_labels=quote_labels)
    Xr, yr = D.fetch_mnist(data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)
    assert paths["arff"].exists()  # nothing deleted


def test_mnist_images_layout(mnist_home):
    home, X, _, _ = mnist_home
    images, _ = D.fetch_mnist(data_home=home, as_images=True, return_X_y=True)
    assert images.shape == (len(X), 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[..., 0], X.reshape(-1, 28, 28))
    # pixelK (1-based) is row (K-1)//28, column (K-1)%28
    assert images[2, 0, 3, 0] == X[2, 3]
    assert images[2, 1, 0, 0] == X[2, 28]


def test_cifar_channel_order(tmp_path, small_splits):
    X, y = _cifar_arrays()
    i, r, c = 4, 5, 17
    X[i, 0 * 1024 + r * 32 + c] = 11  # red plane
    X[i, 1 * 1024 + r * 32 + c] = 22  # green plane
    X[i, 2 * 1024 + r * 32 + c] = 33  # blue plane
    write_openml_fixture(tmp_path, CIFAR, X, y)
    flat = D.fetch_cifar10(data_home=tmp_path)
    np.testing.assert_array_equal(flat.data, X)  # flat rows keep OpenML's layout
    assert flat.data.shape == (len(X), 3072)
    images = D.fetch_cifar10(data_home=tmp_path, as_images=True)
    assert images.data.shape == (len(X), 32, 32, 3)
    assert images.data.flags.c_contiguous
    assert list(images.data[i, r, c]) == [11, 22, 33]
    np.testing.assert_array_equal(
        images.data, X.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    )
    assert list(images.target_names) == list(D.CIFAR10_CLASSES)
    assert images.target_names[3] == "cat"
    assert "planar" in flat.DESCR and "channels-last" in images.DESCR


def test_subsets(mnist_home, cifar_home):
    for fetch, (home, X, y, _) in [
        (D.fetch_mnist, mnist_home),
        (D.fetch_cifar10, cifar_home),
    ]:
        Xa, _ = fetch(data_home=home, subset="all", return_X_y=True)
        Xtr, ytr = fetch(data_home=home, subset="train", return_X_y=True)
        Xte, yte = fetch(data_home=home, subset="test", return_X_y=True)
        np.testing.assert_array_equal(Xa, X)
        np.testing.assert_array_equal(Xtr, X[:N_TRAIN])
        np.testing.assert_array_equal(ytr, y[:N_TRAIN])
        np.testing.assert_array_equal(Xte, X[N_TRAIN:])
        np.testing.assert_array_equal(yte, y[N_TRAIN:])
        images, _ = fetch(
            data_home=home, subset="test", as_images=True, return_X_y=True
        )
        assert images.shape[0] == N_TEST and images.ndim == 4


def test_real_split_sizes_are_canonical():
    assert (D._OPENML["mnist"].n_train, D._OPENML["mnist"].n_test) == (60000, 10000)
    assert (D._OPENML["cifar10"].n_train, D._OPENML["cifar10"].n_test) == (
        50000,
        10000,
    )


def test_split_refused_when_row_count_unexpected(tmp_path):
    # without the patched split sizes a 9-row file cannot be split
    X, y = _mnist_arrays()
    write_openml_fixture(tmp_path, MNIST, X, y)
    assert D.fetch_mnist(data_home=tmp_path).data.shape[0] == len(X)
    with pytest.raises(ValueError, match="expected 60000 \\+ 10000"):
        D.fetch_mnist(data_home=tmp_path, subset="train")


def test_scikit_learn_data_env_is_honoured(mnist_home, monkeypatch):
    home, X, _, _ = mnist_home
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    Xr, _ = D.fetch_mnist(return_X_y=True)
    np.testing.assert_array_equal(Xr, X)
    assert _cache_file(home, MNIST).exists()


def test_float_formatted_pixels_are_accepted(tmp_path, small_splits):
    X, y = _mnist_arrays()
    text = arff_bytes("mnist_784", MNIST["feature_names"], X, y, list("0123456789"))
    header, body = text.split(b"@data\n")
    body = body.replace(b",", b".0,")  # "12.0," for every pixel
    write_openml_fixture(tmp_path, MNIST, X, y, arff=header + b"@data\n" + body)
    Xr, yr = D.fetch_mnist(data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)


@pytest.mark.parametrize("bad", [b"256", b"?", b"-1", b"1.5"])
def test_bad_pixel_raises_and_keeps_openml_file(tmp_path, small_splits, bad):
    X, y = _mnist_arrays()
    text = arff_bytes("mnist_784", MNIST["feature_names"], X, y, list("0123456789"))
    header, body = text.split(b"@data\n")
    body = bad + body[body.index(b",") :]
    paths = write_openml_fixture(tmp_path, MNIST, X, y, arff=header + b"@data\n" + body)
    with pytest.raises(ValueError, match="ARFF"):
        D.fetch_mnist(data_home=tmp_path)
    assert paths["arff"].exists(), "a parse error must not delete the cached ARFF"
    assert not _cache_file(tmp_path, MNIST).exists()


# --------------------------------------------------------------------------
# array cache
# --------------------------------------------------------------------------


def test_second_load_reads_array_cache_only(mnist_home, monkeypatch):
    home, X, y, _ = mnist_home
    first = D.fetch_mnist(data_home=home)
    assert _cache_file(home, MNIST).exists()

    def boom(*args, **kwargs):
        raise AssertionError("OpenML's files must not be read on a cached load")

    monkeypatch.setattr(_openml, "fetch_openml_arrays", boom)
    second = D.fetch_mnist(data_home=home)
    np.testing.assert_array_equal(second.data, X)
    np.testing.assert_array_equal(second.target, y)
    assert second.feature_names == first.feature_names
    assert list(second.target_names) == list(first.target_names)
    assert second.DESCR == first.DESCR


def test_cache_false_reads_and_writes_nothing(mnist_home, no_network):
    home, _, _, _ = mnist_home
    D.fetch_mnist(data_home=home)  # writes the array cache
    with pytest.raises(D.DatasetNotAvailableError, match="cache=False"):
        D.fetch_mnist(data_home=home, cache=False)  # would download: offline
    assert no_network.calls >= 1


def _corrupt(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "truncate":
        path.write_bytes(bytes(raw[: len(raw) // 2]))
    elif how == "flip_data":
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("data.npy")
        # local header (30 bytes + name + extra) then the npy payload
        raw[info.header_offset + 200] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"not a zip file at all" * 10)


@pytest.mark.parametrize("how", ["truncate", "flip_data", "empty", "garbage"])
def test_corrupt_cache_is_detected_and_rebuilt(mnist_home, how):
    home, X, y, _ = mnist_home
    D.fetch_mnist(data_home=home)
    path = _cache_file(home, MNIST)
    _corrupt(path, how)
    with pytest.warns(RuntimeWarning, match="invalid") as record:
        Xr, yr = D.fetch_mnist(data_home=home, return_X_y=True)
    assert record[0].filename == __file__  # points at the user's call
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)
    # rebuilt: the next load is clean and warning-free
    ac.read_array_cache(str(path), {})
    Xr2, _ = D.fetch_mnist(data_home=home, return_X_y=True)
    np.testing.assert_array_equal(Xr2, X)


def test_crash_mid_write_leaves_no_partial_file(mnist_home, monkeypatch):
    home = mnist_home[0]
    path = _cache_file(home, MNIST)

    def crash(fh, **arrays):
        fh.write(b"PK\x03\x04 half of a zip file")
        raise KeyboardInterrupt("simulated crash mid-write")

    monkeypatch.setattr(ac, "_savez", crash)
    with pytest.raises(KeyboardInterrupt):
        D.fetch_mnist(data_home=home)
    assert not path.exists()
    assert list(path.parent.iterdir()) == []  # temp file cleaned up


def test_concurrent_loads_in_two_processes(mnist_home):
    home, X, _, _ = mnist_home
    code = (
        "import dataclasses, sys\n"
        "import numpy as np\n"
        "from sk_lenet import datasets as D\n"
        "from urllib.error import URLError\n"
        "from sk_lenet import _openml\n"
        "def off(*a, **k): raise URLError('offline')\n"
        "_openml._urlopen = off\n"
        "for i in range(5):\n"
        "    X, y = D.fetch_mnist(data_home=sys.argv[1], return_X_y=True)\n"
        "    assert X.shape == (9, 784), X.shape\n"
        "    np.save(sys.argv[2], X)\n"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(home), str(home / f"out{i}.npy")],
            env=env,
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()[-2000:]
    for i in range(2):
        np.testing.assert_array_equal(np.load(home / f"out{i}.npy"), X)
    leftovers = [p.name for p in (home / "sk_lenet").iterdir()]
    assert leftovers == ["mnist_784-v1.npz"]


# --------------------------------------------------------------------------
# offline behaviour
# --------------------------------------------------------------------------


def _assert_clear_offline_error(excinfo, home, dataset="mnist"):
    msg = str(excinfo.value)
    assert isinstance(excinfo.value, OSError)
    assert repr(dataset) in msg
    assert str(home) in msg
    assert "SCIKIT_LEARN_DATA" in msg
    assert "load_digits()" in msg and "'digits'" in msg
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__


@pytest.mark.parametrize(
    "fetch, name", [(D.fetch_mnist, "mnist"), (D.fetch_cifar10, "cifar10")]
)
def test_offline_with_nothing_cached(tmp_path, fetch, name, no_network):
    t0 = time.perf_counter()
    with pytest.raises(D.DatasetNotAvailableError) as excinfo:
        fetch(data_home=tmp_path)
    assert time.perf_counter() - t0 < 5  # no retry sleeps
    _assert_clear_offline_error(excinfo, tmp_path, name)
    assert "name resolution" in str(excinfo.value)
    assert no_network.calls == 1  # not retried: cannot be transient


def test_offline_keeps_partial_openml_cache(mnist_home, no_network):
    home, _, _, paths = mnist_home
    paths["arff"].unlink()
    paths["arff_legacy"].unlink()
    before = sorted(p for p in (home / "openml").rglob("*") if p.is_file())
    with pytest.raises(D.DatasetNotAvailableError) as excinfo:
        D.fetch_mnist(data_home=home)
    _assert_clear_offline_error(excinfo, home)
    after = sorted(p for p in (home / "openml").rglob("*") if p.is_file())
    assert before == after and len(after) == 4


def test_download_if_missing_false(mnist_home, tmp_path_factory, no_network):
    home, X, _, _ = mnist_home
    # everything in OpenML's cache: loads, no network needed
    Xr, _ = D.fetch_mnist(data_home=home, download_if_missing=False, return_X_y=True)
    np.testing.assert_array_equal(Xr, X)
    empty = tmp_path_factory.mktemp("empty_home")
    with pytest.raises(D.DatasetNotAvailableError) as excinfo:
        D.fetch_cifar10(data_home=empty, download_if_missing=False)
    _assert_clear_offline_error(excinfo, empty, "cifar10")
    assert "download_if_missing=False" in str(excinfo.value)
    assert no_network.calls == 0  # never even tried


def test_transient_errors_are_retried(tmp_path, monkeypatch):
    calls = []

    def flaky(req, *args, **kwargs):
        calls.append(req)
        raise URLError(TimeoutError("timed out"))

    monkeypatch.setattr(_openml, "_urlopen", flaky)
    with pytest.raises(D.DatasetNotAvailableError, match="timed out"):
        D.fetch_mnist(data_home=tmp_path, n_retries=2, delay=0.0)
    assert len(calls) == 3


def test_scikit_learn_is_neither_patched_nor_parsing(mnist_home, monkeypatch):
    # The ARFF is parsed by sk_lenet's reader: scikit-learn's parsers (whose
    # pandas one fails on mnist_784 with pandas >= 3.1 and then deletes the
    # cached file) are never called, and no module global of scikit-learn is
    # swapped, not even during the call.
    import sklearn.datasets
    from sklearn.datasets import _arff_parser
    from sklearn.datasets import _openml as sk_openml

    before = dict(vars(sk_openml))

    def boom(*args, **kwargs):
        raise AssertionError("scikit-learn's OpenML loader must not be called")

    monkeypatch.setattr(sk_openml, "load_arff_from_gzip_file", boom)
    monkeypatch.setattr(_arff_parser, "load_arff_from_gzip_file", boom)
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", boom)
    patched = dict(vars(sk_openml))
    D.fetch_mnist(data_home=mnist_home[0])
    with pytest.raises(D.DatasetNotAvailableError):
        D.fetch_cifar10(data_home=mnist_home[0])
    assert dict(vars(sk_openml)) == patched
    monkeypatch.undo()
    assert dict(vars(sk_openml)) == before


# --------------------------------------------------------------------------
# load_digits, load_dataset, argument checks
# --------------------------------------------------------------------------


def test_load_digits():
    from sklearn.datasets import load_digits as sk_load_digits

    raw = sk_load_digits()
    b = D.load_digits()
    assert b.data.shape == (1797, 64) and b.data.dtype == np.uint8
    assert b.target.dtype == np.int64 and b.target.shape == (1797,)
    assert b.data.min() == 0 and b.data.max() == 255
    expected = np.array([round(v * 255 / 16) for v in raw.data.ravel()]).reshape(
        raw.data.shape
    )
    np.testing.assert_array_equal(b.data, expected)
    np.testing.assert_array_equal(b.target, raw.target)
    assert list(b.target_names) == [str(i) for i in range(10)]
    assert b.feature_names == list(raw.feature_names)
    images = D.load_digits(as_images=True).data
    assert images.shape == (1797, 8, 8, 1)
    np.testing.assert_array_equal(images[..., 0], b.data.reshape(-1, 8, 8))


def test_load_digits_split():
    from sklearn.model_selection import train_test_split

    Xa, ya = D.load_digits(return_X_y=True)
    Xtr, ytr = D.load_digits(subset="train", return_X_y=True)
    _, yte = D.load_digits(subset="test", return_X_y=True)
    assert (len(ytr), len(yte)) == (1347, 450)
    tr, te = train_test_split(
        np.arange(1797), test_size=0.25, stratify=ya, random_state=0
    )
    np.testing.assert_array_equal(Xtr, Xa[np.sort(tr)])
    np.testing.assert_array_equal(yte, ya[np.sort(te)])
    # stratified: class proportions kept to within one image
    for k in range(10):
        assert abs((ytr == k).sum() - 0.75 * (ya == k).sum()) <= 1
    # deterministic
    np.testing.assert_array_equal(D.load_digits(subset="train").data, Xtr)


def test_load_dataset_names(mnist_home):
    home, X, _, _ = mnist_home
    assert D.DATASETS == ("digits", "mnist", "cifar10")
    for name in ("mnist", "MNIST", "mnist_784", " Mnist_784 "):
        Xr, _ = D.load_dataset(name, data_home=home, return_X_y=True)
        np.testing.assert_array_equal(Xr, X)
    for name in ("cifar10", "CIFAR_10", "cifar_10", "Cifar-10"):
        with pytest.raises(D.DatasetNotAvailableError, match="'cifar10'"):
            D.load_dataset(name, data_home=home)
    b = D.load_dataset("Digits", data_home=home, subset="test", cache=True)
    assert b.data.shape == (450, 64)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'fashion'") as excinfo:
        D.load_dataset("fashion")
    for valid in D.DATASETS:
        assert repr(valid) in str(excinfo.value)
    with pytest.raises(TypeError):
        D.load_dataset(3)
    with pytest.raises(TypeError):
        D.load_dataset("digits", colour=True)


@pytest.mark.parametrize(
    "kwargs, accepted",
    [
        ({"subset": "validation"}, "a str among"),
        ({"subset": None}, "a str among"),
        ({"as_images": "yes"}, "an instance of 'bool'"),
        ({"return_X_y": 1}, "an instance of 'bool'"),
        ({"data_home": 3}, "an instance of 'str'"),
        ({"cache": None}, "an instance of 'bool'"),
        ({"download_if_missing": "no"}, "an instance of 'bool'"),
        ({"n_retries": -1}, "an int in the range [0, inf)"),
        ({"delay": "1"}, "a float in the range [0.0, inf)"),
    ],
)
def test_bad_arguments(kwargs, accepted, tmp_path):
    # scikit-learn's own validation: the message names the parameter, the
    # loader and what is accepted; InvalidParameterError is a ValueError and
    # a TypeError, so callers catching either keep working.
    from sklearn.utils._param_validation import InvalidParameterError

    (param,) = kwargs
    kwargs.setdefault("data_home", tmp_path)
    for fetch in (D.fetch_mnist, D.fetch_cifar10):
        with pytest.raises(InvalidParameterError) as excinfo:
            fetch(**kwargs)
        msg = str(excinfo.value)
        assert f"'{param}' parameter of {fetch.__name__}" in msg
        assert accepted in msg
        if param == "subset":
            assert all(repr(v) in msg for v in ("all", "train", "test"))
    kwargs.pop("data_home")
    if param in {"subset", "as_images", "return_X_y"}:
        with pytest.raises(InvalidParameterError, match=f"'{param}' parameter of"):
            D.load_digits(**kwargs)
        with pytest.raises(ValueError, match=f"'{param}' parameter of"):
            D.load_dataset("digits", **kwargs)


def test_public_api():
    assert sorted(D.__all__) == sorted(
        [
            "CIFAR10_CLASSES",
            "DATASETS",
            "QUICK_TEST",
            "QUICK_TRAIN",
            "DatasetInfo",
            "DatasetNotAvailableError",
            "dataset_info",
            "fetch_cifar10",
            "fetch_mnist",
            "load_dataset",
            "load_digits",
            "load_train_test",
        ]
    )
    assert issubclass(D.DatasetNotAvailableError, OSError)


def test_quiet(mnist_home, capfd):
    home = mnist_home[0]
    D.fetch_mnist(data_home=home)
    D.fetch_mnist(data_home=home)
    D.load_digits()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --------------------------------------------------------------------------
# dataset_info, load_train_test
# --------------------------------------------------------------------------


def test_dataset_info_is_what_the_loaders_return(mnist_home, cifar_home):
    assert [D.dataset_info(n).name for n in ("Digits", "mnist_784", "CIFAR-10")] == [
        "digits",
        "mnist",
        "cifar10",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        D.dataset_info("mnist").image_shape = (1, 1, 1)
    loaded = {
        "digits": D.load_digits(as_images=True),
        "mnist": D.fetch_mnist(data_home=mnist_home[0], as_images=True),
        "cifar10": D.fetch_cifar10(data_home=cifar_home[0], as_images=True),
    }
    for name, bunch in loaded.items():
        info = D.dataset_info(name)
        assert bunch.data.shape[1:] == info.image_shape
        assert tuple(bunch.target_names) == info.target_names
    assert D.dataset_info("cifar10").data_format == "channels_first"
    assert D.dataset_info("mnist").data_format == "channels_last"
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        D.dataset_info("svhn")


def test_load_train_test_canonical_split_of_digits():
    data = D.load_train_test("digits")
    assert set(data) == {
        "X_train", "X_test", "y_train", "y_test", "target_names",
        "image_shape", "data_format", "name", "split",
    }  # fmt: skip
    for part in ("train", "test"):
        X, y = D.load_digits(subset=part, return_X_y=True)
        np.testing.assert_array_equal(data[f"X_{part}"], X)
        np.testing.assert_array_equal(data[f"y_{part}"], y)
    assert data.split == "the dataset's canonical train/test split"
    assert (data.name, data.image_shape, data.data_format) == (
        "digits",
        (8, 8, 1),
        "channels_last",
    )
    assert list(data.target_names) == [str(i) for i in range(10)]


def _rows(X):
    return {row.tobytes() for row in X}


def test_load_train_test_quick_subsample_is_stratified_and_seeded():
    full = D.load_train_test("digits")
    data = D.load_train_test("digits", n_train=D.QUICK_TRAIN, n_test=D.QUICK_TEST)
    assert (D.QUICK_TRAIN, D.QUICK_TEST) == (1000, 300)
    assert data.X_train.shape == (1000, 64) and data.X_test.shape == (300, 64)
    assert data.split.endswith(", subsampled to 1000/300")
    assert _rows(data.X_train) <= _rows(full.X_train)  # drawn from each part
    assert _rows(data.X_test) <= _rows(full.X_test)
    for part, n in (("train", 1000), ("test", 300)):
        y, y_full = data[f"y_{part}"], full[f"y_{part}"]
        share = np.bincount(y_full) * n / len(y_full)
        assert np.abs(np.bincount(y, minlength=10) - share).max() <= 1
    again = D.load_train_test("digits", n_train=1000, n_test=300)
    np.testing.assert_array_equal(again.X_train, data.X_train)
    other = D.load_train_test("digits", n_train=1000, n_test=300, random_state=1)
    assert not np.array_equal(other.X_train, data.X_train)


def test_load_train_test_float_split():
    from sklearn.model_selection import train_test_split

    X, y = D.load_digits(return_X_y=True)
    data = D.load_train_test("digits", test_size=0.2, random_state=3)
    expected = train_test_split(X, y, test_size=0.2, stratify=y, random_state=3)
    for got, want in zip(
        (data.X_train, data.X_test, data.y_train, data.y_test), expected, strict=True
    ):
        np.testing.assert_array_equal(got, want)
    assert data.split == "a stratified 0.2 test split"


def test_load_train_test_small_sizes():
    data = D.load_train_test("digits", n_train=5000, n_test=5)  # 5 < 10 classes
    assert (len(data.y_train), len(data.y_test)) == (1347, 5)
    assert data.split.endswith("subsampled to 1347/5")


def test_load_train_test_openml(mnist_home, cifar_home, no_network):
    home, X, y, _ = mnist_home
    data = D.load_train_test("MNIST_784", data_home=home)
    np.testing.assert_array_equal(data.X_train, X[:N_TRAIN])
    np.testing.assert_array_equal(data.y_test, y[N_TRAIN:])
    assert (data.name, data.image_shape) == ("mnist", (28, 28, 1))
    cifar = D.load_train_test(
        "cifar10", data_home=cifar_home[0], download_if_missing=False
    )
    np.testing.assert_array_equal(cifar.X_test, cifar_home[1][N_TRAIN:])
    assert cifar.data_format == "channels_first"
    assert list(cifar.target_names) == list(D.CIFAR10_CLASSES)
    assert no_network.calls == 0


def test_load_train_test_warns_at_the_callers_line(mnist_home):
    home = mnist_home[0]
    D.fetch_mnist(data_home=home)
    _cache_file(home, MNIST).write_bytes(b"garbage")
    with pytest.warns(RuntimeWarning, match="invalid") as record:
        D.load_train_test("mnist", data_home=home)
    assert record[0].filename == __file__


def test_load_train_test_offline(tmp_path, no_network):
    with pytest.raises(D.DatasetNotAvailableError, match="load_digits"):
        D.load_train_test("mnist", data_home=tmp_path, n_train=10)
    with pytest.raises(D.DatasetNotAvailableError, match="download_if_missing=False"):
        D.load_train_test("cifar10", data_home=tmp_path, download_if_missing=False)
    assert no_network.calls == 1


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"test_size": 1.0}, "test_size"),
        ({"test_size": 0}, "test_size"),
        ({"n_train": 0}, "n_train"),
        ({"n_test": 2.5}, "n_test"),
        ({"random_state": "seed"}, "random_state"),
        ({"download_if_missing": None}, "download_if_missing"),
    ],
)
def test_load_train_test_bad_arguments(kwargs, param):
    with pytest.raises(ValueError, match=f"'{param}' parameter of load_train_test"):
        D.load_train_test("digits", **kwargs)


# --------------------------------------------------------------------------
# real data (../shared beside the checkout)
# --------------------------------------------------------------------------

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.real_data
def test_real_mnist(real_mnist_home):
    bunch = D.fetch_mnist(data_home=real_mnist_home)  # parses OpenML's ARFF
    assert bunch.data.shape == (70000, 784) and bunch.data.dtype == np.uint8
    assert bunch.target.dtype == np.int64
    assert list(bunch.target[:5]) == [5, 0, 4, 1, 9]
    ytr = D.fetch_mnist(data_home=real_mnist_home, subset="train").target
    yte = D.fetch_mnist(data_home=real_mnist_home, subset="test").target
    assert np.bincount(ytr).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(yte).tolist() == MNIST_TEST_COUNTS
    Xtr = D.fetch_mnist(data_home=real_mnist_home, subset="train", as_images=True).data
    assert Xtr.shape == (60000, 28, 28, 1)
    assert abs(Xtr.mean() / 255 - 0.1307) < 1e-4
    assert abs(Xtr.std() / 255 - 0.3081) < 1e-4
    t0 = time.perf_counter()
    cached = D.fetch_mnist(data_home=real_mnist_home)  # the verified .npz only
    reload_s = time.perf_counter() - t0
    np.testing.assert_array_equal(cached.data, bunch.data)
    assert reload_s < 2.0, reload_s  # about 0.1 s; parsing the ARFF takes ~10 s
    quick = D.load_train_test(
        "mnist", n_train=D.QUICK_TRAIN, n_test=D.QUICK_TEST, data_home=real_mnist_home
    )
    assert quick.X_train.shape == (1000, 784) and quick.X_test.shape == (300, 784)
    assert np.bincount(quick.y_test).min() >= 25  # stratified: every digit
    test_rows = D.fetch_mnist(data_home=real_mnist_home, subset="test").data
    assert _rows(quick.X_test) <= _rows(test_rows)


@pytest.mark.real_data
@pytest.mark.slow
def test_real_cifar10(real_cifar_home):
    home = real_cifar_home
    bunch = D.fetch_cifar10(data_home=home)  # parses OpenML's ARFF
    assert bunch.data.shape == (60000, 3072) and bunch.data.dtype == np.uint8
    assert np.bincount(bunch.target).tolist() == [6000] * 10
    assert list(bunch.target[:10]) == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert list(bunch.target_names[bunch.target[:2]]) == ["frog", "truck"]
    Xtr, ytr = D.fetch_cifar10(
        data_home=home, subset="train", as_images=True, return_X_y=True
    )
    assert Xtr.shape == (50000, 32, 32, 3)
    assert np.bincount(ytr).tolist() == [5000] * 10
    means = Xtr.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(means, [0.4914, 0.4822, 0.4465], atol=1e-4)
    # channel order against the channels-last originals in ../shared
    Xte, yte = D.fetch_cifar10(
        data_home=home, subset="test", as_images=True, return_X_y=True
    )
    with np.load(SHARED / "data" / "cifar10" / "cifar10.npz") as z:
        np.testing.assert_array_equal(Xte, z["x_test"])
        np.testing.assert_array_equal(yte, z["y_test"])
