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
As in airbench94, the batch norms have no scale and a bias that learns
``bias_scaler`` (64) times faster than the other weights, and each 3x3
convolution starts as the identity on its first input channels (dirac).
Each epoch trains on whole batches only, as airbench94's loader does.
airbench94 also trains the whitening bias for 3 epochs, averages the
weights (Lookahead) and adds shifted copies to its test-time augmentation;
this network does not.
"""

from __future__ import annotations

from numbers import Integral, Real

import keras
import numpy as np
from keras import layers
from sklearn.utils._param_validation import Interval

from sk_lenet import _whitening
from sk_lenet._constraints import IntTuples
from sk_lenet.base import ImageClassifierBase

__all__ = ["AirbenchClassifier"]

WHITEN = "whiten"  # the whitening convolution's layer name


@keras.saving.register_keras_serializable(package="sk_lenet")
class ScaledBias(layers.Layer):
    """``x + scale * b``: a bias whose learning rate is ``scale**2`` times
    the optimizer's, its (decoupled) weight decay unchanged.

    airbench94's faster batch-norm biases, as a reparametrization: one
    optimizer, one learning rate, for every weight."""

    def __init__(self, scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def build(self, input_shape):
        self.bias = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", name="bias"
        )

    def call(self, x):
        return x + keras.ops.cast(self.scale * self.bias, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="sk_lenet")
class Dirac(keras.initializers.Initializer):
    """A convolution kernel whose first ``min(in, out)`` filters pass their
    own input channel through unchanged (PyTorch's ``dirac_``), the others
    Glorot-uniform: an identity start, a residual without the shortcut."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        height, width, n_in, n_out = shape
        n = min(n_in, n_out)
        eye = np.zeros(shape, dtype="float32")
        eye[height // 2, width // 2, np.arange(n), np.arange(n)] = 1
        identity = np.zeros(shape, dtype=bool)
        identity[..., :n] = True
        glorot = keras.initializers.GlorotUniform(self.seed)(shape, dtype)
        return keras.ops.where(identity, keras.ops.cast(eye, glorot.dtype), glorot)

    def get_config(self) -> dict:
        return {"seed": self.seed}


def _bn_gelu(bias_scaler: float) -> list:
    # airbench94's BatchNorm: running statistics with momentum 0.6, no
    # scale, a fast bias.
    return [
        layers.BatchNormalization(
            momentum=0.6, epsilon=1e-5, scale=False, center=False
        ),
        ScaledBias(bias_scaler**0.5),
        layers.Activation("gelu"),
    ]


def _block(width: int, depth: int, bias_scaler: float, identity_init: bool) -> list:
    """CONV 3x3 => MAXPOOL 2 => BN gelu, then ``depth - 1`` CONV 3x3 BN gelu."""

    def conv():
        init = Dirac() if identity_init else "glorot_uniform"
        return layers.Conv2D(
            width, 3, padding="same", use_bias=False, kernel_initializer=init
        )

    block = [conv(), layers.MaxPooling2D(2), *_bn_gelu(bias_scaler)]
    for _ in range(depth - 1):
        block += [conv(), *_bn_gelu(bias_scaler)]
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
    bias_scaler : float, default=64.0
        The batch-norm biases learn this many times faster than the other
        weights (their weight decay is the same); 1 for no difference.
    identity_init : bool, default=True
        Start each 3x3 convolution as the identity on its first input
        channels (airbench94's dirac initialisation); False: Glorot-uniform.
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

    # As airbench94's loader: its batch norms (momentum 0.6) weigh the last
    # batch of an epoch 40%, so a small partial batch (40000 images at batch
    # 1024 leave 64) would make their statistics those of 64 images.
    _drop_partial_batch = True

    _parameter_constraints: dict = {
        **ImageClassifierBase._parameter_constraints,
        "widths": [IntTuples(3)],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left"), None],
        "bias_scaler": [Interval(Real, 0, None, closed="neither")],
        "identity_init": ["boolean"],
    }

    def __init__(
        self,
        widths=(64, 256, 256),
        depth=2,
        weight_decay=0.009,
        bias_scaler=64.0,
        identity_init=True,
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
        self.bias_scaler = bias_scaler
        self.identity_init = identity_init

    def _layers(self):
        whiten = 2 * 2 * 2 * self.image_shape_[-1]  # 2x2 patches, both signs
        return [
            layers.Conv2D(whiten, 2, trainable=False, name=WHITEN),
            layers.Activation("gelu"),
            *[
                layer
                for width in self.widths
                for layer in _block(
                    width, self.depth, self.bias_scaler, self.identity_init
                )
            ],
            layers.GlobalMaxPooling2D(),
            layers.Rescaling(1 / 9),  # airbench94's logit scale
        ]

    def _init_from_data(self, X):
        _whitening.adapt(self.model_, WHITEN, X)
