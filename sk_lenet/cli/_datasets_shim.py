"""TEMPORARY: the dataset API that ``sk_lenet.datasets`` is gaining, for the CLI.

Implements exactly ``QUICK_TRAIN``, ``QUICK_TEST``, ``DatasetInfo``,
``dataset_info`` and ``load_train_test`` of ``sk_lenet.datasets`` on top of
today's :func:`~sk_lenet.datasets.load_dataset`, with the CLI's former
splitting and subsampling.  Imported in one place only,
:mod:`sk_lenet.cli.data`; once ``sk_lenet.datasets`` has these names, import
them from there and delete this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from sk_lenet.datasets import _OPENML, CIFAR10_CLASSES, load_dataset

QUICK_TRAIN: int = 1000
QUICK_TEST: int = 300


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    image_shape: tuple[int, int, int]
    data_format: str
    target_names: tuple[str, ...]


def dataset_info(name: str) -> DatasetInfo:
    key = name.strip().lower().replace("-", "").replace("_", "")
    key = {"mnist784": "mnist"}.get(key, key)
    if key == "digits":
        return DatasetInfo(
            "digits",
            "scikit-learn's bundled 8x8 handwritten digits",
            (8, 8, 1),
            "channels_last",
            tuple(str(i) for i in range(10)),
        )
    if key not in _OPENML:
        raise ValueError(f"unknown dataset {name!r}")
    spec = _OPENML[key]
    return DatasetInfo(
        key,
        spec.title,
        spec.image_shape,
        "channels_first" if spec.planar else "channels_last",
        CIFAR10_CLASSES if key == "cifar10" else tuple(str(i) for i in range(10)),
    )


def _subsample(X, y, n, seed):
    if n is None or len(y) <= n:
        return X, y
    X, _, y, _ = train_test_split(X, y, train_size=n, stratify=y, random_state=seed)
    return X, y


def load_train_test(
    name,
    *,
    test_size=None,
    n_train=None,
    n_test=None,
    random_state=0,
    data_home=None,
    download_if_missing=True,
) -> Bunch:
    info = dataset_info(name)
    kw = {"data_home": data_home, "download_if_missing": download_if_missing}
    if test_size is None:
        train = load_dataset(info.name, subset="train", **kw)
        test = load_dataset(info.name, subset="test", **kw)
        X_train, y_train, X_test, y_test = (
            train.data,
            train.target,
            test.data,
            test.target,
        )
        split = "the dataset's canonical train/test split"
    else:
        data = load_dataset(info.name, subset="all", **kw)
        X_train, X_test, y_train, y_test = train_test_split(
            data.data,
            data.target,
            test_size=test_size,
            stratify=data.target,
            random_state=random_state,
        )
        split = f"a stratified {test_size:g} test split"
    if n_train is not None or n_test is not None:
        X_train, y_train = _subsample(X_train, y_train, n_train, random_state)
        X_test, y_test = _subsample(X_test, y_test, n_test, random_state)
        split += f", subsampled to {len(y_train)}/{len(y_test)}"
    return Bunch(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        target_names=np.asarray(info.target_names),
        image_shape=info.image_shape,
        data_format=info.data_format,
        name=info.name,
        split=split,
    )
