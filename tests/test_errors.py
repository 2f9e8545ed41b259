"""Bad input gets a clear error that names the problem and the fix.

Every error is raised by sk_lenet's own checks before TensorFlow runs, so the
user sees one message and no TensorFlow stack trace.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from sk_lenet import LeNet5Classifier, LeNetClassifier
from tests.conftest import fast

X = np.random.default_rng(0).integers(0, 256, size=(40, 64)).astype(np.uint8)
y = np.arange(40) % 4


def _no_tensorflow_frames(excinfo):
    frames = [str(entry.path) for entry in excinfo.traceback]
    assert not [f for f in frames if "tensorflow" in f or "/keras/" in f], frames


@pytest.fixture(scope="module")
def fitted():
    return fast(LeNetClassifier).fit(X, y)


FIT_ERRORS = [
    ("nan", lambda: (np.where(X == X[0, 0], np.nan, X), y), ValueError, "NaN"),
    ("inf", lambda: (np.where(X == X[0, 0], np.inf, X), y), ValueError, "infinity"),
    ("one class", lambda: (X, np.zeros(40)), ValueError, "only one class"),
    ("empty", lambda: (X[:0], y[:0]), ValueError, "0 sample"),
    ("3-D", lambda: (X.reshape(40, 8, 8), y), ValueError, r"X\[\.\.\., np\.newaxis\]"),
    ("5-D", lambda: (X.reshape(40, 8, 8, 1, 1), y), ValueError, "5-D array"),
    ("strings", lambda: (X.astype(str), y), ValueError, "numeric|convert"),
    ("sparse", lambda: (sp.csr_matrix(X), y), TypeError, r"toarray\(\)"),
    ("shape", lambda: (X[:, :10], y), ValueError, "image_shape=\\(height"),
    ("no y", lambda: (X, None), ValueError, "requires y to be passed"),
    ("lengths", lambda: (X, y[:-1]), ValueError, "different numbers of samples"),
    ("regression y", lambda: (X, np.linspace(0, 1, 40)), ValueError, "Unknown label"),
]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [case[1:] for case in FIT_ERRORS],
    ids=[case[0] for case in FIT_ERRORS],
)
def test_fit_rejects(make, error, match):
    X_bad, y_bad = make()
    with pytest.raises(error, match=match) as excinfo:
        fast(LeNetClassifier).fit(X_bad, y_bad)
    _no_tensorflow_frames(excinfo)


PARAM_ERRORS = [
    ({"optimizer": "sgdd"}, ValueError, "Unknown optimizer 'sgdd'"),
    ({"epochs": -3}, ValueError, "epochs must be an int >= 1; got -3"),
    ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1"),
    ({"momentum": -0.5}, ValueError, "momentum must be a number >= 0"),
    ({"optimizer": 3}, TypeError, "optimizer must be"),
    ({"learning_rate": -1.0}, ValueError, "learning_rate must be a positive"),
    ({"pixel_scale": "max"}, ValueError, "pixel_scale must be"),
    (
        {"dtype_policy": "bfloat16"},
        ValueError,
        "dtype_policy must be one of 'float32', 'mixed_bfloat16', 'mixed_float16'",
    ),
    ({"image_shape": (3, 3, 3)}, ValueError, "holds 27 pixels but each row has 64"),
    (
        {"validation_fraction": 1.5},
        ValueError,
        r"validation_fraction must be in \[0, 1\)",
    ),
    (
        {"early_stopping": True, "validation_fraction": 0.0},
        ValueError,
        "early_stopping=True needs held-out data",
    ),
]


@pytest.mark.parametrize(("params", "error", "match"), PARAM_ERRORS)
def test_bad_parameters_are_named_at_fit(params, error, match):
    with pytest.raises(error, match=match) as excinfo:
        fast(LeNetClassifier, **params).fit(X, y)
    _no_tensorflow_frames(excinfo)


def test_predict_before_fit():
    for method in ("predict", "predict_proba"):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(LeNet5Classifier(), method)(X)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        LeNet5Classifier().score(X, y)


PREDICT_ERRORS = [
    (
        "feature count",
        X[:, :60],
        "X has 60 features, but LeNetClassifier is expecting 64",
    ),
    ("image shape", np.zeros((2, 9, 9, 1)), r"images of shape \(9, 9, 1\)"),
    ("nan", np.full((2, 64), np.nan), "NaN"),
    ("3-D", X.reshape(40, 8, 8), "np.newaxis"),
]


@pytest.mark.parametrize(
    ("X_bad", "match"),
    [case[1:] for case in PREDICT_ERRORS],
    ids=[case[0] for case in PREDICT_ERRORS],
)
def test_predict_rejects(fitted, X_bad, match):
    with pytest.raises(ValueError, match=match) as excinfo:
        fitted.predict(X_bad)
    _no_tensorflow_frames(excinfo)


def test_error_does_not_touch_user_data():
    X_user = X.astype(float)
    X_user[0, 0] = np.nan
    before = X_user.copy()
    with pytest.raises(ValueError):
        fast(LeNetClassifier).fit(X_user, y)
    np.testing.assert_array_equal(X_user, before)


def test_schedule_in_optimizer_and_learning_rate_clash():
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(0.01, 100)
    clf = fast(LeNetClassifier, optimizer=keras.optimizers.Adam(schedule))
    with pytest.raises(ValueError, match="Pass learning_rate=None") as excinfo:
        clf.fit(X, y)  # learning_rate=0.01 by default would replace the schedule
    _no_tensorflow_frames(excinfo)
    assert clf.set_params(learning_rate=None).fit(X, y).model_ is not None
