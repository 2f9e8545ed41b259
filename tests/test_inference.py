"""sk_lenet._inference: the predict fast path, flip test-time augmentation."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from sk_lenet import (
    LeNet5Classifier,
    SimplifiedLeNetClassifier,
    _inference,
)
from tests.conftest import fast


def test_large_predictions_run_through_a_traced_graph(digits):
    X_train, X_test, y_train, _ = digits
    clf = fast(LeNet5Classifier).fit(X_train[:300], y_train[:300])
    many = np.tile(X_test, (6, 1))  # 2700 images: at least TRACE_MIN_IMAGES
    few = clf.predict_proba(X_test[:10])
    assert clf.model_ not in _inference.TRACED  # a few images: eager
    traced = clf.predict_proba(many)
    assert _inference.TRACED[clf.model_]
    np.testing.assert_allclose(traced[:10], few, rtol=0, atol=1e-6)
    # The path depends on the call alone: the same images, the same numbers.
    assert np.array_equal(clf.predict_proba(X_test[:10]), few)
    assert np.array_equal(clf.predict_proba(many), traced)
    # The cache holds the network weakly: it goes with its estimator.
    network = weakref.ref(clf.model_)
    del clf
    gc.collect()
    assert network() is None


def test_traced_inference_traces_small_calls_too(digits):
    X_train, X_test, y_train, _ = digits
    clf = fast(LeNet5Classifier).fit(X_train[:300], y_train[:300])
    eager = clf.predict_proba(X_test[:1])
    assert clf.model_ not in _inference.TRACED
    with _inference.traced_inference():
        traced = clf.predict_proba(X_test[:1])
        assert _inference.TRACED[clf.model_]  # one image, yet the graph
        assert np.array_equal(clf.predict_proba(X_test[:1]), traced)
    np.testing.assert_allclose(traced, eager, rtol=0, atol=1e-6)
    # outside the block: eager again, the same numbers as before
    assert np.array_equal(clf.predict_proba(X_test[:1]), eager)


def test_tta_averages_each_image_with_its_mirror():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(40, 8, 8, 3)).astype(np.uint8)
    y = np.arange(40) % 2
    clf = fast(SimplifiedLeNetClassifier, tta=True).fit(X, y)
    flipped = X[:, :, ::-1]
    clf.set_params(tta=False)
    plain, mirror = clf.predict_proba(X), clf.predict_proba(flipped)
    assert not np.allclose(plain, mirror)  # the mirror images do differ
    clf.set_params(tta=True)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, (plain + mirror) / 2, rtol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    # predict and score follow predict_proba; a mirror image gets the same.
    assert (clf.predict(X) == clf.classes_[proba.argmax(axis=1)]).all()
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)
    np.testing.assert_allclose(clf.predict_proba(flipped), proba, rtol=1e-6)


def test_tta_refuses_single_channel_images(small_digits):
    X, X_test, y, _ = small_digits
    with pytest.raises(ValueError, match="a mirrored digit is no digit"):
        fast(LeNet5Classifier, tta=True).fit(X, y)
    clf = fast(LeNet5Classifier).fit(X, y).set_params(tta=True)
    with pytest.raises(ValueError, match="Set tta=False"):
        clf.predict(X_test)
