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
