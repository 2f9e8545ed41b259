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

The OpenML loaders are built on :func:`sklearn.datasets.fetch_openml` (which
downloads, checks the md5 and caches the ARFF file under
``data_home/openml``), read the ARFF pixels with a lean reader, and keep a
verified array cache under ``data_home/sk_lenet`` that later loads read in a
fraction of a second.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from typing import Any

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

from sk_lenet import _openml_cache as _oc
from sk_lenet.preprocessing import rows_to_images

__all__ = [
    "DATASETS",
    "DatasetNotAvailableError",
    "fetch_cifar10",
    "fetch_mnist",
    "load_dataset",
    "load_digits",
]

#: Names accepted by :func:`load_dataset` (aliases: ``mnist_784``,
#: ``cifar_10``, ``cifar-10``; matching is case-insensitive).
DATASETS: tuple[str, ...] = ("digits", "mnist", "cifar10")

_ALIASES = {
    "digits": "digits",
    "mnist": "mnist",
    "mnist_784": "mnist",
    "cifar10": "cifar10",
    "cifar_10": "cifar10",
    "cifar-10": "cifar10",
}

_SUBSETS = ("all", "train", "test")

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


class DatasetNotAvailableError(OSError):
    """A dataset is neither cached locally nor downloadable right now.

    Raised by :func:`fetch_mnist` and :func:`fetch_cifar10` when the network
    cannot be reached (or ``download_if_missing=False``) and the data is not
    in the cache under ``data_home``.  The message names the dataset, the
    cache folder and the offline alternative :func:`load_digits`.
    """


@dataclasses.dataclass(frozen=True)
class _OpenMLSpec:
    key: str
    openml_name: str
    version: int
    n_train: int
    n_test: int
    image_shape: tuple[int, int, int]
    planar: bool  # OpenML rows are channel-planar (R..., G..., B...)
    class_names: tuple[str, ...] | None  # None: OpenML's nominal values
    title: str


# Canonical splits: the first n_train rows are the training set, the last
# n_test the test set (the order of the original files, kept by OpenML).
_OPENML: dict[str, _OpenMLSpec] = {
    "mnist": _OpenMLSpec(
        key="mnist",
        openml_name="mnist_784",
        version=1,
        n_train=60000,
        n_test=10000,
        image_shape=(28, 28, 1),
        planar=False,
        class_names=None,
        title="MNIST handwritten digits",
    ),
    "cifar10": _OpenMLSpec(
        key="cifar10",
        openml_name="CIFAR_10",
        version=1,
        n_train=50000,
        n_test=10000,
        image_shape=(32, 32, 3),
        planar=True,
        class_names=CIFAR10_CLASSES,
        title="CIFAR-10 tiny colour images",
    ),
}

# load_digits split: train_test_split(test_size=0.25, stratify=target,
# random_state=0), indices sorted.
_DIGITS_TEST_SIZE = 0.25
_DIGITS_RANDOM_STATE = 0


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_subset(subset: Any) -> str:
    if not isinstance(subset, str):
        raise TypeError(
            f"subset must be one of {', '.join(map(repr, _SUBSETS))}, "
            f"got {type(subset).__name__} {subset!r}"
        )
    if subset not in _SUBSETS:
        raise ValueError(
            f"subset must be one of {', '.join(map(repr, _SUBSETS))}, got {subset!r}"
        )
    return subset


def _check_data_home(data_home: Any) -> None:
    if data_home is not None and not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(
            f"data_home must be a str, a path-like object or None, got "
            f"{type(data_home).__name__}"
        )


def _check_retries(n_retries: Any, delay: Any) -> None:
    if isinstance(n_retries, bool) or not isinstance(n_retries, (int, np.integer)):
        raise TypeError(f"n_retries must be an int, got {n_retries!r}")
    if n_retries < 0:
        raise ValueError(f"n_retries must be >= 0, got {n_retries}")
    if isinstance(delay, bool) or not isinstance(delay, (int, float, np.number)):
        raise TypeError(f"delay must be a number of seconds, got {delay!r}")
    if not delay >= 0:
        raise ValueError(f"delay must be >= 0, got {delay}")


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
        f"Dataset {spec.key!r} (OpenML {spec.openml_name!r} version "
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
    cache: bool,
    download_if_missing: bool,
    n_retries: int,
    delay: float,
) -> dict[str, Any]:
    try:
        arrays = _oc.fetch_openml_arrays(
            spec.openml_name,
            spec.version,
            data_home=home,
            cache=cache,
            allow_download=download_if_missing,
            n_retries=n_retries,
            delay=delay,
        )
    except _oc.NetworkUnavailable as exc:
        raise _not_available(spec, home, exc.reason) from None
    except (OSError, TimeoutError) as exc:
        # HTTP errors (URLError subclass) after scikit-learn's own retries
        from urllib.error import URLError

        if not isinstance(exc, (URLError, TimeoutError, ConnectionError)):
            raise
        raise _not_available(spec, home, f"{type(exc).__name__}: {exc}") from None
    names = arrays["class_values"]
    if spec.class_names is not None:
        if len(names) != len(spec.class_names):
            raise _oc.ArffFormatError(
                f"OpenML {spec.openml_name} has {len(names)} classes, expected "
                f"{len(spec.class_names)}"
            )
        names = list(spec.class_names)
    n_features = int(np.prod(spec.image_shape))
    if arrays["data"].shape[1] != n_features:
        raise _oc.ArffFormatError(
            f"OpenML {spec.openml_name} has {arrays['data'].shape[1]} features, "
            f"expected {n_features}"
        )
    arrays["target_names"] = [str(n) for n in names]
    return arrays


def _load_openml(
    spec: _OpenMLSpec,
    *,
    data_home: str | os.PathLike | None,
    download_if_missing: bool,
    as_images: bool,
    subset: str,
    return_X_y: bool,
    cache: bool,
    n_retries: int,
    delay: float,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    _check_data_home(data_home)
    download_if_missing = _check_bool("download_if_missing", download_if_missing)
    as_images = _check_bool("as_images", as_images)
    return_X_y = _check_bool("return_X_y", return_X_y)
    cache = _check_bool("cache", cache)
    subset = _check_subset(subset)
    _check_retries(n_retries, delay)

    home = str(get_data_home(data_home)) if cache else None
    expected = {
        "format": _oc.CACHE_FORMAT,
        "openml_name": spec.openml_name,
        "version": spec.version,
    }
    loaded = None
    if cache:
        path = _cache_path(home, spec)
        try:
            data, target, meta = _oc.read_array_cache(path, expected)
            loaded = data, target, meta
        except FileNotFoundError:
            pass
        except _oc.CacheInvalid as exc:
            warnings.warn(
                f"sk_lenet: the array cache {path} is invalid ({exc}); "
                f"rebuilding it from the OpenML cache.",
                RuntimeWarning,
                stacklevel=3,
            )
    if loaded is None:
        arrays = _fetch_from_openml(
            spec,
            home,
            cache=cache,
            download_if_missing=download_if_missing,
            n_retries=n_retries,
            delay=delay,
        )
        data, target = arrays.pop("data"), arrays.pop("target")
        meta = dict(expected, **arrays)
        if cache:
            try:
                _oc.write_array_cache(path, data, target, meta)
            except OSError as exc:
                warnings.warn(
                    f"sk_lenet: could not write the array cache {path} ({exc}); "
                    f"the next load will parse the OpenML file again.",
                    RuntimeWarning,
                    stacklevel=3,
                )
    else:
        data, target, meta = loaded

    n_total = data.shape[0]
    if subset != "all" and n_total != spec.n_train + spec.n_test:
        raise ValueError(
            f"OpenML {spec.openml_name} has {n_total} rows, expected "
            f"{spec.n_train} + {spec.n_test}; cannot take the {subset!r} split"
        )
    rows = {
        "all": slice(None),
        "train": slice(0, spec.n_train),
        "test": slice(spec.n_train, n_total),
    }[subset]
    data, target = _select(data, target, rows)
    if as_images:
        layout = "channels_first" if spec.planar else "channels_last"
        data = rows_to_images(data, spec.image_shape, layout)
    h, w, c = spec.image_shape
    layout = (
        f"(n, {h}, {w}, {c}) channels-last images"
        if as_images
        else (
            f"(n, {h * w * c}) flat rows in OpenML's channel-planar layout "
            f"(1024 red, 1024 green, 1024 blue values, each row-major)"
            if spec.planar
            else f"(n, {h * w * c}) flat rows, row-major {h}x{w} pixels"
        )
    )
    descr = (
        f"{spec.title} (OpenML {spec.openml_name!r} version {spec.version}), "
        f"loaded by sk_lenet.datasets.\n\n"
        f"subset={subset!r}: {data.shape[0]} images; the canonical split is "
        f"the first {spec.n_train} rows (train) and the last {spec.n_test} "
        f"rows (test).\n"
        f"data: uint8 pixels 0..255, {layout}.\n"
        f"target: int64 class indices 0..{len(meta['target_names']) - 1}; "
        f"target_names[target] gives the class names.\n\n"
        f"{meta.get('DESCR', '')}"
    )
    return _finish(
        data,
        target,
        return_X_y=return_X_y,
        feature_names=list(meta["feature_names"]),
        target_names=np.asarray(meta["target_names"]),
        DESCR=descr,
        details=dict(meta.get("details", {}), subset=subset, as_images=as_images),
    )


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
    the ARFF file through :func:`sklearn.datasets.fetch_openml` (about 20 MB
    compressed) and writes a verified array cache; later calls read that
    cache in well under a second.

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
        and writes nothing.
    n_retries : int, default=3
        Extra attempts after a network timeout or an HTTP error.  Failures
        that cannot be transient (no route to the host, name resolution
        failed, connection refused) are not retried.
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
    downloads the ARFF file through :func:`sklearn.datasets.fetch_openml`
    (about 250 MB compressed) and writes a verified array cache; later calls
    read that cache in well under a second.  Memory stays low: about 190 MB
    for the pixels (twice that with ``as_images=True``), also on the first
    call.

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
        and writes nothing.
    n_retries : int, default=3
        Extra attempts after a network timeout or an HTTP error.  Failures
        that cannot be transient (no route to the host, name resolution
        failed, connection refused) are not retried.
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


def _digits_split(target: np.ndarray, subset: str) -> slice | np.ndarray:
    if subset == "all":
        return slice(None)
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(target.shape[0]),
        test_size=_DIGITS_TEST_SIZE,
        stratify=target,
        random_state=_DIGITS_RANDOM_STATE,
    )
    return np.sort(train if subset == "train" else test)


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
    from sklearn.datasets import load_digits as _sk_load_digits

    as_images = _check_bool("as_images", as_images)
    return_X_y = _check_bool("return_X_y", return_X_y)
    subset = _check_subset(subset)
    raw = _sk_load_digits()
    data = np.rint(raw.data * (255.0 / 16.0)).astype(np.uint8)
    target = raw.target.astype(np.int64)
    data, target = _select(data, target, _digits_split(target, subset))
    if as_images:
        data = data.reshape(-1, 8, 8, 1)
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
        target_names=np.asarray([str(i) for i in range(10)]),
        DESCR=descr,
        details={"subset": subset, "as_images": as_images},
    )


# --------------------------------------------------------------------------
# by name
# --------------------------------------------------------------------------

_OPENML_ONLY = ("data_home", "download_if_missing", "cache", "n_retries", "delay")


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
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = _ALIASES.get(name.strip().lower())
    if key is None:
        raise ValueError(
            f"unknown dataset {name!r}; valid names are "
            f"{', '.join(map(repr, DATASETS))} (aliases: 'mnist_784', "
            f"'cifar_10', 'cifar-10'; case-insensitive)"
        )
    if key == "digits":
        for option in _OPENML_ONLY:
            kwargs.pop(option, None)
        return load_digits(**kwargs)
    if key == "mnist":
        return fetch_mnist(**kwargs)
    return fetch_cifar10(**kwargs)
