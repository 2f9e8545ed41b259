"""The plain-Keras peer of ``AirbenchClassifier``: the same network and
recipe written against the public Keras 3 API only, with no sk_lenet import.

airbench94's network (Keller Jordan 2024, KellerJordan/cifar10-airbench) as
``AirbenchClassifier`` builds it: a frozen 2x2 patch-whitening convolution
whose weights are computed in NumPy from the training images, three
conv-pool-BN-GELU blocks (batch norms without scale, their biases learning
64 times faster through an ``x + 8 b`` layer; 3x3 convolutions starting as
the identity on their first input channels), global max pooling, a 1/9
scale and a softmax layer.  The recipe as the estimator's defaults: Nesterov
SGD (momentum 0.85, learning rate 1.5 on the batch's mean loss, decoupled
weight decay 0.009), batch 1024, airbench94's triangular learning rate,
label smoothing 0.2, random flips and 2-pixel shifts, and the mean of the
image's and its mirror image's probabilities at test time.  Pixels are
divided by 255 in NumPy; ``model.fit`` trains.

``train(X_train, y_train, X_test, y_test, *, epochs, seed, ...)`` returns
``dict(model=..., fit_s=..., accuracy=..., history=...)``: ``fit_s`` is the
wall time of ``model.fit`` alone, ``accuracy`` the test accuracy with flip
test-time augmentation.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from keras import layers

# Trainable-free whitening: eps as a fraction of the mean pixel variance,
# images the covariance is estimated from.
WHITEN_EPS = 5e-4
WHITEN_IMAGES = 5000


def as_images(X) -> np.ndarray:
    """(n, 32, 32, 3) float32 pixels in [0, 1], from images or from OpenML's
    channel-planar CIFAR_10 rows (n, 3072), 8-bit pixels."""
    X = np.asarray(X)
    if X.ndim == 2:
        X = X.reshape(len(X), 3, 32, 32).transpose(0, 2, 3, 1)
    return X.astype("float32") / 255.0


def whitening_weights(images: np.ndarray, size: int = 2):
    """Kernel and bias of the whitening convolution: the eigenvectors of the
    ``size x size`` patch covariance over the eigenvalues' square roots,
    both signs; the bias centres the patches."""
    n, h, w, c = images.shape
    d = size * size * c
    total, outer, count = np.zeros(d), np.zeros((d, d)), 0
    for start in range(0, n, 500):
        x = images[start : start + 500].astype(np.float64)
        p = np.stack(
            [
                x[:, i : i + h - size + 1, j : j + w - size + 1, :]
                for i in range(size)
                for j in range(size)
            ],
            axis=3,
        ).reshape(-1, d)
        total, outer, count = total + p.sum(0), outer + p.T @ p, count + len(p)
    mean = total / count
    cov = outer / count - np.outer(mean, mean)
    values, vectors = np.linalg.eigh(cov)
    values, vectors = values[::-1].clip(0), vectors[:, ::-1]
    scale = np.trace(cov) / d
    filters = vectors / np.sqrt(values + WHITEN_EPS * (scale if scale > 0 else 1.0))
    filters = np.concatenate([filters, -filters], axis=1)
    kernel = filters.reshape(size, size, c, 2 * d).astype("float32")
    return kernel, (-mean @ filters).astype("float32")


class FastBias(layers.Layer):
    """``x + 8 b``: a bias learning 64 times faster, its decay unchanged."""

    def build(self, input_shape):
        self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros")

    def call(self, x):
        return x + keras.ops.cast(8.0 * self.b, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


def identity_start(shape, dtype=None):
    """Glorot-uniform, but the first ``min(in, out)`` filters are the
    identity on their own input channel."""
    kernel = np.array(keras.initializers.GlorotUniform()(shape, "float32"))
    n = min(shape[2], shape[3])
    kernel[..., :n] = 0
    kernel[shape[0] // 2, shape[1] // 2, np.arange(n), np.arange(n)] = 1
    return keras.ops.convert_to_tensor(kernel, dtype=dtype)


class Triangular(keras.optimizers.schedules.LearningRateSchedule):
    """airbench94's schedule: 0.2 -> 1 of the peak over 23% of the steps,
    then linearly down to 0.07 of it."""

    def __init__(self, peak, total_steps):
        self.peak, self.total_steps = float(peak), int(total_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warmup = max(1.0, round(0.23 * self.total_steps))
        down = max(self.total_steps - warmup, 1.0)
        up = keras.ops.minimum(step / warmup, 1.0)
        past = keras.ops.clip((step - warmup) / down, 0.0, 1.0)
        return self.peak * (0.2 + 0.8 * up - 0.93 * past)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps}


def build(shape, n_classes, widths, depth, whitening, dtype_policy):
    """The network, its whitening convolution set to ``whitening``."""
    p = {"dtype": dtype_policy}

    def bn_gelu():
        return [
            layers.BatchNormalization(
                momentum=0.6, epsilon=1e-5, scale=False, center=False, **p
            ),
            FastBias(**p),
            layers.Activation("gelu", **p),
        ]

    def conv(width):
        return layers.Conv2D(
            width,
            3,
            padding="same",
            use_bias=False,
            kernel_initializer=identity_start,
            **p,
        )

    whiten = layers.Conv2D(whitening[0].shape[-1], 2, trainable=False, **p)
    body = [whiten, layers.Activation("gelu", **p)]
    for width in widths:
        body += [conv(width), layers.MaxPooling2D(2, **p), *bn_gelu()]
        for _ in range(depth - 1):
            body += [conv(width), *bn_gelu()]
    body += [
        layers.GlobalMaxPooling2D(**p),
        layers.Rescaling(1 / 9, **p),
        layers.Dense(n_classes, activation="softmax", dtype="float32"),
    ]
    augment = [
        layers.RandomFlip("horizontal"),
        layers.RandomTranslation(
            2 / 32, 2 / 32, fill_mode="reflect", interpolation="nearest"
        ),
    ]
    model = keras.Sequential([keras.Input(shape), *augment, *body])
    whiten.set_weights(list(whitening))
    return model


def train(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    epochs,
    seed,
    widths=(64, 256, 256),
    depth=2,
    batch_size=1024,
    dtype_policy="float32",
    verbose=0,
) -> dict:
    """Train the airbench94-shaped network in plain Keras and test it.

    Parameters
    ----------
    X_train, X_test : array-like
        Images (n, 32, 32, 3) or OpenML's channel-planar rows (n, 3072), 8-bit
        pixels.
    y_train, y_test : array-like of int
        Class indices 0..n_classes-1.
    epochs, seed : int
        Passes over the training data; seed of weights, shuffling and
        augmentation.
    widths, depth, batch_size, dtype_policy
        As ``AirbenchClassifier``'s parameters.
    verbose : int, default=0
        ``model.fit``'s.

    Returns
    -------
    dict
        ``model``, ``fit_s`` (wall time of ``model.fit``), ``accuracy`` (test,
        flip test-time augmentation) and ``history`` (``History.history``).
    """
    keras.utils.set_random_seed(seed)
    X, X_test = as_images(X_train), as_images(X_test)
    y, y_test = np.asarray(y_train).astype(int), np.asarray(y_test).astype(int)
    n_classes = int(max(y.max(), y_test.max())) + 1
    sample = X[:: max(1, len(X) // WHITEN_IMAGES)][:WHITEN_IMAGES]
    model = build(
        X.shape[1:], n_classes, widths, depth, whitening_weights(sample), dtype_policy
    )
    steps = epochs * -(-len(X) // batch_size)
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=Triangular(1.5, steps),
            momentum=0.85,
            nesterov=True,
            weight_decay=0.009,
        ),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.2),
        metrics=["accuracy"],
    )
    Y = keras.utils.to_categorical(y, n_classes)
    start = time.perf_counter()
    history = model.fit(
        X, Y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose
    )
    fit_s = time.perf_counter() - start
    proba = model.predict(X_test, batch_size=2048, verbose=0)
    proba += model.predict(X_test[:, :, ::-1], batch_size=2048, verbose=0)
    accuracy = float(np.mean(proba.argmax(axis=1) == y_test))
    return {
        "model": model,
        "fit_s": fit_s,
        "accuracy": accuracy,
        "history": history.history,
    }
