"""LeNetClassifier: PyImageSearch's LeNet."""

from __future__ import annotations

import numpy as np
import pytest

from sk_lenet import LeNetClassifier
from tests.conftest import fast
from tests.models import (
    assert_batch_norm_after_convolutions,
    assert_rejected,
    trainable_on_mnist,
)


def test_network_matches_the_tutorial():
    # conv 5*5*1*20+20, conv 5*5*20*50+50, dense 7*7*50*500+500, out 501*10
    assert trainable_on_mnist(LeNetClassifier()) == 520 + 25_050 + 1_225_500 + 5_010


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"filters": [4, 8], "kernel_size": (3, 5)}, 4 * 15 + 4 + 8 * 60 + 8),
        ({"filters": (2, 2), "kernel_size": 1, "activation": "tanh"}, 2 + 2 + 4 + 2),
    ],
)
def test_own_parameters_shape_the_network(params, expected):
    clf = LeNetClassifier(dense_units=3, **params)
    convs = trainable_on_mnist(clf) - (7 * 7 * clf.filters[1] * 3 + 3) - 4 * 10
    assert convs == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("filters", 5),
        ("filters", (0, 50)),
        ("filters", (20, 50, 80)),
        ("kernel_size", (5,)),
        ("dense_units", 0),
        ("activation", "relux"),
    ],
)
def test_rejects_bad_own_parameters(name, value):
    assert_rejected(LeNetClassifier(**{name: value}), name)


@pytest.mark.parametrize("as_rows", [True, False], ids=["3072 flat rows", "images"])
def test_learns_colour_32x32_images(as_rows):
    # CIFAR-sized colour images: red-dominant, green-dominant, blue-dominant.
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    X = rng.integers(0, 80, size=(60, 32, 32, 3)).astype(np.uint8)
    X[np.arange(60), :, :, y] += 170
    clf = fast(LeNetClassifier, filters=(4, 8), dense_units=16, epochs=3)
    clf.set_params(batch_size=8, optimizer="adam", learning_rate=3e-3)
    clf.fit(X.reshape(60, -1) if as_rows else X, y)
    assert clf.image_shape_ == (32, 32, 3)
    assert clf.n_features_in_ == 3072
    assert clf.score(X.reshape(60, -1) if as_rows else X, y) > 0.9


def test_batch_norm_after_each_convolution():
    assert_batch_norm_after_convolutions(LeNetClassifier, filters=(20, 50))
