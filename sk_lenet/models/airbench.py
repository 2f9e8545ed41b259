"""airbench94 (Keller Jordan 2024, KellerJordan/cifar10-airbench), the
fastest network to 94% on CIFAR-10, in Keras::

    INPUT => CONV 24@2x2 whitening (frozen) gelu
          => [CONV 64@3x3 => MAXPOOL 2 => BN gelu => CONV 64@3x3 BN gelu]
          => [CONV 256@3x3 => MAXPOOL 2 => BN gelu => CONV 256@3x3 BN gelu]
          => [CONV 256@3x3 => MAXPOOL 2 => BN gelu => CONV 256@3x3 BN gelu]
          => GLOBAL MAXPOOL => x 1/9 => FC n_classes => SOFTMAX

Trained with Nesterov SGD (momentum 0.85), batch 1024, a triangular
learning rate, label smoothing 0.2, flips and 2-pixel shifts, weight decay,
flip test-time augmentation, 10 epochs: 94% on CIFAR-10 in airbench94.
The whitening filters are the eigenvectors of the training images' 2x2
patch covariance (both signs: 2 x 12 for colour), set from the data when
the network is built and never trained; their bias centres the patches.
airbench94 also trains that bias for 3 epochs, raises the batch-norm
biases' learning rate 64-fold, averages the weights (Lookahead) and adds
shifted copies to its test-time augmentation; this network does not.
"""

from __future__ import annotations

from numbers import Integral, Real

from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet import _whitening
from sk_lenet._constraints import IntTuples
from sk_lenet.base import ImageClassifierBase

__all__ = ["AirbenchClassifier"]

WHITEN = "whiten"  # the whitening convolution's layer name


def _bn_gelu() -> list:
    # airbench94's BatchNorm: running statistics with momentum 0.6, no scale.
    return [
        layers.BatchNormalization(momentum=0.6, epsilon=1e-5, scale=False),
        layers.Activation("gelu"),
    ]


def _block(width: int, depth: int) -> list:
    """CONV 3x3 => MAXPOOL 2 => BN gelu, then ``depth - 1`` CONV 3x3 BN gelu."""

    def conv():
        return layers.Conv2D(width, 3, padding="same", use_bias=False)

    block = [conv(), layers.MaxPooling2D(2), *_bn_gelu()]
    for _ in range(depth - 1):
        block += [conv(), *_bn_gelu()]
    return block


class AirbenchClassifier(ImageClassifierBase):
    """airbench94: patch whitening, three conv-pool-BN-GELU blocks.

    The defaults are airbench94's recipe, for 32x32 colour images (CIFAR-10).
    Its learning rate and weight decay are airbench94's translated to Keras'
    mean loss over the batch and decoupled weight decay.

    Parameters
    ----------
    widths : tuple of 3 int, default=(64, 256, 256)
        Filters of the convolutions of each block.
    depth : int, default=2
        Convolutions per block.
    weight_decay : float or None, default=0.009
        The optimizer's decoupled weight decay, per step and unit learning
        rate; None keeps the optimizer's own.
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from sk_lenet import AirbenchClassifier
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.integers(0, 256, (64, 32, 32, 3)), np.arange(64) % 2
    >>> clf = AirbenchClassifier(widths=(8, 16, 16), epochs=1, random_state=0)
    >>> clf.fit(X, y).predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "widths": [IntTuples(3)],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        widths=(64, 256, 256),
        depth=2,
        weight_decay=0.009,
        *,
        optimizer="nesterov",
        learning_rate=1.5,
        momentum=0.85,
        epochs=10,
        batch_size=1024,
        augment="airbench",
        lr_schedule="triangular",
        label_smoothing=0.2,
        tta=True,
        **kwargs,
    ):
        super().__init__(
            optimizer=optimizer,
            learning_rate=learning_rate,
            momentum=momentum,
            epochs=epochs,
            batch_size=batch_size,
            augment=augment,
            lr_schedule=lr_schedule,
            label_smoothing=label_smoothing,
            tta=tta,
            **kwargs,
        )
        self.widths = widths
        self.depth = depth
        self.weight_decay = weight_decay

    def _layers(self):
        whiten = 2 * 2 * 2 * self.image_shape_[-1]  # 2x2 patches, both signs
        return [
            layers.Conv2D(whiten, 2, trainable=False, name=WHITEN),
            layers.Activation("gelu"),
            *[layer for width in self.widths for layer in _block(width, self.depth)],
            layers.GlobalMaxPooling2D(),
            layers.Rescaling(1 / 9),  # airbench94's logit scale
        ]

    def _init_from_data(self, X):
        _whitening.adapt(self.model_, WHITEN, X)
