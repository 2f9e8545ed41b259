"""The data ``sk-lenet`` trains and predicts on, from :mod:`sk_lenet.datasets`.

The one module of the command that reads dataset facts (names, image shapes,
row layout, class names, the ``--quick`` sizes) and loads data; each fact has
its home in :mod:`sk_lenet.datasets`.
"""

from __future__ import annotations

import numpy as np

from sk_lenet._dataset_info import (
    _INFO,
    DATASETS,
    QUICK_TEST,
    QUICK_TRAIN,
    _dataset_key,
)
from sk_lenet._pipeline import final_estimator
from sk_lenet.cli.report import CLIError, fmt_shape

__all__ = [
    "DATASETS",
    "QUICK_TEST",
    "QUICK_TRAIN",
    "dataset_for",
    "dataset_info",
    "images_to_rows",
    "load_split",
    "load_subset",
    "model_shape",
]


def dataset_info(name: str):
    """:func:`sk_lenet.datasets.dataset_info`, without importing scikit-learn."""
    return _INFO[_dataset_key(name)]


def load_split(args):
    """Train and test data per ``--dataset``, ``--test-size`` and ``--quick``.

    Returns :func:`~sk_lenet.datasets.load_train_test`'s Bunch.
    """
    from sk_lenet.datasets import load_train_test

    return load_train_test(
        args.dataset,
        test_size=args.test_size,
        n_train=QUICK_TRAIN if args.quick else None,
        n_test=QUICK_TEST if args.quick else None,
        random_state=args.random_state,
        data_home=args.data_home,
    )


def load_subset(
    name: str, subset: str, *, quick: bool = False, data_home: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of a dataset's ``subset``; with ``quick``, at most ``QUICK_TEST``.

    The quick sample is stratified, the same images every time.
    """
    from sk_lenet.datasets import load_dataset, load_train_test

    if not quick:
        return load_dataset(name, subset=subset, data_home=data_home, return_X_y=True)
    n = QUICK_TEST // 2 if subset == "all" else QUICK_TEST
    bunch = load_train_test(name, n_train=n, n_test=n, data_home=data_home)
    if subset == "train":
        return bunch.X_train, bunch.y_train
    if subset == "test":
        return bunch.X_test, bunch.y_test
    return (
        np.concatenate([bunch.X_train, bunch.X_test]),
        np.concatenate([bunch.y_train, bunch.y_test]),
    )


def model_shape(model) -> tuple[int, int, int]:
    """The ``(height, width, channels)`` a fitted model takes."""
    return tuple(int(d) for d in final_estimator(model).image_shape_)


def dataset_for(model, requested: str | None = None, *, required: bool = True):
    """The built-in dataset whose images ``model`` takes.

    Parameters
    ----------
    model : fitted estimator or Pipeline
    requested : str, default=None
        ``--dataset``: checked against the model's image shape.  ``None``
        guesses the dataset from the shape.
    required : bool, default=True
        When no dataset matches: raise :class:`CLIError` (True) or return
        ``None`` (False).

    Returns
    -------
    str or None
    """
    shape = model_shape(model)
    matches = [n for n in DATASETS if dataset_info(n).image_shape == shape]
    if requested is not None:
        if dataset_info(requested).image_shape != shape:
            hint = f"; use --dataset {matches[0]}" if matches else ""
            raise CLIError(
                f"the model takes {fmt_shape(shape)} images but {requested} has "
                f"{fmt_shape(dataset_info(requested).image_shape)} images{hint}"
            )
        return requested
    if matches:
        return matches[0]
    if not required:
        return None
    raise CLIError(
        f"the model takes {fmt_shape(shape)} images, which matches no "
        f"built-in dataset ({', '.join(DATASETS)}); predict image files instead"
    )


def target_names(dataset: str | None):
    """The class names of ``dataset`` (``None`` for no dataset)."""
    return None if dataset is None else dataset_info(dataset).target_names


def images_to_rows(model, images: np.ndarray) -> np.ndarray:
    """Flatten channels-last images the way the model's pipeline reads rows."""
    from sk_lenet.preprocessing import ImageReshaper

    for _, step in getattr(model, "steps", [])[:-1]:
        if isinstance(step, ImageReshaper):
            if step.data_format == "channels_first":
                images = images.transpose(0, 3, 1, 2)
            return images.reshape(len(images), -1)
    return images
