"""Transformers that turn pixel rows into what the networks eat.

``fetch_openml`` hands images over as flat rows of pixels (``mnist_784``: 784
grey values; ``CIFAR_10``: 3072 values, *channel-planar*: 1024 red, then 1024
green, then 1024 blue).  The networks want float images shaped
``(n, height, width, channels)``, channels last.  :class:`PixelScaler` and
:class:`ImageReshaper` do those two steps as ordinary scikit-learn transformers,
so they sit in a :class:`~sklearn.pipeline.Pipeline`, pickle, and clone.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sk_lenet._constraints import ImageShapes

__all__ = [
    "ImageReshaper",
    "PixelScaler",
    "infer_image_shape",
    "resolve_image_shape",
    "rows_to_images",
]

_DATA_FORMATS = ("channels_last", "channels_first")


def infer_image_shape(n_features: int) -> tuple[int, int, int]:
    """Guess the image shape behind flat rows of ``n_features`` pixels.

    A perfect square ``s*s`` is read as a grey ``(s, s, 1)`` image and
    ``3*s*s`` as a colour ``(s, s, 3)`` one; no number is both, so the guess is
    never ambiguous.

    Parameters
    ----------
    n_features : int
        Number of values in one row.

    Returns
    -------
    tuple of int
        ``(height, width, channels)``.

    Raises
    ------
    ValueError
        If ``n_features`` is neither ``s*s`` nor ``3*s*s``.

    Examples
    --------
    >>> infer_image_shape(784)
    (28, 28, 1)
    >>> infer_image_shape(3072)
    (32, 32, 3)
    """
    for channels in (1, 3):
        side = math.isqrt(n_features // channels)
        if n_features % channels == 0 and side * side * channels == n_features:
            return (side, side, channels)
    raise ValueError(
        f"Cannot infer an image shape from {n_features} values per row: it is "
        "neither a square (s*s grey pixels) nor three squares (s*s RGB pixels). "
        "Pass image_shape=(height, width, channels); image_shape=(1, -1, 1) "
        "reads each row as a one-pixel-high image."
    )


def resolve_image_shape(image_shape, n_features: int) -> tuple[int, int, int]:
    """Turn an ``image_shape`` parameter into a concrete ``(h, w, c)``.

    Parameters
    ----------
    image_shape : None or tuple of int
        ``None`` infers the shape (see :func:`infer_image_shape`).  A tuple
        ``(h, w)`` or ``(h, w, c)`` may hold one ``-1``, filled in as NumPy's
        ``reshape`` does.
    n_features : int
        Number of values in one row.

    Returns
    -------
    tuple of int
        ``(height, width, channels)`` whose product is ``n_features``.

    Examples
    --------
    >>> resolve_image_shape((1, -1, 1), 10)
    (1, 10, 1)
    """
    if image_shape is None:
        return infer_image_shape(n_features)
    shape = tuple(image_shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or not all(
        isinstance(d, Integral) and (d > 0 or d == -1) for d in shape
    ):
        raise ValueError(
            f"image_shape must be (height, width) or (height, width, channels) of "
            f"positive ints with at most one -1; got {image_shape!r}."
        )
    if shape.count(-1) > 1:
        raise ValueError(f"image_shape may hold at most one -1; got {image_shape!r}.")
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape:
        if n_features % known:
            raise ValueError(
                f"image_shape={image_shape!r} does not divide {n_features} values "
                "per row."
            )
        shape = tuple(n_features // known if d == -1 else d for d in shape)
    elif known != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} holds {known} pixels but each row has "
            f"{n_features} values. Fix image_shape or check the columns of X."
        )
    return tuple(int(d) for d in shape)


def rows_to_images(
    X: np.ndarray, image_shape: tuple[int, int, int], data_format: str
) -> np.ndarray:
    """Reshape flat rows into channels-last images.

    Parameters
    ----------
    X : ndarray of shape (n_samples, h * w * c)
        Flat rows.
    image_shape : tuple of int
        ``(h, w, c)``.
    data_format : {"channels_last", "channels_first"}
        Layout of each row: ``"channels_last"`` interleaves the channels of a
        pixel (``h, w, c`` order, what ``images.reshape(n, -1)`` gives);
        ``"channels_first"`` stores whole planes one after another (``c, h, w``
        order, as OpenML's ``CIFAR_10``).

    Returns
    -------
    ndarray of shape (n_samples, h, w, c)
        A view of ``X`` for channels-last rows; a new C-contiguous array for
        channel-planar ones.

    Examples
    --------
    >>> planar = np.arange(12).reshape(1, 12)  # 2x2 pixels, 3 planes
    >>> rows_to_images(planar, (2, 2, 3), "channels_first")[0, 0, 0]
    array([0, 4, 8])
    """
    h, w, c = image_shape
    if data_format != "channels_first":
        return X.reshape(-1, h, w, c)
    # (n, c*h*w) planes -> (n, h, w, c): one strided copy per channel, about
    # 3x faster than np.ascontiguousarray(X.reshape(...).transpose(...))
    n = X.shape[0]
    out = np.empty((n, h, w, c), dtype=X.dtype)
    planes, pixels = X.reshape(n, c, h * w), out.reshape(n, h * w, c)
    for channel in range(c):
        pixels[:, :, channel] = planes[:, channel, :]
    return out


class ImageReshaper(TransformerMixin, BaseEstimator):
    """Reshape flat pixel rows into ``(n, height, width, channels)`` images.

    Parameters
    ----------
    image_shape : tuple of int or None, default=None
        ``(height, width, channels)`` (or ``(height, width)`` for grey).  One
        entry may be ``-1``.  ``None`` infers it from the number of columns:
        784 → ``(28, 28, 1)``, 3072 → ``(32, 32, 3)``.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        How each row is laid out.  Use ``"channels_first"`` for OpenML's
        ``CIFAR_10`` (1024 red, 1024 green, 1024 blue values per row); the
        output is channels-last either way.

    Attributes
    ----------
    image_shape_ : tuple of int
        The ``(height, width, channels)`` used.
    n_features_in_ : int
        Number of values per row seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_lenet import ImageReshaper
    >>> X = np.zeros((5, 3072), dtype=np.uint8)
    >>> ImageReshaper(data_format="channels_first").fit_transform(X).shape
    (5, 32, 32, 3)
    """

    _parameter_constraints: dict = {
        "image_shape": [ImageShapes(), None],
        "data_format": [StrOptions(set(_DATA_FORMATS))],
    }

    def __init__(self, image_shape=None, data_format="channels_last"):
        self.image_shape = image_shape
        self.data_format = data_format

    def fit(self, X: ArrayLike, y: None = None) -> TransformerMixin:
        """Record the image shape for rows like ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flat pixel rows.
        y : None
            Ignored.

        Returns
        -------
        self : ImageReshaper
            The fitted transformer.
        """
        self._validate_params()
        X = validate_data(self, X, dtype="numeric", reset=True)
        self.image_shape_ = resolve_image_shape(self.image_shape, X.shape[1])
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Reshape rows into channels-last images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flat pixel rows with as many columns as in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples, height, width, channels)
            The images, with the dtype of ``X``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype="numeric", reset=False)
        return rows_to_images(X, self.image_shape_, self.data_format)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class PixelScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale pixel intensities to float32 in ``[0, 1]``.

    Divides by ``max_value`` (255 for 8-bit images), the ``X / 255.0`` line of
    every tutorial.  Works on flat rows and on image batches alike.  Stateless:
    :meth:`fit` only checks the input.

    Parameters
    ----------
    max_value : float, default=255.0
        The largest possible pixel value; it maps to 1.0.

    Attributes
    ----------
    n_features_in_ : int
        Size of the second axis of ``X`` in :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_lenet import PixelScaler
    >>> PixelScaler().fit_transform(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    """

    _parameter_constraints: dict = {
        "max_value": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, max_value=255.0):
        self.max_value = max_value

    def fit(self, X: ArrayLike, y: None = None) -> TransformerMixin:
        """Check ``X``; nothing is learnt.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w, c)
            Pixels.
        y : None
            Ignored.

        Returns
        -------
        self : PixelScaler
            The fitted transformer.
        """
        self._validate_params()
        validate_data(self, X, allow_nd=True, reset=True)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Scale pixels to ``[0, 1]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w, c)
            Pixels.

        Returns
        -------
        ndarray of float32, same shape as ``X``
            ``X / max_value``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, allow_nd=True, reset=False)
        return (np.asarray(X, dtype=np.float32) / np.float32(self.max_value)).astype(
            np.float32, copy=False
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
