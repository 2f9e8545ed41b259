"""Image datasets of the classic Keras tutorials, as scikit-learn loaders.

* :func:`fetch_mnist` -- MNIST, OpenML ``mnist_784`` version 1 (70000 images,
  28x28 grey levels);
* :func:`fetch_cifar10` -- CIFAR-10, OpenML ``CIFAR_10`` version 1 (60000
  images, 32x32 RGB);
* :func:`load_digits` -- scikit-learn's bundled 8x8 digits (1797 images), the
  default that works anywhere, with no network;
* :func:`load_dataset` -- any of them by name (:data:`DATASETS`).

All loaders share one convention: pixels are ``uint8`` in 0..255, the target
holds ``int64`` class indices 0..9 with ``target_names[target]`` giving the
class names, ``subset`` picks the canonical train/test split and
``as_images=True`` gives channels-last image tensors ``(n, height, width,
channels)`` ready for Keras.

:func:`load_train_test` gives any of them as train and test rows, on the
canonical split or a stratified one, optionally subsampled (stratified); the
facts of each dataset (shape, layout of the flat rows, class names) are in
:func:`dataset_info`, and :data:`QUICK_TRAIN` / :data:`QUICK_TEST` are the
sizes of the project's quick runs.

The OpenML loaders read OpenML's files from scikit-learn's OpenML cache under
``data_home/openml`` (the layout :func:`sklearn.datasets.fetch_openml` uses)
or download them from openml.org, check the ARFF file's md5, read the pixels
with a lean reader, and keep a verified array cache under
``data_home/sk_lenet`` that later loads read in a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    Interval,
    RealNotInt,
    StrOptions,
    validate_params,
)

from sk_lenet import _array_cache, _openml
from sk_lenet._arff import ArffFormatError
from sk_lenet._dataset_info import (
    _INFO,
    CIFAR10_CLASSES,
    DATASETS,
    QUICK_TEST,
    QUICK_TRAIN,
    DatasetInfo,
    _dataset_key,
)
from sk_lenet.preprocessing import rows_to_images

__all__ = [
    "CIFAR10_CLASSES",
    "DATASETS",
    "QUICK_TEST",
    "QUICK_TRAIN",
    "DatasetInfo",
    "DatasetNotAvailableError",
    "dataset_info",
    "fetch_cifar10",
    "fetch_mnist",
    "load_dataset",
    "load_digits",
    "load_train_test",
]

_SUBSETS = ("all", "train", "test")


class DatasetNotAvailableError(OSError):
    """A dataset is neither cached locally nor downloadable right now.

    Raised by :func:`fetch_mnist` and :func:`fetch_cifar10` when the network
    cannot be reached (or ``download_if_missing=False``) and the data is not
    in the cache under ``data_home``.  The message names the dataset, the
    cache folder and the offline alternative :func:`load_digits`.
    """


@dataclasses.dataclass(frozen=True)
class _OpenMLSpec:
    info: DatasetInfo
    openml_name: str
    version: int
    n_train: int
    n_test: int


# Canonical splits: the first n_train rows are the training set, the last
# n_test the test set (the order of the original files, kept by OpenML).
_OPENML: dict[str, _OpenMLSpec] = {
    "mnist": _OpenMLSpec(_INFO["mnist"], "mnist_784", 1, n_train=60000, n_test=10000),
    "cifar10": _OpenMLSpec(
        _INFO["cifar10"], "CIFAR_10", 1, n_train=50000, n_test=10000
    ),
}

# load_digits split: train_test_split(test_size=0.25, stratify=target,
# random_state=0), indices sorted.
_DIGITS_TEST_SIZE = 0.25
_DIGITS_RANDOM_STATE = 0


# --------------------------------------------------------------------------
# parameter constraints (checked by scikit-learn's validate_params)
# --------------------------------------------------------------------------

_DATA_HOME = [str, os.PathLike, None]
_LAYOUT_CONSTRAINTS = {
    "as_images": ["boolean"],
    "subset": [StrOptions(set(_SUBSETS))],
    "return_X_y": ["boolean"],
}
_FETCH_CONSTRAINTS = {
    **_LAYOUT_CONSTRAINTS,
    "data_home": _DATA_HOME,
    "download_if_missing": ["boolean"],
    "cache": ["boolean"],
    "n_retries": [Interval(Integral, 0, None, closed="left")],
    "delay": [Interval(Real, 0, None, closed="left")],
}


# --------------------------------------------------------------------------
# shared post-processing
# --------------------------------------------------------------------------


def _select(data: np.ndarray, target: np.ndarray, rows: slice | np.ndarray):
    if isinstance(rows, slice) and rows == slice(None):
        return data, target
    return np.ascontiguousarray(data[rows]), np.ascontiguousarray(target[rows])


def _finish(
    data: np.ndarray,
    target: np.ndarray,
    *,
    return_X_y: bool,
    **fields: Any,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, **fields)


# --------------------------------------------------------------------------
# OpenML datasets
# --------------------------------------------------------------------------


def _cache_path(home: str, spec: _OpenMLSpec) -> str:
    return os.path.join(home, "sk_lenet", f"{spec.openml_name}-v{spec.version}.npz")


def _not_available(
    spec: _OpenMLSpec, home: str | None, reason: str
) -> DatasetNotAvailableError:
    where = (
        f"data_home={home!r} (the data_home argument, else the "
        f"SCIKIT_LEARN_DATA environment variable, else ~/scikit_learn_data; "
        f"looked in {os.path.join(home, 'sk_lenet')} and "
        f"{os.path.join(home, 'openml')})"
        if home is not None
        else "nowhere (cache=False)"
    )
    return DatasetNotAvailableError(
        f"Dataset {spec.info.name!r} (OpenML {spec.openml_name!r} version "
        f"{spec.version}) is not available: it is not cached in {where}, and "
        f"it could not be downloaded from openml.org ({reason}). Connect to "
        f"the internet once (later loads use the cache), point data_home / "
        f"SCIKIT_LEARN_DATA at a folder that holds the cache, or use the "
        f"bundled offline dataset: sk_lenet.datasets.load_digits() "
        f"(load_dataset('digits'))."
    )


def _fetch_from_openml(
    spec: _OpenMLSpec,
    home: str | None,
    *,
    download_if_missing: bool,
    n_retries: int,
    delay: float,
) -> dict[str, Any]:
    try:
        arrays = _openml.fetch_openml_arrays(
            spec.openml_name,
            spec.version,
            data_home=home,
            allow_download=download_if_missing,
            n_retries=n_retries,
            delay=delay,
        )
    except _openml.NetworkUnavailable as exc:
        raise _not_available(spec, home, exc.reason) from None
    n_classes = len(spec.info.target_names)
    if len(arrays["class_values"]) != n_classes:
        raise ArffFormatError(
            f"OpenML {spec.openml_name} has {len(arrays['class_values'])} classes, "
            f"expected {n_classes}"
        )
    n_features = int(np.prod(spec.info.image_shape))
    if arrays["data"].shape[1] != n_features:
        raise ArffFormatError(
            f"OpenML {spec.openml_name} has {arrays['data'].shape[1]} features, "
            f"expected {n_features}"
        )
    arrays["target_names"] = list(spec.info.target_names)
    return arrays


def _openml_arrays(
    spec: _OpenMLSpec,
    *,
    data_home: str | os.PathLike | None,
    download_if_missing: bool,
    cache: bool,
    n_retries: int,
    delay: float,
    stacklevel: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """All rows of an OpenML dataset: the array cache, else OpenML's files.

    ``stacklevel`` of the warnings: the user's call, seen from here.
    """
    home = str(get_data_home(data_home)) if cache else None
    expected = {
        "format": _array_cache.CACHE_FORMAT,
        "openml_name": spec.openml_name,
        "version": spec.version,
    }
    if cache:
        path = _cache_path(home, spec)
        try:
            return _array_cache.read_array_cache(path, expected)
        except FileNotFoundError:
            pass
        except _array_cache.CacheInvalid as exc:
            warnings.warn(
                f"sk_lenet: the array cache {path} is invalid ({exc}); "
                f"rebuilding it from the OpenML cache.",
                RuntimeWarning,
                stacklevel=stacklevel,
            )
    arrays = _fetch_from_openml(
        spec,
        home,
        download_if_missing=download_if_missing,
        n_retries=n_retries,
        delay=delay,
    )
    data, target = arrays.pop("data"), arrays.pop("target")
    meta = dict(expected, **arrays)
    if cache:
        try:
            _array_cache.write_array_cache(path, data, target, meta)
        except OSError as exc:
            warnings.warn(
                f"sk_lenet: could not write the array cache {path} ({exc}); "
                f"the next load will parse the OpenML file again.",
                RuntimeWarning,
                stacklevel=stacklevel,
            )
    return data, target, meta


def _openml_rows(spec: _OpenMLSpec, n_total: int, subset: str) -> slice:
    if subset != "all" and n_total != spec.n_train + spec.n_test:
        raise ValueError(
            f"OpenML {spec.openml_name} has {n_total} rows, expected "
            f"{spec.n_train} + {spec.n_test}; cannot take the {subset!r} split"
        )
    return {
        "all": slice(None),
        "train": slice(0, spec.n_train),
        "test": slice(spec.n_train, n_total),
    }[subset]


def _load_openml(
    spec: _OpenMLSpec,
    *,
    as_images: bool,
    subset: str,
    return_X_y: bool,
    **source: Any,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    # user -> validate_params' wrapper -> fetch_* -> here -> _openml_arrays
    data, target, meta = _openml_arrays(spec, stacklevel=5, **source)
    data, target = _select(data, target, _openml_rows(spec, data.shape[0], subset))
    info = spec.info
    planar = info.data_format == "channels_first"
    if as_images:
        data = rows_to_images(data, info.image_shape, info.data_format)
    h, w, c = info.image_shape
    layout = (
        f"(n, {h}, {w}, {c}) channels-last images"
        if as_images
        else (
            f"(n, {h * w * c}) flat rows in OpenML's channel-planar layout "
            f"(1024 red, 1024 green, 1024 blue values, each row-major)"
            if planar
            else f"(n, {h * w * c}) flat rows, row-major {h}x{w} pixels"
        )
    )
    descr = (
        f"{info.title} (OpenML {spec.openml_name!r} version {spec.version}), "
        f"loaded by sk_lenet.datasets.\n\n"
        f"subset={subset!r}: {data.shape[0]} images; the canonical split is "
        f"the first {spec.n_train} rows (train) and the last {spec.n_test} "
        f"rows (test).\n"
        f"data: uint8 pixels 0..255, {layout}.\n"
        f"target: int64 class indices 0..{len(info.target_names) - 1}; "
        f"target_names[target] gives the class names.\n\n"
        f"{meta.get('DESCR', '')}"
    )
    return _finish(
        data,
        target,
        return_X_y=return_X_y,
        feature_names=list(meta["feature_names"]),
        target_names=np.asarray(info.target_names),
        DESCR=descr,
        details=dict(meta.get("details", {}), subset=subset, as_images=as_images),
    )


@validate_params(_FETCH_CONSTRAINTS, prefer_skip_nested_validation=True)
def fetch_mnist(
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    as_images: bool = False,
    subset: str = "all",
    return_X_y: bool = False,
    cache: bool = True,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load MNIST handwritten digits (OpenML ``mnist_784`` version 1).

    70000 grey-level images of 28x28 pixels: 60000 training images followed
    by 10000 test images, in the original order.  The first call downloads
    OpenML's ARFF file (about 20 MB compressed) into scikit-learn's OpenML
    cache, checks its md5 and writes a verified array cache; later calls read
    that cache in well under a second.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder, as in scikit-learn: ``None`` means the
        ``SCIKIT_LEARN_DATA`` environment variable, else
        ``~/scikit_learn_data``.  OpenML's files go to ``data_home/openml``,
        the array cache to ``data_home/sk_lenet``.
    download_if_missing : bool, default=True
        If False, raise :class:`DatasetNotAvailableError` instead of
        downloading when the data is not cached.
    as_images : bool, default=False
        If True, ``data`` has shape ``(n, 28, 28, 1)``; otherwise
        ``(n, 784)`` rows in OpenML's layout (row-major 28x28).
    subset : {"all", "train", "test"}, default="all"
        ``"train"`` is the first 60000 images, ``"test"`` the last 10000.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    cache : bool, default=True
        Read and write the caches under ``data_home`` (like
        :func:`~sklearn.datasets.fetch_openml`); False downloads every time
        and keeps nothing.
    n_retries : int, default=3
        Extra attempts after a failure that may be transient (a timeout, a
        dropped connection, an HTTP server error, a download whose md5 is
        wrong).  Failures that cannot be transient (no route to the host,
        name resolution failed, connection refused) are not retried.
    delay : float, default=1.0
        Seconds between attempts.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of uint8, shape (n, 784) or (n, 28, 28, 1)
            Pixels 0..255.
        target : ndarray of int64, shape (n,)
            Class indices 0..9.
        feature_names : list of str
            OpenML's column names (``pixel1`` ... ``pixel784``).
        target_names : ndarray of str, shape (10,)
            ``'0'`` ... ``'9'``.
        DESCR : str
            Description of the dataset and of the arrays returned.
        details : dict
            OpenML metadata (id, version, md5_checksum, ...).
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    DatasetNotAvailableError
        If the data is not cached and cannot be downloaded.

    See Also
    --------
    load_digits : Small bundled digits dataset, always available offline.

    Examples
    --------
    >>> from sk_lenet.datasets import fetch_mnist
    >>> X, y = fetch_mnist(subset="train", as_images=True,
    ...                    return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((60000, 28, 28, 1), dtype('uint8'), array([5, 0, 4, 1, 9]))
    """
    return _load_openml(
        _OPENML["mnist"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        as_images=as_images,
        subset=subset,
        return_X_y=return_X_y,
        cache=cache,
        n_retries=n_retries,
        delay=delay,
    )


@validate_params(_FETCH_CONSTRAINTS, prefer_skip_nested_validation=True)
def fetch_cifar10(
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    as_images: bool = False,
    subset: str = "all",
    return_X_y: bool = False,
    cache: bool = True,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10 tiny colour images (OpenML ``CIFAR_10`` version 1).

    60000 RGB images of 32x32 pixels in 10 classes: 50000 training images
    followed by 10000 test images, in the original order.  The first call
    downloads OpenML's ARFF file (about 250 MB compressed) into
    scikit-learn's OpenML cache, checks its md5 and writes a verified array
    cache; later calls read that cache in well under a second.  Memory stays
    low: about 190 MB for the pixels (twice that with ``as_images=True``),
    also on the first call.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder, as in scikit-learn: ``None`` means the
        ``SCIKIT_LEARN_DATA`` environment variable, else
        ``~/scikit_learn_data``.  OpenML's files go to ``data_home/openml``,
        the array cache to ``data_home/sk_lenet``.
    download_if_missing : bool, default=True
        If False, raise :class:`DatasetNotAvailableError` instead of
        downloading when the data is not cached.
    as_images : bool, default=False
        If True, ``data`` has shape ``(n, 32, 32, 3)``, channels-last RGB as
        in Keras.  If False, ``(n, 3072)`` rows in OpenML's channel-planar
        layout: 1024 red values, then 1024 green, then 1024 blue, each plane
        row-major 32x32 -- exactly what ``fetch_openml`` users get.
    subset : {"all", "train", "test"}, default="all"
        ``"train"`` is the first 50000 images, ``"test"`` the last 10000.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    cache : bool, default=True
        Read and write the caches under ``data_home`` (like
        :func:`~sklearn.datasets.fetch_openml`); False downloads every time
        and keeps nothing.
    n_retries : int, default=3
        Extra attempts after a failure that may be transient (a timeout, a
        dropped connection, an HTTP server error, a download whose md5 is
        wrong).  Failures that cannot be transient (no route to the host,
        name resolution failed, connection refused) are not retried.
    delay : float, default=1.0
        Seconds between attempts.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of uint8, shape (n, 3072) or (n, 32, 32, 3)
            Pixels 0..255.
        target : ndarray of int64, shape (n,)
            Class indices 0..9.
        feature_names : list of str
            OpenML's column names of the flat (planar) layout.
        target_names : ndarray of str, shape (10,)
            ``'airplane'``, ``'automobile'``, ``'bird'``, ``'cat'``,
            ``'deer'``, ``'dog'``, ``'frog'``, ``'horse'``, ``'ship'``,
            ``'truck'``.
        DESCR : str
            Description of the dataset and of the arrays returned.
        details : dict
            OpenML metadata (id, version, md5_checksum, ...).
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    DatasetNotAvailableError
        If the data is not cached and cannot be downloaded.

    See Also
    --------
    load_digits : Small bundled digits dataset, always available offline.

    Examples
    --------
    >>> from sk_lenet.datasets import fetch_cifar10
    >>> cifar = fetch_cifar10(subset="test", as_images=True)  # doctest: +SKIP
    >>> cifar.data.shape  # doctest: +SKIP
    (10000, 32, 32, 3)
    >>> cifar.target_names[cifar.target[:3]]  # doctest: +SKIP
    array(['cat', 'ship', 'ship'], dtype='<U10')
    """
    return _load_openml(
        _OPENML["cifar10"],
        data_home=data_home,
        download_if_missing=download_if_missing,
        as_images=as_images,
        subset=subset,
        return_X_y=return_X_y,
        cache=cache,
        n_retries=n_retries,
        delay=delay,
    )


# --------------------------------------------------------------------------
# bundled digits
# --------------------------------------------------------------------------


def _digits_rows(target: np.ndarray, subset: str) -> slice | np.ndarray:
    if subset == "all":
        return slice(None)
    train, test = train_test_split(
        np.arange(target.shape[0]),
        test_size=_DIGITS_TEST_SIZE,
        stratify=target,
        random_state=_DIGITS_RANDOM_STATE,
    )
    return np.sort(train if subset == "train" else test)


def _digits_arrays() -> tuple[np.ndarray, np.ndarray, Bunch]:
    from sklearn.datasets import load_digits as _sk_load_digits

    raw = _sk_load_digits()
    data = np.rint(raw.data * (255.0 / 16.0)).astype(np.uint8)
    return data, raw.target.astype(np.int64), raw


@validate_params(_LAYOUT_CONSTRAINTS, prefer_skip_nested_validation=True)
def load_digits(
    *,
    as_images: bool = False,
    subset: str = "all",
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load scikit-learn's bundled 8x8 handwritten digits, MNIST-style.

    The 1797 images of :func:`sklearn.datasets.load_digits` (values 0..16),
    rescaled to ``uint8`` 0..255 (``round(v * 255 / 16)``) so that every
    dataset of this module has the same pixel convention.  The data ships
    with scikit-learn: this loader needs no network and no cache, which makes
    it the default dataset for examples and quick checks.

    Parameters
    ----------
    as_images : bool, default=False
        If True, ``data`` has shape ``(n, 8, 8, 1)``; otherwise ``(n, 64)``.
    subset : {"all", "train", "test"}, default="all"
        A fixed stratified split: the indices of
        ``train_test_split(test_size=0.25, stratify=target, random_state=0)``,
        sorted; 1347 training and 450 test images.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of uint8, shape (n, 64) or (n, 8, 8, 1)
            Pixels 0..255.
        target : ndarray of int64, shape (n,)
            Class indices 0..9.
        feature_names : list of str
            ``pixel_0_0`` ... ``pixel_7_7`` (scikit-learn's names).
        target_names : ndarray of str, shape (10,)
            ``'0'`` ... ``'9'``.
        DESCR : str
            Description of the dataset.
        details : dict
            ``subset`` and ``as_images``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sk_lenet.datasets import load_digits
    >>> digits = load_digits(as_images=True)
    >>> digits.data.shape, digits.data.dtype, int(digits.data.max())
    ((1797, 8, 8, 1), dtype('uint8'), 255)
    >>> X_train, y_train = load_digits(subset="train", return_X_y=True)
    >>> X_train.shape
    (1347, 64)
    """
    data, target, raw = _digits_arrays()
    data, target = _select(data, target, _digits_rows(target, subset))
    if as_images:
        data = data.reshape(-1, *_INFO["digits"].image_shape)
    descr = (
        "scikit-learn's bundled handwritten digits (UCI optdigits test set), "
        "served by sk_lenet.datasets.load_digits.\n\n"
        f"subset={subset!r}: {data.shape[0]} images.  Pixels are uint8, "
        "rescaled from 0..16 to 0..255 (round(v * 255 / 16)); "
        f"{'(n, 8, 8, 1) images' if as_images else '(n, 64) row-major rows'}. "
        "target: int64 digits 0..9.  The train/test split is "
        "train_test_split(test_size=0.25, stratify=target, random_state=0), "
        "indices sorted.\n\n" + raw.DESCR
    )
    return _finish(
        data,
        target,
        return_X_y=return_X_y,
        feature_names=list(raw.feature_names),
        target_names=np.asarray(_INFO["digits"].target_names),
        DESCR=descr,
        details={"subset": subset, "as_images": as_images},
    )


# --------------------------------------------------------------------------
# by name
# --------------------------------------------------------------------------

_OPENML_ONLY = ("data_home", "download_if_missing", "cache", "n_retries", "delay")


# prefer_skip_nested_validation=False: the loader it calls checks **kwargs
@validate_params({"name": [str]}, prefer_skip_nested_validation=False)
def load_dataset(name: str, **kwargs: Any) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load a dataset by name.

    Parameters
    ----------
    name : {"digits", "mnist", "cifar10"}
        Case-insensitive; ``"mnist_784"``, ``"cifar_10"`` and ``"cifar-10"``
        are accepted as aliases.  :data:`DATASETS` lists the names.
    **kwargs
        Passed on to :func:`load_digits`, :func:`fetch_mnist` or
        :func:`fetch_cifar10` (``as_images``, ``subset``, ``return_X_y``,
        ...).  For ``"digits"`` the download options (``data_home``,
        ``download_if_missing``, ``cache``, ``n_retries``, ``delay``) are
        accepted and ignored: that data is bundled.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple
        What the dataset's loader returns.

    Raises
    ------
    ValueError
        If ``name`` is not a known dataset; the message lists the valid names.

    Examples
    --------
    >>> from sk_lenet.datasets import load_dataset
    >>> X, y = load_dataset("digits", subset="test", return_X_y=True)
    >>> X.shape, y.dtype
    ((450, 64), dtype('int64'))
    """
    key = _dataset_key(name)
    if key == "digits":
        for option in _OPENML_ONLY:
            kwargs.pop(option, None)
        return load_digits(**kwargs)
    if key == "mnist":
        return fetch_mnist(**kwargs)
    return fetch_cifar10(**kwargs)


@validate_params({"name": [str]}, prefer_skip_nested_validation=True)
def dataset_info(name: str) -> DatasetInfo:
    """The facts about a dataset: shape, layout of the flat rows, class names.

    Parameters
    ----------
    name : {"digits", "mnist", "cifar10"}
        As for :func:`load_dataset`: case-insensitive, with the aliases
        ``"mnist_784"``, ``"cifar_10"`` and ``"cifar-10"``.

    Returns
    -------
    info : DatasetInfo
        Frozen dataclass with ``name`` (canonical), ``title``,
        ``image_shape``, ``data_format`` and ``target_names``.

    Raises
    ------
    ValueError
        If ``name`` is not a known dataset; the message lists the valid names.

    Examples
    --------
    >>> from sk_lenet.datasets import dataset_info
    >>> info = dataset_info("CIFAR-10")
    >>> info.name, info.image_shape, info.data_format
    ('cifar10', (32, 32, 3), 'channels_first')
    >>> info.target_names[3]
    'cat'
    """
    return _INFO[_dataset_key(name)]


def _subsample(
    X: np.ndarray, y: np.ndarray, n: int | None, random_state: Any
) -> tuple[np.ndarray, np.ndarray, bool]:
    """At most ``n`` rows, stratified when every class can keep a row."""
    if n is None or len(y) <= n:
        return X, y, False
    try:
        X, _, y, _ = train_test_split(
            X, y, train_size=n, stratify=y, random_state=random_state
        )
    except ValueError:  # fewer rows wanted than classes, or a class of one
        X, _, y, _ = train_test_split(X, y, train_size=n, random_state=random_state)
    return X, y, True


@validate_params(
    {
        "name": [str],
        "test_size": [Interval(RealNotInt, 0, 1, closed="neither"), None],
        "n_train": [Interval(Integral, 1, None, closed="left"), None],
        "n_test": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "data_home": _DATA_HOME,
        "download_if_missing": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_train_test(
    name: str,
    *,
    test_size: float | None = None,
    n_train: int | None = None,
    n_test: int | None = None,
    random_state: int | np.random.RandomState | None = 0,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> Bunch:
    """Training and test rows of a dataset, optionally subsampled.

    The one place where sk_lenet splits and subsamples: the command line
    and the examples call it (their ``--quick`` runs use
    ``n_train=QUICK_TRAIN, n_test=QUICK_TEST``).

    Parameters
    ----------
    name : {"digits", "mnist", "cifar10"}
        As for :func:`load_dataset` (case-insensitive, aliases accepted).
    test_size : float in (0, 1) or None, default=None
        ``None`` uses the dataset's canonical split (``subset="train"`` and
        ``"test"`` of its loader); a float splits all the images with
        ``train_test_split(test_size=test_size, stratify=target,
        random_state=random_state)``.
    n_train, n_test : int or None, default=None
        Keep at most this many training / test images, drawn with
        ``train_test_split(train_size=n, stratify=y,
        random_state=random_state)`` (without stratification when ``n`` is
        smaller than the number of classes); no-op when the part is already
        that small.  ``None`` keeps every image.
    random_state : int, RandomState instance or None, default=0
        Seed of the split (when ``test_size`` is a float) and of the
        subsampling.
    data_home : str or path-like, default=None
        Cache folder of :func:`fetch_mnist` / :func:`fetch_cifar10`; ignored
        for ``"digits"``.
    download_if_missing : bool, default=True
        If False, raise :class:`DatasetNotAvailableError` instead of
        downloading a dataset that is not cached.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        X_train, X_test : ndarray of uint8, shape (n, n_features)
            Flat rows of pixels 0..255, in the layout ``data_format``.
        y_train, y_test : ndarray of int64, shape (n,)
            Class indices.
        target_names : ndarray of str
            ``target_names[y]`` names each image's class.
        image_shape : tuple of int
            ``(height, width, channels)``.
        data_format : str
            Layout of the flat rows (see :class:`DatasetInfo`).
        name : str
            The canonical dataset name.
        split : str
            How the rows were chosen, e.g. ``"the dataset's canonical
            train/test split, subsampled to 1000/300"``.

    Raises
    ------
    DatasetNotAvailableError
        If an OpenML dataset is not cached and cannot be downloaded.

    Examples
    --------
    >>> from sk_lenet.datasets import QUICK_TEST, QUICK_TRAIN, load_train_test
    >>> data = load_train_test("digits", n_train=QUICK_TRAIN, n_test=QUICK_TEST)
    >>> data.X_train.shape, data.X_test.shape
    ((1000, 64), (300, 64))
    >>> data.split
    "the dataset's canonical train/test split, subsampled to 1000/300"
    """
    key = _dataset_key(name)
    info = _INFO[key]
    if key == "digits":
        data, target, _ = _digits_arrays()

        def rows(subset: str) -> slice | np.ndarray:
            return _digits_rows(target, subset)

    else:
        spec = _OPENML[key]
        data, target, _ = _openml_arrays(
            spec,
            data_home=data_home,
            download_if_missing=download_if_missing,
            cache=True,
            n_retries=3,
            delay=1.0,
            stacklevel=4,  # user -> validate_params' wrapper -> here
        )

        def rows(subset: str) -> slice | np.ndarray:
            return _openml_rows(spec, data.shape[0], subset)

    if test_size is None:
        X_train, y_train = _select(data, target, rows("train"))
        X_test, y_test = _select(data, target, rows("test"))
        split = "the dataset's canonical train/test split"
    else:
        X_train, X_test, y_train, y_test = train_test_split(
            data,
            target,
            test_size=test_size,
            stratify=target,
            random_state=random_state,
        )
        split = f"a stratified {test_size:g} test split"
    X_train, y_train, fewer_train = _subsample(X_train, y_train, n_train, random_state)
    X_test, y_test, fewer_test = _subsample(X_test, y_test, n_test, random_state)
    if fewer_train or fewer_test:
        split += f", subsampled to {len(y_train)}/{len(y_test)}"
    return Bunch(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        target_names=np.asarray(info.target_names),
        image_shape=info.image_shape,
        data_format=info.data_format,
        name=key,
        split=split,
    )
