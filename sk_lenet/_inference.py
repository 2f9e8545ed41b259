"""The inference fast path of ``predict`` and ``predict_proba``, and their
flip test-time augmentation (``tta``).

``keras.Model.predict`` builds a data pipeline and traces a function on every
call (~0.2 s), which dominates predicting a few images.  Here the network is
called on chunks directly: eagerly for small calls, through a traced graph,
kept per network, for large ones, and for every call inside
:func:`traced_inference` (a server answering one image at a time).
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import contextlib
import contextvars
import weakref

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "PREDICT_CHUNK",
    "TRACED",
    "TRACE_MIN_IMAGES",
    "check_tta",
    "flip_averaged",
    "forward_pass",
    "predict",
    "predict_chunks",
    "traced_inference",
]

PREDICT_CHUNK = 2048  # images per forward pass
# Predict calls of at least this many images run through a traced graph (one
# ~0.08 s trace per network and input type), smaller ones eagerly: the graph
# is 1.4x (LeNet) to 2.5x (LeNet-5) faster on 10000 MNIST images, the same up
# to float round-off.
TRACE_MIN_IMAGES = 2048

# keras.Model -> {(dtype, image shape): traced inference graph}, alive as long
# as the network is.
TRACED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_ALWAYS_TRACED = contextvars.ContextVar("sk_lenet_always_traced", default=False)


@contextlib.contextmanager
def traced_inference():
    """Within this block, every predict call runs through the traced graph.

    For a caller that predicts a few images again and again (the
    draw-a-digit server): a Keras eager call of a LeNet costs ~12 ms, the
    traced graph ~2 ms, after one ~0.08 s trace per network and input
    shape.  Inside the block the choice still depends on nothing but the
    block, so the same image always gets the same probabilities there.
    """
    token = _ALWAYS_TRACED.set(True)
    try:
        yield
    finally:
        _ALWAYS_TRACED.reset(token)


def forward_pass(model: keras.Model, X: np.ndarray):
    """The fastest inference call of ``model`` for a batch like ``X``.

    Eager below ``TRACE_MIN_IMAGES`` images (outside
    :func:`traced_inference`), else a traced graph, one per network, input
    dtype and image shape.  The choice depends on the call
    alone, so the same images always get the same probabilities, whatever was
    predicted before.  Fitted networks are rebuilt (fit, unpickling,
    load_model) rather than changed in place, so the cache needs no
    invalidation; a warm start trains the same variables, which a traced
    graph reads on every call.

    Parameters
    ----------
    model : keras.Model
        The fitted network.
    X : ndarray of shape (n_samples, height, width, channels)
        The images of this call.

    Returns
    -------
    callable
        Takes a chunk of ``X``, returns the network's output tensor.
    """
    if len(X) < TRACE_MIN_IMAGES and not _ALWAYS_TRACED.get():
        return lambda chunk: model(chunk, training=False)
    traced = TRACED.setdefault(model, {})
    key = (X.dtype.str, X.shape[1:])
    if key not in traced:
        network = weakref.ref(model)  # the cache must not keep its key alive
        traced[key] = tf.function(
            lambda chunk: network()(chunk, training=False),
            input_signature=[tf.TensorSpec((None, *X.shape[1:]), X.dtype)],
        )
    return traced[key]


def predict_chunks(X: np.ndarray, batch_size: int | None) -> list:
    """``X`` cut into the batches the network predicts on.

    Chunks of (nearly) equal size, at most ``max(batch_size, 2048)``: each new
    batch shape costs oneDNN a new set of kernels on its first call.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        The images.
    batch_size : int or None
        The estimator's batch size.

    Returns
    -------
    list of ndarray
        The chunks, in order.
    """
    step = max(int(batch_size or 0), PREDICT_CHUNK)
    return np.array_split(X, -(-len(X) // step))


def predict(model: keras.Model, X: np.ndarray, batch_size: int | None) -> np.ndarray:
    """The network's output on ``X``, chunk by chunk.

    Parameters
    ----------
    model : keras.Model
        The fitted network.
    X : ndarray of shape (n_samples, height, width, channels)
        The images, encoded as the network takes them.
    batch_size : int or None
        The estimator's batch size (see :func:`predict_chunks`).

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        The class probabilities.
    """
    forward = forward_pass(model, X)
    return np.concatenate(
        [
            keras.ops.convert_to_numpy(forward(chunk))
            for chunk in predict_chunks(X, batch_size)
        ]
    )


def check_tta(tta: bool, image_shape: tuple) -> None:
    """Refuse flip test-time augmentation for single-channel images.

    Mirroring a colour photograph gives another plausible photograph; a
    mirrored digit or letter is not one (a mirrored 2 is no 2), so averaging
    over it would cost accuracy.

    Parameters
    ----------
    tta : bool
        The estimator's parameter.
    image_shape : tuple of int
        ``(height, width, channels)`` of the network's images.
    """
    if tta and image_shape[-1] == 1:
        raise ValueError(
            f"tta=True averages each image with its mirror image, which suits "
            f"colour photographs, not these single-channel images (shape "
            f"{tuple(image_shape)}): a mirrored digit is no digit. Set tta=False, "
            f"or give colour images (height, width, 3)."
        )


def flip_averaged(forward, X: np.ndarray) -> np.ndarray:
    """The mean of ``forward`` on ``X`` and on its horizontal mirror images.

    Parameters
    ----------
    forward : callable
        Takes a batch of images like ``X``, returns class probabilities.
    X : ndarray of shape (n_samples, height, width, channels)
        The images.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        The averaged probabilities (rows still sum to 1).
    """
    mirrored = np.ascontiguousarray(X[:, :, ::-1])
    return (np.asarray(forward(X)) + np.asarray(forward(mirrored))) / 2
