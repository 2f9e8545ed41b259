"""sk_lenet._inference: the predict fast path."""

from __future__ import annotations

import gc
import weakref

import numpy as np

from sk_lenet import (
    LeNet5Classifier,
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
