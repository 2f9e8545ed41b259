"""The "simplified LeNet" of Intel's smart-video-workshop: one convolution
block instead of LeNet's two, to train fast on a CPU::

    INPUT => CONV 32@3x3 [BN] relu => MAXPOOL 2
          => FC 128 relu => FC n_classes => SOFTMAX

Trained with Adam, 5 epochs, batch 128: 98.54% on MNIST in under 2 minutes.
``[BN]``: batch normalization before the activation, with ``batch_norm=True``
only.
"""

from __future__ import annotations

from numbers import Integral

from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet._constraints import Activations, KernelSizes
from sk_lenet._network import conv
from sk_lenet.base import ImageClassifierBase

__all__ = ["SimplifiedLeNetClassifier"]


class SimplifiedLeNetClassifier(ImageClassifierBase):
    """Simplified LeNet: one 3x3 convolution, max pooling, dense 128.

    The defaults reproduce the Intel workshop tutorial (Adam with Keras'
    default learning rate 0.001, 5 epochs, batch 128).

    Parameters
    ----------
    filters : int, default=32
        Filters of the convolution.
    kernel_size : int or tuple of int, default=3
        Kernel size of the convolution.
    dense_units : int, default=128
        Units of the fully connected hidden layer.
    activation : str, default="relu"
        Activation of the convolution and the dense layer.
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import SimplifiedLeNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SimplifiedLeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [KernelSizes()],
        "dense_units": [Interval(Integral, 1, None, closed="left")],
        "activation": [Activations()],
        "batch_norm": ["boolean"],
    }

    def __init__(
        self,
        filters=32,
        kernel_size=3,
        dense_units=128,
        activation="relu",
        *,
        batch_norm=False,
        optimizer="adam",
        learning_rate=0.001,
        epochs=5,
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
        self.filters = filters
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.activation = activation
        self.batch_norm = batch_norm

    def _layers(self):
        return [
            *conv(self.filters, self.kernel_size, self.activation, self.batch_norm),
            layers.MaxPooling2D(pool_size=2),
            layers.Flatten(),
            layers.Dense(self.dense_units, activation=self.activation),
        ]
