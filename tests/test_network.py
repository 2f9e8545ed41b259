"""sk_lenet._network: input scaling and padding, softmax head, optimizer,
mixed precision."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone

from sk_lenet import (
    LeNet5Classifier,
    LeNetClassifier,
)
from tests.conftest import fast


def test_learning_rate_schedule(small_digits):
    """A Keras schedule as learning_rate: copied per fit, cloned and pickled."""
    X, y = small_digits[0], small_digits[2]
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=20)
    clf = fast(LeNet5Classifier, optimizer="adam", learning_rate=schedule).fit(X, y)
    used = clf.model_.optimizer._learning_rate
    assert isinstance(used, keras.optimizers.schedules.CosineDecay)
    assert used is not schedule and used.get_config() == schedule.get_config()
    # The schedule ran: the step size after fitting is the decayed one.
    steps = int(clf.model_.optimizer.iterations)
    assert steps > 0
    np.testing.assert_allclose(
        float(clf.model_.optimizer.learning_rate), float(schedule(steps)), rtol=1e-5
    )
    assert clone(clf).get_params()["learning_rate"].get_config() == (
        schedule.get_config()
    )
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X))


def test_lenet5_paper_padding_and_small_images():
    X = np.zeros((10, 784), dtype=np.uint8)
    y = np.arange(10)
    paper = LeNet5Classifier(zero_padding=2).initialize(X, y).model_
    first_conv = next(layer for layer in paper.layers if "conv" in layer.name)
    assert first_conv.output.shape[1:3] == (28, 28)  # 32x32 in, as in 1998
    digits8 = LeNet5Classifier().initialize(np.zeros((10, 64)), y).model_
    assert digits8.get_layer("pad_to_minimum_size").output.shape[1:3] == (16, 16)


@pytest.mark.filterwarnings("ignore:dtype_policy='mixed_bfloat16' on a CPU")
@pytest.mark.parametrize(
    "policy, compute", [("mixed_bfloat16", "bfloat16"), ("mixed_float16", "float16")]
)
def test_mixed_precision_is_opt_in(digits, policy, compute):
    X, X_test, y, y_test = digits
    params = {"filters": (6, 16), "optimizer": "adam", "learning_rate": 3e-3}
    default = fast(LeNetClassifier, **params).fit(X, y)
    assert {layer.compute_dtype for layer in default.model_.layers} == {"float32"}
    clf = fast(LeNetClassifier, **params, dtype_policy=policy).fit(X, y)
    hidden, output = clf.model_.layers[1:-1], clf.model_.layers[-1]
    assert {layer.compute_dtype for layer in hidden} == {compute}
    assert {w.dtype for w in clf.model_.weights} == {"float32"}
    assert output.compute_dtype == "float32"
    assert isinstance(clf.model_.optimizer, keras.optimizers.LossScaleOptimizer) == (
        policy == "mixed_float16"
    )
    # Both the eager (< 2048 images) and the traced predict paths.
    many = np.concatenate([X_test] * (2048 // len(X_test) + 1))
    for images in (X_test, many):
        proba = clf.predict_proba(images)
        assert proba.dtype == np.float32
        np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    # Same network, lower precision: it learns about as well as float32.
    assert clf.score(X_test, y_test) > 0.5
    assert abs(clf.score(X_test, y_test) - default.score(X_test, y_test)) < 0.1


@pytest.mark.filterwarnings("ignore:dtype_policy='mixed_bfloat16' on a CPU")
@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_tiny_eager_fit_pickles(small_digits, policy):
    X, X_test, y, _ = small_digits
    clf = fast(LeNet5Classifier, batch_size=100, dtype_policy=policy).fit(X, y)
    assert clf.model_.run_eagerly  # 3 steps: the eager training path
    back = pickle.loads(pickle.dumps(clf))
    assert back.model_.layers[1].compute_dtype == clf.model_.layers[1].compute_dtype
    assert np.array_equal(back.predict_proba(X_test), clf.predict_proba(X_test))
