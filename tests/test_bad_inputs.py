"""One table of bad inputs across transformers, loaders, persistence, the CLI
and the estimators.

Each row is a mistake a user makes, the error type, and words of the message
that name the problem or the fix.  Every row also checks that nothing the user
owns was changed or lost.  The estimators' section (shapes, dtypes, NaN, one
class, unfitted, parameters) is at the end: each of its errors is raised by
sk_lenet's own checks before TensorFlow runs, so the user sees one message and
no TensorFlow stack trace.
"""

from __future__ import annotations

import sys
from urllib.error import URLError

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sk_lenet import (
    ImageReshaper,
    LeNet5Classifier,
    LeNetClassifier,
    PixelScaler,
    load_model,
    save_model,
)
from sk_lenet.datasets import DatasetNotAvailableError, fetch_mnist, load_dataset
from sk_lenet.export import export_onnx
from sk_lenet.persistence import ModelFileError, read_model_file, write_model_file
from tests.conftest import fast

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
    # ONNX export
    (
        "export unfitted",
        lambda tp, mp: export_onnx(LeNetClassifier(), tp / "m.onnx"),
        NotFittedError,
        "LeNetClassifier is not fitted yet: call fit before export_onnx",
    ),
    (
        "export a foreign step",
        lambda tp, mp: export_onnx(
            Pipeline([("std", StandardScaler()), ("clf", LeNetClassifier())]),
            tp / "m.onnx",
        ),
        TypeError,
        r"'std' \(StandardScaler\) is not one of sk_lenet's.*export_onnx\(pipeline",
    ),
    (
        "export a foreign classifier",
        lambda tp, mp: export_onnx(
            Pipeline([("lr", LogisticRegression())]), tp / "m.onnx"
        ),
        TypeError,
        "final step 'lr' is a LogisticRegression",
    ),
    (
        "export without onnx",
        lambda tp, mp: (
            mp.setitem(sys.modules, "tf2onnx", None),
            export_onnx(LeNetClassifier(), tp / "m.onnx"),
        ),
        ImportError,
        r'tf2onnx is missing\): pip install "sk-lenet\[onnx\]"',
    ),
    (
        "export bad opset",
        lambda tp, mp: export_onnx(LeNetClassifier(), tp / "m.onnx", opset="17"),
        ValueError,
        "opset must be None",
    ),
    (
        "export bad input dtype",
        lambda tp, mp: export_onnx(LeNetClassifier(), tp / "m", input_dtype="int8"),
        ValueError,
        "input_dtype must be one of 'float32', 'float64', 'uint8'; got 'int8'",
    ),
    (
        "export bad input",
        lambda tp, mp: export_onnx(LeNetClassifier(), tp / "m", input="image"),
        ValueError,
        "input must be one of 'rows', 'images'; got 'image'",
    ),
    (
        "export images into a reshaper",
        lambda tp, mp: export_onnx(
            Pipeline([("reshape", ImageReshaper()), ("clf", LeNetClassifier())]),
            tp / "m.onnx",
            input="images",
        ),
        ValueError,
        r"step 'reshape' \(ImageReshaper\) makes them of flat rows.*input='rows'",
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
    # The user's own files in the folder a call is given, at its top and in
    # the subfolder where a data cache lives: each must survive unchanged.
    mine = {tmp_path / "notes.txt": b"mine", tmp_path / "openml" / "x.bin": b"\0\1"}
    for path, content in mine.items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
    rows_before = ROWS.copy()
    with pytest.raises(error, match=match) as excinfo:
        make(tmp_path, monkeypatch)
    assert excinfo.value.__cause__ is None or error is not DatasetNotAvailableError
    np.testing.assert_array_equal(ROWS, rows_before)  # the user's data
    for path, content in mine.items():  # nothing of the user's deleted
        assert path.read_bytes() == content


CLI_CASES = [
    ("unknown model", ["train", "--model", "resnet"], "resnet"),
    ("unknown dataset", ["train", "--dataset", "svhn"], "svhn"),
    ("missing model file", ["evaluate", "{tmp}/none.pkl"], "none.pkl"),
    ("missing image", ["predict", "{model}", "{tmp}/none.png"], "none.png"),
    ("bad grid value", ["grid-search", "--param", "filters"], "filters"),
    ("negative epochs", ["train", "--epochs", "-3", "--no-plots"], "epochs"),
    ("unknown --set name", ["train", "--set", "colour=red"], "valid: activation"),
    ("unknown augment", ["train", "--set", "augment=color"], "'augment' parameter"),
    ("--set without value", ["train", "--set", "filters"], "NAME=VALUE"),
    ("export missing model", ["export", "{tmp}/none.pkl", "{tmp}/m.onnx"], "none.pkl"),
    (
        "export bad opset",
        ["export", "{model}", "{tmp}/m.onnx", "--opset", "0"],
        "opset",
    ),
    (
        "export bad input dtype",
        ["export", "{model}", "{tmp}/m.onnx", "--input-dtype", "int8"],
        "input_dtype must be one of",
    ),
    (
        "export --images of rows",
        ["export", "{model}", "{tmp}/m.onnx", "--images"],
        "(ImageReshaper) makes them of flat rows",
    ),
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


# ----------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------

X_EST = np.random.default_rng(0).integers(0, 256, size=(40, 64)).astype(np.uint8)
Y_EST = np.arange(40) % 4


def _no_tensorflow_frames(excinfo):
    frames = [str(entry.path) for entry in excinfo.traceback]
    assert not [f for f in frames if "tensorflow" in f or "/keras/" in f], frames


@pytest.fixture(scope="module")
def fitted_lenet():
    return fast(LeNetClassifier).fit(X_EST, Y_EST)


FIT_ERRORS = [
    (
        "nan",
        lambda: (np.where(X_EST == X_EST[0, 0], np.nan, X_EST), Y_EST),
        ValueError,
        "NaN",
    ),
    (
        "inf",
        lambda: (np.where(X_EST == X_EST[0, 0], np.inf, X_EST), Y_EST),
        ValueError,
        "infinity",
    ),
    ("one class", lambda: (X_EST, np.zeros(40)), ValueError, "only one class"),
    ("empty", lambda: (X_EST[:0], Y_EST[:0]), ValueError, "0 sample"),
    (
        "3-D",
        lambda: (X_EST.reshape(40, 8, 8), Y_EST),
        ValueError,
        r"X\[\.\.\., np\.newaxis\]",
    ),
    ("5-D", lambda: (X_EST.reshape(40, 8, 8, 1, 1), Y_EST), ValueError, "5-D array"),
    ("strings", lambda: (X_EST.astype(str), Y_EST), ValueError, "numeric|convert"),
    ("sparse", lambda: (sp.csr_matrix(X_EST), Y_EST), TypeError, r"toarray\(\)"),
    ("shape", lambda: (X_EST[:, :10], Y_EST), ValueError, "image_shape=\\(height"),
    ("no y", lambda: (X_EST, None), ValueError, "requires y to be passed"),
    (
        "lengths",
        lambda: (X_EST, Y_EST[:-1]),
        ValueError,
        "different numbers of samples",
    ),
    (
        "regression y",
        lambda: (X_EST, np.linspace(0, 1, 40)),
        ValueError,
        "Unknown label",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [case[1:] for case in FIT_ERRORS],
    ids=[case[0] for case in FIT_ERRORS],
)
def test_fit_rejects(make, error, match):
    X_bad, y_bad = make()
    before = [
        None if a is None else np.array(a.toarray() if sp.issparse(a) else a)
        for a in (X_bad, y_bad)
    ]
    with pytest.raises(error, match=match) as excinfo:
        fast(LeNetClassifier).fit(X_bad, y_bad)
    _no_tensorflow_frames(excinfo)
    for given, copy in zip((X_bad, y_bad), before, strict=True):  # unchanged
        if given is not None:
            given = given.toarray() if sp.issparse(given) else given
            np.testing.assert_array_equal(given, copy)


# Each hyperparameter is checked against its _parameter_constraints when fit
# starts: scikit-learn's InvalidParameterError (a ValueError and a TypeError)
# names the parameter and the values it accepts.
_INVALID = (InvalidParameterError, "The '{}' parameter of LeNetClassifier must be")
PARAM_ERRORS = [
    *(
        (params, _INVALID[0], _INVALID[1].format(next(iter(params))))
        for params in (
            {"filters": 5},
            {"filters": (0, 50)},
            {"kernel_size": -1},
            {"epochs": 0},
            {"epochs": -3},
            {"optimizer": "sgdd"},
            {"optimizer": 3},
            {"batch_size": 0},
            {"momentum": -0.5},
            {"learning_rate": -1.0},
            {"pixel_scale": "max"},
            {"dtype_policy": "bfloat16"},
            {"validation_fraction": 1.5},
            {"image_shape": (28, -1, -1)},
            {"class_weight": "even"},
            {"callbacks": "EarlyStopping"},
            {"random_state": "seed"},
            {"augment": "color"},
            {"augment": ["RandomFlip"]},
            {"lr_schedule": "linear"},
            {"label_smoothing": 1.0},
            {"tta": "yes"},
            {"batch_norm": 1},
        )
    ),
    ({"optimizer": "sgdd"}, InvalidParameterError, "'adam', 'rmsprop'"),
    ({"epochs": 0}, InvalidParameterError, r"an int in the range \[1, inf\)"),
    ({"image_shape": (3, 3, 3)}, ValueError, "holds 27 pixels but each row has 64"),
    (
        {"early_stopping": True, "validation_fraction": 0.0},
        ValueError,
        "early_stopping=True needs held-out data",
    ),
    ({"tta": True}, ValueError, "Set tta=False, or give colour images"),
    (
        {
            "lr_schedule": "cosine",
            "learning_rate": keras.optimizers.schedules.CosineDecay(0.1, 10),
        },
        ValueError,
        "two learning-rate schedules. Use lr_schedule='constant'",
    ),
]


def test_other_networks_name_their_own_parameters():
    from sk_lenet import DropoutCNNClassifier, FeedForwardClassifier

    for clf, name in (
        (fast(DropoutCNNClassifier, dropout=1.5), "dropout"),
        (fast(FeedForwardClassifier, hidden_layer_sizes=()), "hidden_layer_sizes"),
    ):
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            clf.fit(X_EST, Y_EST)


def test_partial_fit_checks_parameters_too():
    with pytest.raises(InvalidParameterError, match="'filters' parameter"):
        fast(LeNetClassifier, filters=5).partial_fit(X_EST, Y_EST)


def test_negative_sample_weight_is_refused():
    weights = np.ones(40)
    weights[3] = -1.0
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        fast(LeNetClassifier).fit(X_EST, Y_EST, sample_weight=weights)
    assert weights[3] == -1.0


@pytest.mark.parametrize(("params", "error", "match"), PARAM_ERRORS)
def test_bad_parameters_are_named_at_fit(params, error, match):
    with pytest.raises(error, match=match) as excinfo:
        fast(LeNetClassifier, **params).fit(X_EST, Y_EST)
    _no_tensorflow_frames(excinfo)


def test_predict_before_fit():
    for method in ("predict", "predict_proba"):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(LeNet5Classifier(), method)(X_EST)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        LeNet5Classifier().score(X_EST, Y_EST)


PREDICT_ERRORS = [
    (
        "feature count",
        X_EST[:, :60],
        "X has 60 features, but LeNetClassifier is expecting 64",
    ),
    ("image shape", np.zeros((2, 9, 9, 1)), r"images of shape \(9, 9, 1\)"),
    ("nan", np.full((2, 64), np.nan), "NaN"),
    ("3-D", X_EST.reshape(40, 8, 8), "np.newaxis"),
]


@pytest.mark.parametrize(
    ("X_bad", "match"),
    [case[1:] for case in PREDICT_ERRORS],
    ids=[case[0] for case in PREDICT_ERRORS],
)
def test_predict_rejects(fitted_lenet, X_bad, match):
    with pytest.raises(ValueError, match=match) as excinfo:
        fitted_lenet.predict(X_bad)
    _no_tensorflow_frames(excinfo)


def test_error_does_not_touch_user_data():
    X_user = X_EST.astype(float)
    X_user[0, 0] = np.nan
    before = X_user.copy()
    with pytest.raises(ValueError):
        fast(LeNetClassifier).fit(X_user, Y_EST)
    np.testing.assert_array_equal(X_user, before)


def test_schedule_in_optimizer_and_learning_rate_clash():
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(0.01, 100)
    clf = fast(LeNetClassifier, optimizer=keras.optimizers.Adam(schedule))
    with pytest.raises(ValueError, match="Pass learning_rate=None") as excinfo:
        clf.fit(
            X_EST, Y_EST
        )  # learning_rate=0.01 by default would replace the schedule
    _no_tensorflow_frames(excinfo)
    assert clf.set_params(learning_rate=None).fit(X_EST, Y_EST).model_ is not None
