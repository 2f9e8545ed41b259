"""The Keras dropout CNN baseline ("CNN with Keras in Python")::

    INPUT => CONV 32@3x3 [BN] relu => CONV 64@3x3 [BN] relu => MAXPOOL 2
          => DROPOUT 0.25
          => FC 128 relu => DROPOUT 0.5 => FC n_classes => SOFTMAX

Trained with Adam, 3 epochs, batch 128, 20% of the training data held out for
validation: 98.87% on MNIST.
``[BN]``: batch normalization before the activation, with ``batch_norm=True``
only.
"""

from __future__ import annotations

from numbers import Integral

from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet._constraints import Activations, IntTuples, KernelSizes, RateTuples
from sk_lenet._network import conv
from sk_lenet.base import ImageClassifierBase

__all__ = ["DropoutCNNClassifier"]


class DropoutCNNClassifier(ImageClassifierBase):
    """Two 3x3 convolutions, max pooling and dropout: the Keras MNIST baseline.

    The defaults reproduce the tutorial (Adam with Keras' default learning
    rate 0.001, 3 epochs, batch 128), including its 20% validation split
    (``val_loss`` and ``val_accuracy`` in ``history_``;
    ``validation_fraction=0`` trains on everything).

    Parameters
    ----------
    filters : tuple of int, default=(32, 64)
        Filters of the two convolutions.
    kernel_size : int or tuple of int, default=3
        Kernel size of both convolutions.
    dense_units : int, default=128
        Units of the fully connected hidden layer.
    activation : str, default="relu"
        Activation of the convolutions and the dense layer.
    dropout : tuple of float, default=(0.25, 0.5)
        Dropout rates after the pooling and after the dense layer.
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import DropoutCNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DropoutCNNClassifier(epochs=1, random_state=0).fit(X, y)
    >>> sorted(clf.history_)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    """

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "filters": [IntTuples(2)],
        "kernel_size": [KernelSizes()],
        "dense_units": [Interval(Integral, 1, None, closed="left")],
        "activation": [Activations()],
        "batch_norm": ["boolean"],
        "dropout": [RateTuples(2)],
    }

    def __init__(
        self,
        filters=(32, 64),
        kernel_size=3,
        dense_units=128,
        activation="relu",
        dropout=(0.25, 0.5),
        *,
        batch_norm=False,
        optimizer="adam",
        learning_rate=0.001,
        epochs=3,
        batch_size=128,
        validation_fraction=0.2,
        **kwargs,
    ):
        super().__init__(
            optimizer=optimizer,
            learning_rate=learning_rate,
            epochs=epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            **kwargs,
        )
        self.filters = filters
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm

    def _layers(self):
        (f1, f2), (drop_conv, drop_dense) = self.filters, self.dropout
        k, act, bn = self.kernel_size, self.activation, self.batch_norm
        return [
            *conv(f1, k, act, bn),
            *conv(f2, k, act, bn),
            layers.MaxPooling2D(pool_size=2),
            layers.Dropout(drop_conv),
            layers.Flatten(),
            layers.Dense(self.dense_units, activation=self.activation),
            layers.Dropout(drop_dense),
        ]
