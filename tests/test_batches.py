"""sk_lenet._batches: the batch feed and the eager-or-traced choice."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from sk_lenet import (
    FeedForwardClassifier,
    LeNet5Classifier,
    _batches,
)
from tests.conftest import fast


def _loops(clf):
    """The network's training loops, {(eager, batch size, specs): loop}."""
    return clf.model_.__dict__.get(_batches._RUNNERS, {})


def _traced_loops(clf):
    return [loop for (eager, *_), loop in _loops(clf).items() if not eager]


def test_a_larger_fit_after_an_eager_one_is_traced(small_digits):
    # The first training of a network decides eager or traced; a one-step
    # eager partial_fit must not make the next, larger one eager too.
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier)  # batch 32
    clf.partial_fit(X[:32], y[:32])  # 1 step: eager
    assert clf.model_.run_eagerly and _loops(clf) and not _traced_loops(clf)
    clf.partial_fit(X, y)  # 10 steps: traced
    (traced,) = _traced_loops(clf)
    assert not clf.model_.run_eagerly
    clf.partial_fit(X[:32], y[:32])  # a traced network stays traced
    assert not clf.model_.run_eagerly and _traced_loops(clf) == [traced]
    assert traced.experimental_get_tracing_count() == 1
    assert clf.current_epoch == 3 and len(clf.history_["loss"]) == 3


def test_only_a_new_networks_first_small_fit_is_eager(small_digits):
    # A loop of one-batch partial_fit calls: the first runs eagerly (no trace
    # for a one-off tiny fit), every later one through one traced loop.
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier)  # batch 32
    clf.partial_fit(X[:32], y[:32])
    assert clf.model_.run_eagerly
    for start in (32, 64, 96):
        clf.partial_fit(X[start : start + 32], y[start : start + 32])
        assert not clf.model_.run_eagerly
    (traced,) = _traced_loops(clf)
    assert traced.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n", [32, 100], ids=["one batch", "four batches"])
def test_graph_batches_match_keras_feed(small_digits, weighted, n, monkeypatch):
    # Batches gathered inside the traced step train exactly as Keras' own
    # array feed of the same batches in the same order (shuffle=False): the
    # same weights and losses up to float round-off, eager and traced.
    import tensorflow as tf

    X, _, y, _ = small_digits
    weights = np.linspace(0.5, 2.0, n) if weighted else None
    given = []
    keras_fit = keras.Model.fit

    def spy(model, x=None, *args, **kwargs):
        given.append(type(x))
        return keras_fit(model, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)

    def train():
        clf = fast(LeNet5Classifier, epochs=2, activation="relu", shuffle=False)
        clf.fit(X[:n], y[:n], sample_weight=weights)  # eager
        for start in (n, 2 * n):  # traced
            clf.partial_fit(
                X[start : start + n], y[start : start + n], sample_weight=weights
            )
        return clf

    in_graph = train()
    assert all(issubclass(kind, tf.data.Dataset) for kind in given)
    monkeypatch.setattr(_batches, "batch_feed", lambda *a: None)
    given.clear()
    arrays = train()
    assert given == [np.ndarray] * 3
    for w_graph, w_arrays in zip(
        in_graph.model_.get_weights(), arrays.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(w_graph, w_arrays, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        in_graph.history_["loss"], arrays.history_["loss"], rtol=1e-5
    )
    assert in_graph.current_epoch == arrays.current_epoch == 4


def test_keras_feed_only_where_asked_for(small_digits):
    X, _, y, _ = small_digits
    lenet5 = fast(LeNet5Classifier).fit(X, y)

    def feed(kwargs):
        return _batches.batch_feed(lenet5.model_, (X, y), 32, True, kwargs, 0)

    for shuffle in (True, False):
        assert feed({"shuffle": shuffle}) is not None
    for kwargs in (
        {"validation_split": 0.5},
        {"class_weight": {0: 2.0}},
        {"steps_per_epoch": 2},
        {"shuffle": "batch"},
    ):
        assert feed(kwargs) is None
    # Keras' class_weight in a one-batch call that lacks classes: its tf.data
    # lookup would fail on the labels above the largest key; arrays work.
    lenet5.partial_fit(X[:32], y[:32], class_weight={0: 5.0})
    lenet5.fit(X, y, steps_per_epoch=3)


def test_seeded_fits_reshuffle_every_epoch(small_digits):
    # Under a global seed Keras' own array shuffle repeats its first order in
    # every epoch; sk_lenet draws a new order per epoch, the same sequence of
    # orders for the same seed.
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier, batch_size=5).fit(X[:40], y[:40])

    def epoch_orders(seed, **kwargs):
        feed = _batches.batch_feed(clf.model_, (X[:20], y[:20]), 5, True, kwargs, seed)
        return [feed.draw_order() for _ in range(3)]

    first, again = epoch_orders(7), epoch_orders(7)
    assert all(sorted(order) == list(range(20)) for order in first)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], first[2])
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(epoch_orders(8)[0], first[0])
    assert all(
        np.array_equal(order, np.arange(20)) for order in epoch_orders(7, shuffle=False)
    )


def test_steps_per_epoch_with_and_without_the_partial_batch():
    assert _batches.steps_per_epoch(40000, 1024) == 40  # 39 whole, 64 left
    assert _batches.steps_per_epoch(40000, 1024, drop_partial=True) == 39
    assert _batches.steps_per_epoch(2048, 1024, drop_partial=True) == 2
    assert _batches.steps_per_epoch(100, 1024, drop_partial=True) == 1  # never 0


def test_dropping_the_partial_batch_trains_whole_batches_only(small_digits):
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier, batch_size=16, epochs=2)
    clf._drop_partial_batch = True  # as AirbenchClassifier sets it
    clf.fit(X[:40], y[:40])
    # 2 whole batches of 16 per epoch (8 images left out, others each epoch)
    assert int(clf.model_.optimizer.iterations) == 4
    feed = _batches.batch_feed(
        clf.model_, (X[:40], y[:40]), 16, True, {}, 0, drop_partial=True
    )
    assert feed.num_batches == 2
    left_out = [set(feed.draw_order()[32:]) for _ in range(3)]
    assert left_out[0] != left_out[1] != left_out[2]
