"""LeNet as PyImageSearch teaches it (Rosebrock, "LeNet - Convolutional
Neural Network in Python", 2016)::

    INPUT => CONV 20@5x5 'same' [=> BN] => ACT => MAXPOOL 2
          => CONV 50@5x5 'same' [=> BN] => ACT => MAXPOOL 2
          => FC 500 => ACT => FC n_classes => SOFTMAX

Trained with SGD, learning rate 0.01, 20 epochs, batch 128: 98.49% on MNIST.
``[=> BN]``: batch normalization, with ``batch_norm=True`` only.
"""

from __future__ import annotations

from numbers import Integral

from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet._constraints import Activations, IntTuples, KernelSizes
from sk_lenet._network import conv
from sk_lenet.base import ImageClassifierBase

__all__ = ["LeNetClassifier"]


class LeNetClassifier(ImageClassifierBase):
    """LeNet (PyImageSearch): two conv/pool blocks and a 500-unit dense layer.

    The defaults reproduce the tutorial: ``LeNetClassifier().fit(X, y)`` on
    MNIST trains its network with its optimizer and schedule (SGD, learning
    rate 0.01, 20 epochs, batch 128).

    Parameters
    ----------
    filters : tuple of int, default=(20, 50)
        Filters of the first and second convolution.
    kernel_size : int or tuple of int, default=5
        Size of both convolutions' kernels (``(5, 5)`` and ``5`` are the same).
    dense_units : int, default=500
        Units of the fully connected hidden layer.
    activation : str, default="relu"
        Activation after every convolution and the dense layer; the tutorial
        notes LeCun's original ``"tanh"``.
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    LeNet5Classifier : LeCun's 1998 LeNet-5 (tanh, average pooling).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import LeNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "filters": [IntTuples(2)],
        "kernel_size": [KernelSizes()],
        "dense_units": [Interval(Integral, 1, None, closed="left")],
        "activation": [Activations()],
        "batch_norm": ["boolean"],
    }

    def __init__(
        self,
        filters=(20, 50),
        kernel_size=5,
        dense_units=500,
        activation="relu",
        *,
        batch_norm=False,
        optimizer="sgd",
        learning_rate=0.01,
        epochs=20,
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
        (f1, f2), k, act = self.filters, self.kernel_size, self.activation
        same = {"batch_norm": self.batch_norm, "separate_activation": True}
        return [
            *conv(f1, k, act, **same, padding="same"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            *conv(f2, k, act, **same, padding="same"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            layers.Flatten(),
            layers.Dense(self.dense_units),
            layers.Activation(self.activation),
        ]
