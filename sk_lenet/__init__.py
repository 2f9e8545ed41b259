"""sk_lenet: the classic Keras image classifiers as scikit-learn estimators.

The estimators and transformers are imported on first use, so that
``import sk_lenet`` and ``sk_lenet.datasets`` stay fast: TensorFlow (several
seconds to import) loads only when a network is needed.

>>> from sk_lenet import LeNetClassifier
>>> LeNetClassifier()
LeNetClassifier()
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if "tensorflow" not in sys.modules:
    # TensorFlow reads this once, when it loads: set it now, so that it also
    # applies where the user's own ``import tensorflow`` (or ``keras``) comes
    # after ``import sk_lenet`` and before the first estimator (see _tf.py).
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

_LAZY = {
    "AirbenchClassifier": "sk_lenet.models",
    "DropoutCNNClassifier": "sk_lenet.models",
    "FeedForwardClassifier": "sk_lenet.models",
    "LeNet5Classifier": "sk_lenet.models",
    "LeNetClassifier": "sk_lenet.models",
    "SimplifiedLeNetClassifier": "sk_lenet.models",
    "ImageClassifierBase": "sk_lenet.base",
    "ImageReshaper": "sk_lenet.preprocessing",
    "PixelScaler": "sk_lenet.preprocessing",
    "save_model": "sk_lenet.persistence",
    "load_model": "sk_lenet.persistence",
    "export_onnx": "sk_lenet.export",
}

__all__ = [
    "AirbenchClassifier",
    "DropoutCNNClassifier",
    "FeedForwardClassifier",
    "ImageClassifierBase",
    "ImageReshaper",
    "LeNet5Classifier",
    "LeNetClassifier",
    "PixelScaler",
    "SimplifiedLeNetClassifier",
    "__version__",
    "export_onnx",
    "load_model",
    "save_model",
]

if TYPE_CHECKING:  # pragma: no cover
    from sk_lenet.base import ImageClassifierBase
    from sk_lenet.export import export_onnx
    from sk_lenet.models import (
        AirbenchClassifier,
        DropoutCNNClassifier,
        FeedForwardClassifier,
        LeNet5Classifier,
        LeNetClassifier,
        SimplifiedLeNetClassifier,
    )
    from sk_lenet.persistence import load_model, save_model
    from sk_lenet.preprocessing import ImageReshaper, PixelScaler


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sk_lenet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
