"""LeNet5Classifier: LeCun's 1998 LeNet-5."""

from __future__ import annotations

import pytest

from sk_lenet import LeNet5Classifier
from tests.models import (
    assert_batch_norm_after_convolutions,
    assert_rejected,
    trainable_on_mnist,
)


def test_network_matches_the_tutorial():
    # conv 5*5*6+6, conv 5*5*6*16+16, dense 4*4*16*120+120, 121*84, 85*10
    assert trainable_on_mnist(LeNet5Classifier()) == (
        156 + 2_416 + 30_840 + 10_164 + 850
    )


def test_paper_padding_adds_pixels():
    # 28x28 padded by 2 is 32x32: the first dense layer sees 5x5x16, not 4x4x16.
    padded = trainable_on_mnist(LeNet5Classifier(zero_padding=2))
    assert padded - trainable_on_mnist(LeNet5Classifier()) == (25 - 16) * 16 * 120


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("filters", 6),
        ("dense_units", 120),
        ("dense_units", (120, 0)),
        ("kernel_size", -1),
        ("zero_padding", -2),
        ("zero_padding", 1.5),
        ("activation", 3),
    ],
)
def test_rejects_bad_own_parameters(name, value):
    assert_rejected(LeNet5Classifier(**{name: value}), name)


def test_batch_norm_after_each_convolution():
    assert_batch_norm_after_convolutions(LeNet5Classifier, filters=(6, 16))
