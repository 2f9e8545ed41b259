"""DropoutCNNClassifier: the Keras MNIST dropout baseline."""

from __future__ import annotations

import numpy as np
import pytest

from sk_lenet import DropoutCNNClassifier
from tests.conftest import fast
from tests.models import (
    assert_batch_norm_after_convolutions,
    assert_rejected,
    trainable_on_mnist,
)


def test_network_matches_the_tutorial():
    # conv 3*3*32+32, conv 3*3*32*64+64, dense 12*12*64*128+128, out 129*10
    assert trainable_on_mnist(DropoutCNNClassifier()) == (
        320 + 18_496 + 1_179_776 + 1_290
    )


def test_dropout_rates_reach_the_layers():
    clf = DropoutCNNClassifier(dropout=(0.0, 0.75))
    clf.initialize(np.zeros((10, 784), dtype=np.uint8), np.arange(10))
    rates = [layer.rate for layer in clf.model_.layers if hasattr(layer, "rate")]
    assert rates == [0.0, 0.75]


def test_fits_colour_images():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(24, 32, 32, 3)).astype(np.uint8)
    clf = fast(DropoutCNNClassifier, filters=(4, 4), dense_units=8, batch_size=8)
    clf.fit(X, np.arange(24) % 2)
    assert clf.predict_proba(X).shape == (24, 2)


@pytest.mark.parametrize(
    ("name", "value"),
    [("dropout", 1.5), ("dropout", (0.25, 1.0)), ("dropout", (0.5,)), ("filters", 32)],
)
def test_rejects_bad_own_parameters(name, value):
    assert_rejected(DropoutCNNClassifier(**{name: value}), name)


def test_batch_norm_after_each_convolution():
    assert_batch_norm_after_convolutions(DropoutCNNClassifier, filters=(32, 64))
