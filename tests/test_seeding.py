"""sk_lenet._seeding: random_state gives bit-identical fits, with no global
side effects."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from sk_lenet import (
    DropoutCNNClassifier,
    LeNet5Classifier,
    LeNetClassifier,
)
from tests.conftest import fast


@pytest.mark.parametrize("cls", [LeNetClassifier, DropoutCNNClassifier])
def test_int_random_state_is_bit_identical(cls, small_digits):
    X, X_test, y, _ = small_digits
    first = fast(cls, epochs=2).fit(X, y).predict_proba(X_test)
    second = fast(cls, epochs=2).fit(X, y).predict_proba(X_test)
    assert np.array_equal(first, second)


def test_unseeded_fit_after_seeded_fit(small_digits):
    X, X_test, y, _ = small_digits
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    fast(DropoutCNNClassifier).fit(X, y)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    a = fast(DropoutCNNClassifier, random_state=None).fit(X, y)
    b = fast(DropoutCNNClassifier, random_state=None).fit(X, y)
    assert not np.array_equal(a.predict_proba(X_test), b.predict_proba(X_test))


def test_training_on_keeps_tensorflows_kernel_cache(small_digits, monkeypatch):
    # Emptying it makes TensorFlow instantiate every traced function again:
    # ~0.1-0.2 s, more than a one-batch partial_fit.  Only a new network
    # empties it (so memory stays flat over grid searches), once.
    from tensorflow.python.eager import context

    X, X_test, y, _ = small_digits
    clf = fast(DropoutCNNClassifier, validation_fraction=0.1, warm_start=True)
    clf.fit(X, y).predict_proba(np.repeat(X_test, 25, axis=0))  # traced forward
    flushes = []
    monkeypatch.setattr(
        context.pywrap_tfe, "TFE_ContextClearCaches", lambda h: flushes.append(h)
    )
    clf.partial_fit(X, y)
    clf.fit(X, y)  # warm start
    assert flushes == []
    fast(LeNet5Classifier).fit(X, y).predict_proba(X_test)
    assert len(flushes) == 1


def test_interleaved_seeded_partial_fits_are_bit_identical(small_digits):
    # Seeding no longer flushes TensorFlow's kernels, so no stateful random
    # op may carry its stream from one fit into the next: same seed and calls,
    # same network, whatever other seeded fits ran in between.
    X, X_test, y, _ = small_digits
    a, b = fast(DropoutCNNClassifier), fast(DropoutCNNClassifier)
    other = fast(DropoutCNNClassifier, random_state=1)
    for clf in (a, other, b, other, a, b):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert np.array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.array_equal(a.predict_proba(X_test), other.predict_proba(X_test))


def test_seeded_fit_ignores_other_threads_drawing_random_numbers(small_digits):
    # A Dask worker's event loop draws from the global `random` module while a
    # task fits; the seeded result must not change.
    import random
    import threading

    X, X_test, y, _ = small_digits
    quiet = fast(DropoutCNNClassifier).fit(X, y).predict_proba(X_test)
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()

    noisy_thread = threading.Thread(target=draw)
    noisy_thread.start()
    try:
        noisy = fast(DropoutCNNClassifier).fit(X, y).predict_proba(X_test)
    finally:
        stop.set()
        noisy_thread.join()
    assert np.array_equal(quiet, noisy)


def test_seeding_sets_what_keras_set_random_seed_sets():
    # seeded copies keras.utils.set_random_seed less TensorFlow's cache
    # flush; if a Keras or TensorFlow release changes what seeding sets, the
    # copy must follow.
    import random

    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    from sk_lenet._seeding import seeded

    def state():
        ctx = context.context()
        return (
            global_state.get_global_attribute("global_random_seed"),
            random.random(),
            np.random.random(),  # noqa: NPY002
            ctx._seed,
            [context.internal_operation_seed() for _ in range(3)],
        )

    with seeded(11):
        ours = state()
    keras.utils.set_random_seed(11)
    try:
        assert state() == ours
    finally:
        import tensorflow as tf

        tf.random.set_seed(None)
        global_state.set_global_attribute("global_random_seed", None)
