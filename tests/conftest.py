"""Shared fixtures: scikit-learn's bundled handwritten digits, split once."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import sk_lenet

ESTIMATORS = [
    sk_lenet.LeNetClassifier,
    sk_lenet.LeNet5Classifier,
    sk_lenet.SimplifiedLeNetClassifier,
    sk_lenet.DropoutCNNClassifier,
    sk_lenet.FeedForwardClassifier,
]


@pytest.fixture(scope="session")
def digits():
    """(X_train, X_test, y_train, y_test): 8x8 digits as uint8 0..255 rows."""
    X, y = load_digits(return_X_y=True)
    X = np.round(X * 255 / 16).astype(np.uint8)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="session")
def small_digits(digits):
    """A 300-image training subset and 100 test images, for fast fits."""
    X_train, X_test, y_train, y_test = digits
    return X_train[:300], X_test[:100], y_train[:300], y_test[:100]


def fast(cls, **params):
    """An estimator of ``cls`` configured to train in about a second."""
    defaults = {"epochs": 1, "batch_size": 32, "random_state": 0}
    return cls(**{**defaults, **params})
