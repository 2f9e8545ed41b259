"""One module per network, each readable against its tutorial's diagram."""

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

from sk_lenet.models.airbench import AirbenchClassifier
from sk_lenet.models.dropout_cnn import DropoutCNNClassifier
from sk_lenet.models.feed_forward import FeedForwardClassifier
from sk_lenet.models.lenet import LeNetClassifier
from sk_lenet.models.lenet5 import LeNet5Classifier
from sk_lenet.models.simplified_lenet import SimplifiedLeNetClassifier

__all__ = [
    "AirbenchClassifier",
    "DropoutCNNClassifier",
    "FeedForwardClassifier",
    "LeNet5Classifier",
    "LeNetClassifier",
    "SimplifiedLeNetClassifier",
]
