"""sk_lenet: the classic Keras image classifiers as scikit-learn estimators.

>>> from sk_lenet import LeNetClassifier
>>> LeNetClassifier()
LeNetClassifier()
"""

from sk_lenet._tf import quiet_import_tensorflow

quiet_import_tensorflow()

from sk_lenet.models import (  # noqa: E402
    DropoutCNNClassifier,
    FeedForwardClassifier,
    LeNet5Classifier,
    LeNetClassifier,
    SimplifiedLeNetClassifier,
)
from sk_lenet.preprocessing import ImageReshaper, PixelScaler  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DropoutCNNClassifier",
    "FeedForwardClassifier",
    "ImageReshaper",
    "LeNet5Classifier",
    "LeNetClassifier",
    "PixelScaler",
    "SimplifiedLeNetClassifier",
    "__version__",
]
