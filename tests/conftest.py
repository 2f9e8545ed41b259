"""Shared fixtures: scikit-learn's bundled handwritten digits, split once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    sk_lenet.AirbenchClassifier,
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


# The real MNIST and CIFAR-10, and a tool that writes an offline OpenML cache of
# them, live in a folder named by SK_LENET_REAL_DATA (.ci/run sets it to the
# ../shared beside the checkout); a fresh clone without it skips those tests.
REAL_DATA_ENV = "SK_LENET_REAL_DATA"
SHARED = Path(os.environ[REAL_DATA_ENV]) if os.environ.get(REAL_DATA_ENV) else None
OPENML_TOOL = SHARED / "tools" / "openml_cache.py" if SHARED else None


def _real_home(tmp_path_factory, only):
    if OPENML_TOOL is None:
        pytest.skip(f"real data not available: {REAL_DATA_ENV} is not set")
    if not OPENML_TOOL.is_file():
        pytest.skip(f"real data not available: {OPENML_TOOL} is absent")
    home = tmp_path_factory.mktemp(f"openml_real_{only}")
    subprocess.run(
        [sys.executable, str(OPENML_TOOL), str(home), "--only", only],
        check=True,
        capture_output=True,
    )
    return home


@pytest.fixture(scope="session")
def real_mnist_home(tmp_path_factory):
    """An offline OpenML cache (data_home) holding the real mnist_784."""
    return _real_home(tmp_path_factory, "mnist_784")


@pytest.fixture(scope="session")
def real_cifar_home(tmp_path_factory):
    """An offline OpenML cache (data_home) holding the real CIFAR_10."""
    return _real_home(tmp_path_factory, "CIFAR_10")
