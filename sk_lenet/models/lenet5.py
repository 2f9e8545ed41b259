"""LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998) as the "LeNet-5 in Keras"
tutorial builds it::

    INPUT => [ZERO-PAD] => CONV 6@5x5 [BN] tanh => AVGPOOL 2
          => CONV 16@5x5 [BN] tanh => AVGPOOL 2
          => FC 120 tanh => FC 84 tanh => FC n_classes => SOFTMAX

Trained with SGD, learning rate 0.1, 10 epochs, batch 128: 98.57% on MNIST.
The paper zero-pads MNIST's 28x28 digits to 32x32 (``zero_padding=2``); the
tutorial feeds 28x28 as they are (the default).
``[BN]``: batch normalization before the activation, with ``batch_norm=True``
only.
"""

from __future__ import annotations

from numbers import Integral

from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet._constraints import Activations, IntTuples, KernelSizes
from sk_lenet._network import conv
from sk_lenet.base import ImageClassifierBase

__all__ = ["LeNet5Classifier"]


class LeNet5Classifier(ImageClassifierBase):
    """LeNet-5: tanh convolutions, average pooling, dense 120 and 84.

    The defaults reproduce the "LeNet-5 in Keras" tutorial (SGD, learning
    rate 0.1, 10 epochs, batch 128).

    Parameters
    ----------
    filters : tuple of int, default=(6, 16)
        Filters of the two 'valid' convolutions.
    kernel_size : int or tuple of int, default=5
        Kernel size of both convolutions.
    dense_units : tuple of int, default=(120, 84)
        Units of the two fully connected hidden layers.
    activation : str, default="tanh"
        Activation of the convolutions and dense layers.
    zero_padding : int, default=0
        Zero pixels added on every side of the input; 2 turns MNIST's 28x28
        into the paper's 32x32.
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import LeNet5Classifier
    >>> X, y = load_digits(return_X_y=True)
    >>> LeNet5Classifier(epochs=1, random_state=0).fit(X, y).predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "filters": [IntTuples(2)],
        "kernel_size": [KernelSizes()],
        "dense_units": [IntTuples(2)],
        "activation": [Activations()],
        "batch_norm": ["boolean"],
        "zero_padding": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        filters=(6, 16),
        kernel_size=5,
        dense_units=(120, 84),
        activation="tanh",
        zero_padding=0,
        *,
        batch_norm=False,
        optimizer="sgd",
        learning_rate=0.1,
        epochs=10,
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
        self.zero_padding = zero_padding
        self.batch_norm = batch_norm

    def _layers(self):
        (f1, f2), (d1, d2), act = self.filters, self.dense_units, self.activation
        k, bn = self.kernel_size, self.batch_norm
        return [
            layers.ZeroPadding2D(self.zero_padding),
            *conv(f1, k, act, bn),
            layers.AveragePooling2D(pool_size=2, strides=2),
            *conv(f2, k, act, bn),
            layers.AveragePooling2D(pool_size=2, strides=2),
            layers.Flatten(),
            layers.Dense(d1, activation=act),
            layers.Dense(d2, activation=act),
        ]
