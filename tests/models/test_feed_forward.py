"""FeedForwardClassifier: the tutorial's multilayer perceptron."""

from __future__ import annotations

import pytest

from sk_lenet import FeedForwardClassifier
from tests.models import assert_rejected, trainable_on_mnist


def test_network_matches_the_tutorial():
    # 785*256, 257*128, 129*10
    assert trainable_on_mnist(FeedForwardClassifier()) == 200_960 + 32_896 + 1_290


@pytest.mark.parametrize(
    ("hidden_layer_sizes", "activation", "expected"),
    [
        (16, "logistic", 785 * 16 + 17 * 10),
        ([16, 8], "identity", 785 * 16 + 17 * 8 + 9 * 10),
        ((4,), "relu", 785 * 4 + 5 * 10),
    ],
)
def test_mlpclassifier_spellings(hidden_layer_sizes, activation, expected):
    clf = FeedForwardClassifier(hidden_layer_sizes, activation)
    assert trainable_on_mnist(clf) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hidden_layer_sizes", ()),
        ("hidden_layer_sizes", 0),
        ("hidden_layer_sizes", (16, -1)),
        ("activation", "softplusx"),
    ],
)
def test_rejects_bad_own_parameters(name, value):
    assert_rejected(FeedForwardClassifier(**{name: value}), name)
