"""Patch whitening: a convolution whose filters decorrelate the pixels of
every small patch of the training images (airbench94's first layer).

Its weights come from the data, not from training: the eigenvectors of the
covariance of the training images' ``k x k`` patches, each divided by the
square root of its eigenvalue, so that the filter responses over the
training patches have unit variance and no correlation.  Each eigenvector
appears twice, with both signs, so that the GELU after it keeps both halves
of the response.  The bias centres the patches on their mean.
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import keras
import numpy as np

__all__ = ["EPS", "MAX_IMAGES", "adapt", "patches", "whitening_weights"]

#: Added to each eigenvalue, as a fraction of the mean pixel variance
#: (airbench94's 5e-4 on images normalized to unit variance per channel).
EPS = 5e-4
#: Images the covariance is estimated from (airbench94's 5000).
MAX_IMAGES = 5000
_CHUNK = 500  # images per step of the covariance sum (bounded memory)


def patches(images: np.ndarray, size: int) -> np.ndarray:
    """Every ``size x size`` patch of ``images``, flattened.

    Parameters
    ----------
    images : ndarray of shape (n, h, w, c)
        Channels-last images.
    size : int
        Patch height and width.

    Returns
    -------
    ndarray of shape (n * (h - size + 1) * (w - size + 1), size * size * c)
        One row per patch, in a Keras kernel's ``(row, column, channel)``
        order.
    """
    _, h, w, c = images.shape
    rows, cols = h - size + 1, w - size + 1
    parts = [
        images[:, i : i + rows, j : j + cols, :]
        for i in range(size)
        for j in range(size)
    ]
    return np.stack(parts, axis=3).reshape(-1, size * size * c)


def whitening_weights(
    images: np.ndarray, size: int = 2, eps: float = EPS
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel and bias of the whitening convolution for ``images``.

    Parameters
    ----------
    images : ndarray of shape (n, h, w, c)
        Training images, as the convolution sees them.
    size : int, default=2
        Patch size (the kernel size).
    eps : float, default=EPS
        Added to the eigenvalues, times the mean pixel variance: directions
        of (near) zero variance are not blown up.

    Returns
    -------
    kernel : ndarray of shape (size, size, c, 2 * size * size * c)
        The eigenvectors, largest eigenvalue first, scaled by
        ``1 / sqrt(eigenvalue + eps * mean variance)``, then the same negated.
    bias : ndarray of shape (2 * size * size * c,)
        Minus each filter's response to the mean patch.
    """
    d = size * size * images.shape[-1]
    total, outer, count = np.zeros(d), np.zeros((d, d)), 0
    for start in range(0, len(images), _CHUNK):
        p = patches(np.asarray(images[start : start + _CHUNK], np.float64), size)
        total += p.sum(axis=0)
        outer += p.T @ p
        count += len(p)
    mean = total / count
    cov = outer / count - np.outer(mean, mean)
    values, vectors = np.linalg.eigh(cov)
    values, vectors = values[::-1].clip(0), vectors[:, ::-1]
    scale = np.trace(cov) / d
    filters = vectors / np.sqrt(values + eps * (scale if scale > 0 else 1.0))
    filters = np.concatenate([filters, -filters], axis=1)
    kernel = filters.reshape(size, size, -1, 2 * d)
    return kernel.astype(np.float32), (-mean @ filters).astype(np.float32)


def adapt(model: keras.Model, layer_name: str, X: np.ndarray) -> None:
    """Set the weights of ``model``'s whitening convolution ``layer_name``
    from the training images ``X``.

    The layer's inputs are computed by the network itself (its scaling and
    padding, no augmentation) from at most :data:`MAX_IMAGES` images spread
    evenly over ``X``.

    Parameters
    ----------
    model : keras.Model
        A functional network holding the layer.
    layer_name : str
        The name of a ``Conv2D`` of ``2 * k * k * c`` filters of size ``k``.
    X : ndarray of shape (n, h, w, c)
        Training images, as ``model`` takes them.
    """
    layer = model.get_layer(layer_name)
    step = max(1, len(X) // MAX_IMAGES)
    sample = np.asarray(X[::step][:MAX_IMAGES], dtype=np.float32)
    feed = keras.Model(model.input, layer.input)
    seen = np.concatenate(
        [
            keras.ops.convert_to_numpy(feed(sample[i : i + _CHUNK], training=False))
            for i in range(0, len(sample), _CHUNK)
        ]
    )
    kernel, bias = whitening_weights(seen, layer.kernel_size[0])
    layer.set_weights([kernel, bias])
