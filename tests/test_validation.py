"""sk_lenet._validation: pixel scaling and the validation hold-out of a fit."""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np
import pytest

from sk_lenet._validation import hold_out, pixel_scale


@pytest.mark.parametrize(
    ("setting", "pixels", "expected"),
    [
        ("auto", np.array([0, 128, 255], dtype=np.uint8), 1 / 255),
        ("auto", np.array([0.0, 7.0, 16.0]), 1 / 16),  # scikit-learn's digits
        ("auto", np.array([0.0, 0.5, 1.0]), 1.0),  # already in [0, 1]
        ("auto", np.array([-3.0, 0.0, 5.0]), 1.0),  # standardized: left alone
        (None, np.array([0, 255], dtype=np.uint8), 1.0),
        (0.5, np.array([0, 255], dtype=np.uint8), 0.5),
    ],
)
def test_pixel_scale(setting, pixels, expected):
    assert pixel_scale(setting, pixels) == pytest.approx(expected)


def _estimator(**params):
    defaults = dict(
        validation_fraction=None,
        early_stopping=False,
        tol=1e-4,
        n_iter_no_change=3,
        _seed_=0,
    )
    return SimpleNamespace(**{**defaults, **params})


def _data(n=100, n_classes=4):
    X = np.arange(n, dtype=np.float32).reshape(n, 1, 1, 1)
    y = np.arange(n) % n_classes
    return X, y, np.linspace(0.5, 1.5, n)


def test_no_hold_out_by_default():
    X, y, w = _data()
    kwargs = {}
    out = hold_out(_estimator(), X, y, w, kwargs)
    assert out[0] is X and out[1] is y and out[2] is w and out[3] == []
    assert "validation_data" not in kwargs


def test_hold_out_is_stratified_and_keeps_rows_together():
    X, y, w = _data()
    kwargs = {}
    X_train, y_train, w_train, callbacks = hold_out(
        _estimator(validation_fraction=0.2), X, y, w, kwargs
    )
    X_val, y_val, w_val = kwargs["validation_data"]
    assert len(y_val) == 20 and len(y_train) == 80 and callbacks == []
    assert np.bincount(y_val).tolist() == [5, 5, 5, 5]
    # every row keeps its own label and weight, and none is in both parts
    for Xp, yp, wp in ((X_train, y_train, w_train), (X_val, y_val, w_val)):
        rows = Xp.ravel().astype(int)
        assert (y[rows] == yp).all() and (w[rows] == wp).all()
    assert not set(X_train.ravel()) & set(X_val.ravel())


def test_hold_out_is_seeded_by_the_network():
    X, y, w = _data()
    a, b, c = {}, {}, {}
    hold_out(_estimator(validation_fraction=0.2), X, y, w, a)
    hold_out(_estimator(validation_fraction=0.2), X, y, w, b)
    hold_out(_estimator(validation_fraction=0.2, _seed_=1), X, y, w, c)
    assert (a["validation_data"][0] == b["validation_data"][0]).all()
    assert not (a["validation_data"][0] == c["validation_data"][0]).all()


def test_early_stopping_holds_out_a_tenth_and_restores_the_best_weights():
    X, y, _ = _data()
    kwargs = {}
    _, y_train, _, callbacks = hold_out(
        _estimator(early_stopping=True), X, y, None, kwargs
    )
    assert len(kwargs["validation_data"][1]) == 10 and len(y_train) == 90
    (stop,) = callbacks
    assert isinstance(stop, keras.callbacks.EarlyStopping)
    assert stop.restore_best_weights and stop.patience == 3
    assert stop.monitor == "val_loss" and stop.min_delta == pytest.approx(1e-4)
