"""The recipes of ``sk_lenet.recipes`` trained in plain Keras (the "peers").

Each peer is the network and recipe a Keras user would write by hand from a
recipe's parameters, with the public Keras 3 API and nothing of sk_lenet:
a ``Sequential`` model (the same augmentation layers, convolutions, batch
normalization and dense layers), float32 pixels divided by 255 in NumPy,
one-hot labels with ``CategoricalCrossentropy(label_smoothing=...)``, the
same optimizer with the same named step-size schedule, ``model.fit``, and
``model.predict`` (averaged with the mirror images' for a ``tta`` recipe).

``train(params, X_train, y_train, X_test, y_test, *, estimator, seed,
callbacks)`` returns the fitted model (the caller times the call: scaling,
one-hot, build, compile, fit, on the same clock as its per-epoch scorer);
``predict`` the predicted labels.  ``params`` are the estimator's ``get_params()``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers

#: The estimators whose recipes have a plain-Keras peer here.
NETWORKS = ("LeNetClassifier", "LeNet5Classifier")

# "onecycle" as the estimators' lr_schedule documents it: a linear warm-up over
# the first quarter of the steps from learning_rate / 25, then cosine to 0.
WARMUP_SHARE, WARMUP_START = 0.25, 1 / 25


def schedule(name, learning_rate, total_steps):
    """The step size of ``lr_schedule=name`` over ``total_steps`` (a float
    for "constant")."""
    if name == "constant":
        return learning_rate
    if name == "cosine":
        return keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    warmup = max(1, round(WARMUP_SHARE * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        learning_rate * WARMUP_START,
        decay_steps=max(total_steps - warmup, 1),
        warmup_target=learning_rate,
        warmup_steps=warmup,
    )


def augmentation(preset, dtype=None):
    """The random augmentation layers of the ``augment`` presets."""
    if preset is None:
        return []
    if preset == "digits":  # rotate 10 degrees, shift 10%, zoom 10%, black fill
        fill = {"fill_mode": "constant", "dtype": dtype}
        return [
            layers.RandomRotation(10 / 360, **fill),
            layers.RandomTranslation(0.1, 0.1, **fill),
            layers.RandomZoom(0.1, **fill),
        ]
    if preset == "colour":  # mirror; shift up to 4 pixels, reflected border
        return [
            layers.RandomFlip("horizontal", dtype=dtype),
            layers.RandomTranslation(
                4 / 32,
                4 / 32,
                fill_mode="reflect",
                interpolation="nearest",
                dtype=dtype,
            ),
        ]
    raise ValueError(f"no peer for augment={preset!r}")


def _conv(filters, kernel_size, activation, batch_norm, **kwargs):
    if batch_norm:
        return [
            layers.Conv2D(filters, kernel_size, use_bias=False, **kwargs),
            layers.BatchNormalization(),
            layers.Activation(activation),
        ]
    return [layers.Conv2D(filters, kernel_size, activation=activation, **kwargs)]


def _body(estimator, p):
    (f1, f2), k, act, bn = (
        p["filters"],
        p["kernel_size"],
        p["activation"],
        p["batch_norm"],
    )
    if estimator == "LeNetClassifier":
        return [
            *_conv(f1, k, act, bn, padding="same"),
            layers.MaxPooling2D(2),
            *_conv(f2, k, act, bn, padding="same"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(p["dense_units"], activation=act),
        ]
    if estimator == "LeNet5Classifier":
        d1, d2 = p["dense_units"]
        return [
            layers.ZeroPadding2D(p["zero_padding"]),
            *_conv(f1, k, act, bn),
            layers.AveragePooling2D(2),
            *_conv(f2, k, act, bn),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(d1, activation=act),
            layers.Dense(d2, activation=act),
        ]
    raise ValueError(f"no plain-Keras peer for {estimator}")


def _optimizer(p, n_train):
    steps = p["epochs"] * math.ceil(n_train / p["batch_size"])
    rate = schedule(p["lr_schedule"], p["learning_rate"], steps)
    if p["optimizer"] == "adam":
        return keras.optimizers.Adam(rate)
    if p["optimizer"] == "sgd":
        return keras.optimizers.SGD(rate, momentum=p["momentum"])
    raise ValueError(f"no peer for optimizer={p['optimizer']!r}")


def train(
    params,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    estimator,
    seed,
    callbacks=(),
    dtype_policy="float32",
):
    """Build, compile and fit the recipe's network; the fitted model.

    ``X_train`` are uint8 images ``(n, height, width, channels)``;
    ``dtype_policy`` is Keras' global policy for the hidden layers (the
    augmentation and the softmax stay float32).
    """
    keras.utils.set_random_seed(seed)
    keras.config.set_dtype_policy(dtype_policy)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    trainX = X_train.astype("float32") / 255.0
    trainY = keras.utils.to_categorical(y_train, n_classes)
    model = keras.Sequential(
        [
            keras.Input(X_train.shape[1:]),
            *augmentation(params["augment"], dtype="float32"),
            *_body(estimator, params),
            layers.Dense(n_classes, activation="softmax", dtype="float32"),
        ]
    )
    model.compile(
        optimizer=_optimizer(params, len(X_train)),
        loss=keras.losses.CategoricalCrossentropy(
            label_smoothing=params["label_smoothing"]
        ),
        metrics=["accuracy"],
    )
    model.fit(
        trainX,
        trainY,
        batch_size=params["batch_size"],
        epochs=params["epochs"],
        callbacks=list(callbacks),
        verbose=0,
    )
    return model


def probabilities(model, X, tta, batch_size=1024):
    """Class probabilities of uint8 images; with ``tta`` the mean of the
    images' and their mirror images'."""
    X = X.astype("float32") / 255.0
    probs = model.predict(X, batch_size=batch_size, verbose=0)
    if tta:
        probs = (
            probs + model.predict(X[:, :, ::-1], batch_size=batch_size, verbose=0)
        ) / 2
    return probs


def predict(params, model, X_test):
    """The predicted labels of uint8 test images."""
    return np.argmax(probabilities(model, X_test, params["tta"]), axis=1)
