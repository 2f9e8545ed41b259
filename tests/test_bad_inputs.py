"""One table of bad inputs across transformers, loaders, persistence and the CLI.

Each row is a mistake a user makes, the error type, and words of the message
that name the problem or the fix.  The estimators' own table (shapes, dtypes,
NaN, one class, unfitted, parameters) is ``tests/test_errors.py``.  Every row
also checks that nothing the user owns was changed or lost.
"""

from __future__ import annotations

from urllib.error import URLError

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sk_lenet import ImageReshaper, PixelScaler, load_model, save_model
from sk_lenet.datasets import DatasetNotAvailableError, fetch_mnist, load_dataset
from sk_lenet.persistence import ModelFileError, read_model_file, write_model_file

ROWS = np.arange(2 * 784, dtype=np.uint8).reshape(2, 784)


def _fitted_reshaper():
    return ImageReshaper().fit(ROWS)


def _user_files(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _keeps_openml_cache(tmp_path, monkeypatch, *, corrupt_arff, **kwargs):
    """Load MNIST offline from a cache the user owns that cannot serve it.

    The OpenML cache holds the JSON documents and, with ``corrupt_arff``, an
    ARFF file whose md5 is wrong (else no ARFF).  The loader must raise and
    leave every file byte for byte as it was: checked here, since the table's
    own check only sees the files that existed before the call.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _openml_fixtures import MNIST, write_openml_fixture

    from sk_lenet import _openml

    def refuse(*args, **kwargs):
        raise URLError("network is unreachable")

    monkeypatch.setattr(_openml, "_urlopen", refuse)
    paths = write_openml_fixture(tmp_path, MNIST, ROWS, [3, 4])
    paths["arff_legacy"].unlink()
    if corrupt_arff:
        paths["arff"].write_bytes(paths["arff"].read_bytes()[:-20])
    else:
        paths["arff"].unlink()
    before = _user_files(tmp_path)
    assert before
    try:
        return fetch_mnist(data_home=tmp_path, **kwargs)
    finally:
        assert _user_files(tmp_path) == before, "a cached file was changed or lost"


CASES = [
    # transformers
    (
        "reshaper unfitted",
        lambda tp, mp: ImageReshaper().transform(ROWS),
        NotFittedError,
        "not fitted yet",
    ),
    (
        "reshaper 783 columns",
        lambda tp, mp: _fitted_reshaper().transform(ROWS[:, :783]),
        ValueError,
        "X has 783 features, but ImageReshaper is expecting 784",
    ),
    (
        "reshaper odd width",
        lambda tp, mp: ImageReshaper().fit(ROWS[:, :10]),
        ValueError,
        r"image_shape=\(height, width, channels\)",
    ),
    (
        "reshaper wrong shape",
        lambda tp, mp: ImageReshaper((20, 20, 1)).fit(ROWS),
        ValueError,
        "holds 400 pixels but each row has 784",
    ),
    (
        "reshaper bad format",
        lambda tp, mp: ImageReshaper(data_format="nhwc").fit(ROWS),
        ValueError,
        "data_format",
    ),
    (
        "reshaper 1-D",
        lambda tp, mp: ImageReshaper().fit(ROWS[0]),
        ValueError,
        "Reshape your data",
    ),
    (
        "scaler NaN",
        lambda tp, mp: PixelScaler().fit_transform(np.full((2, 4), np.nan)),
        ValueError,
        "NaN",
    ),
    (
        "scaler zero max",
        lambda tp, mp: PixelScaler(max_value=0).fit(ROWS),
        ValueError,
        "max_value",
    ),
    (
        "scaler strings",
        lambda tp, mp: PixelScaler().fit(np.array([["a", "b"]])),
        ValueError,
        "string|convert",
    ),
    # loaders
    (
        "unknown dataset",
        lambda tp, mp: load_dataset("fashion_mnist"),
        ValueError,
        "'digits', 'mnist', 'cifar10'",
    ),
    (
        "bad subset",
        lambda tp, mp: load_dataset("digits", subset="validation"),
        ValueError,
        "'subset' parameter of load_dataset must be a str among",
    ),
    (
        "offline, ARFF not cached",
        lambda tp, mp: _keeps_openml_cache(tp, mp, corrupt_arff=False),
        DatasetNotAvailableError,
        "network is unreachable.*load_digits",
    ),
    (
        "offline, cached ARFF corrupt",
        lambda tp, mp: _keeps_openml_cache(tp, mp, corrupt_arff=True),
        DatasetNotAvailableError,
        "does not match OpenML's md5",
    ),
    (
        "no download allowed",
        lambda tp, mp: _keeps_openml_cache(
            tp, mp, corrupt_arff=False, download_if_missing=False
        ),
        DatasetNotAvailableError,
        "download_if_missing=False.*SCIKIT_LEARN_DATA",
    ),
    # persistence
    (
        "load missing file",
        lambda tp, mp: load_model(tp / "none.sklenet"),
        FileNotFoundError,
        "No model file",
    ),
    (
        "load a non-model",
        lambda tp, mp: load_model(_write(tp / "x.sklenet", b"PK\x03\x04")),
        ModelFileError,
        "not a readable sk_lenet model file",
    ),
    (
        "save a transformer",
        lambda tp, mp: save_model(PixelScaler(), tp / "m.sklenet"),
        TypeError,
        "saves an sk_lenet estimator",
    ),
    (
        "read a missing model file",
        lambda tp, mp: read_model_file(tp / "none.pkl"),
        ModelFileError,
        "model file not found",
    ),
    (
        "read a non-model",
        lambda tp, mp: read_model_file(_write(tp / "x.pkl", b"not a pickle")),
        ModelFileError,
        "cannot load .* 'sk-lenet train'",
    ),
    (
        "write an unknown format",
        lambda tp, mp: write_model_file(PixelScaler(), tp / "m.onnx", "onnx"),
        ValueError,
        "format must be one of 'pickle', 'sklenet'",
    ),
]


def _write(path, content):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_library_rejects(make, error, match, tmp_path, monkeypatch):
    before = sorted(p.name for p in tmp_path.iterdir())
    rows_before = ROWS.copy()
    with pytest.raises(error, match=match) as excinfo:
        make(tmp_path, monkeypatch)
    assert excinfo.value.__cause__ is None or error is not DatasetNotAvailableError
    np.testing.assert_array_equal(ROWS, rows_before)  # the user's data
    after = sorted(p.name for p in tmp_path.iterdir())
    assert set(before) <= set(after)  # nothing of the user's deleted


CLI_CASES = [
    ("unknown model", ["train", "--model", "resnet"], "resnet"),
    ("unknown dataset", ["train", "--dataset", "svhn"], "svhn"),
    ("missing model file", ["evaluate", "{tmp}/none.pkl"], "none.pkl"),
    ("missing image", ["predict", "{model}", "{tmp}/none.png"], "none.png"),
    ("bad grid value", ["grid-search", "--param", "filters"], "filters"),
    ("negative epochs", ["train", "--epochs", "-3", "--no-plots"], "epochs"),
    ("unknown --set name", ["train", "--set", "colour=red"], "valid: activation"),
    ("--set without value", ["train", "--set", "filters"], "NAME=VALUE"),
]


@pytest.fixture(scope="module")
def cli_model(tmp_path_factory):
    from sk_lenet import cli

    out = tmp_path_factory.mktemp("cli")
    assert (
        cli.main(["train", "--quick", "-q", "--no-plots", "--output-dir", str(out)])
        == 0
    )
    return next(out.glob("*.pkl"))


@pytest.mark.parametrize(
    ("argv", "words"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_rejects_with_one_line(argv, words, cli_model, tmp_path, capsys):
    from sk_lenet import cli

    capsys.readouterr()
    argv = [a.format(tmp=tmp_path, model=cli_model) for a in argv]
    with pytest.raises(SystemExit) as excinfo:
        raise SystemExit(cli.main(argv))
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert cli_model.is_file()  # the saved model survives
