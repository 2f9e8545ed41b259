"""Each network against its tutorial's diagram, and its own hyperparameters."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

MNIST_ROWS = np.zeros((10, 784), dtype=np.uint8)
TEN_CLASSES = np.arange(10)


def trainable_on_mnist(clf) -> int:
    """Trainable weights of ``clf``'s network built for 28x28x1, 10 classes."""
    model = clf.initialize(MNIST_ROWS, TEN_CLASSES).model_
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def assert_rejected(clf, name: str) -> None:
    """``fit`` refuses ``clf``'s ``name`` with scikit-learn's message."""
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of"):
        clf.fit(MNIST_ROWS, TEN_CLASSES)


def assert_batch_norm_after_convolutions(cls, filters) -> None:
    """``batch_norm=True`` puts BatchNormalization between every convolution
    of ``cls``'s network and its activation, and changes nothing else: the
    convolutions lose their biases, each normalization adds a scale and an
    offset per filter."""
    model = cls(batch_norm=True).initialize(MNIST_ROWS, TEN_CLASSES).model_
    kinds = [type(layer).__name__ for layer in model.layers]
    convs = [i for i, kind in enumerate(kinds) if kind == "Conv2D"]
    assert len(convs) == len(filters)
    for i in convs:
        assert kinds[i + 1 : i + 3] == ["BatchNormalization", "Activation"]
        assert not model.layers[i].use_bias
    plain = cls().initialize(MNIST_ROWS, TEN_CLASSES).model_
    assert "BatchNormalization" not in [type(layer).__name__ for layer in plain.layers]
    added = trainable_on_mnist(cls(batch_norm=True)) - trainable_on_mnist(cls())
    assert added == sum(filters)  # -bias +gamma +beta per filter
