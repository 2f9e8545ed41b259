"""SimplifiedLeNetClassifier: Intel's workshop network."""

from __future__ import annotations

import pytest

from sk_lenet import SimplifiedLeNetClassifier
from tests.models import (
    assert_batch_norm_after_convolutions,
    assert_rejected,
    trainable_on_mnist,
)


def test_network_matches_the_tutorial():
    # conv 3*3*32+32, dense 13*13*32*128+128, out 129*10
    assert trainable_on_mnist(SimplifiedLeNetClassifier()) == 320 + 692_352 + 1_290


@pytest.mark.parametrize(
    ("name", "value"),
    [("filters", (32, 64)), ("filters", 0), ("kernel_size", (3, 3, 3))],
)
def test_rejects_bad_own_parameters(name, value):
    assert_rejected(SimplifiedLeNetClassifier(**{name: value}), name)


def test_batch_norm_after_each_convolution():
    assert_batch_norm_after_convolutions(SimplifiedLeNetClassifier, filters=(32,))
