"""The feed-forward networks of PyImageSearch's "Keras MNIST / CIFAR-10"
tutorial, a multilayer perceptron on raw pixels::

    MNIST:    INPUT 784  => FC 256 sigmoid => FC 128 sigmoid => FC 10 => SOFTMAX
              SGD 0.01, 100 epochs, batch 128: 92%
    CIFAR-10: INPUT 3072 => FC 1024 relu => FC 512 relu => FC 10 => SOFTMAX
              SGD 0.01, 100 epochs, batch 32: 57%
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet._constraints import Activations, IntTuples
from sk_lenet.base import ImageClassifierBase

__all__ = ["FeedForwardClassifier"]

# scikit-learn's MLPClassifier names → Keras activation names
_ACTIVATIONS = {"logistic": "sigmoid", "identity": "linear"}


class FeedForwardClassifier(ImageClassifierBase):
    """Multilayer perceptron on flattened pixels (the tutorial's MLP).

    The defaults reproduce the MNIST setup; the CIFAR-10 one is
    ``FeedForwardClassifier(hidden_layer_sizes=(1024, 512), activation="relu",
    batch_size=32)``.  Parameters that mean what they mean in scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier` carry its names
    (``optimizer`` is its ``solver``, ``learning_rate`` its
    ``learning_rate_init``).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Units of each hidden layer, as in ``MLPClassifier`` (an int is one
        layer).
    activation : str, default="logistic"
        Hidden-layer activation: ``MLPClassifier``'s names (``"logistic"``,
        ``"tanh"``, ``"relu"``, ``"identity"``) or any Keras activation
        (``"sigmoid"`` is ``"logistic"``).
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import FeedForwardClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = FeedForwardClassifier(epochs=2, random_state=0).fit(X, y)
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "hidden_layer_sizes": [
            Interval(Integral, 1, None, closed="left"),
            IntTuples(None),
        ],
        "activation": [Activations(aliases=tuple(_ACTIVATIONS))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 128),
        activation="logistic",
        *,
        optimizer="sgd",
        learning_rate=0.01,
        epochs=100,
        batch_size=128,
        **kwargs,
    ):
        super().__init__(
            optimizer=optimizer,
            learning_rate=learning_rate,
            epochs=epochs,
            batch_size=batch_size,
            **kwargs,
        )
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation

    def _layers(self):
        act = _ACTIVATIONS.get(self.activation, self.activation)
        sizes = np.atleast_1d(self.hidden_layer_sizes).tolist()  # 16 means (16,)
        return [
            layers.Flatten(),
            *(layers.Dense(units, activation=act) for units in sizes),
        ]
