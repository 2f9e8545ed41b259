"""Helpers shared by the example scripts: options, data loading, reporting.

Every example takes ``--quick``: about 1500 training images and one epoch, on
the real dataset when it is already cached (``--data-home`` or
``SCIKIT_LEARN_DATA``), else on the bundled 8x8 digits, so that CI can run
them all offline in seconds.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import train_test_split

from sk_lenet.datasets import DatasetNotAvailableError, load_dataset

QUICK_TRAIN, QUICK_TEST = 1500, 500


def parse_args(description: str, argv=None) -> argparse.Namespace:
    """The options every example takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: ~1500 images, 1 epoch; on digits unless the real "
        "dataset is cached",
    )
    parser.add_argument(
        "--data-home", help="scikit-learn data cache (default: $SCIKIT_LEARN_DATA)"
    )
    parser.add_argument(
        "--output-dir",
        default=os.path.join("sk_lenet_output", "examples"),
        help="where figures and models go (default: %(default)s)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    return parser.parse_args(argv)


def load(name: str, args: argparse.Namespace, *, test_size: float | None = None):
    """Train/test data of dataset ``name`` as uint8 rows.

    ``test_size=None`` uses the dataset's canonical split; a float splits the
    whole dataset (stratified).  With ``--quick`` the real dataset is used
    only if it is cached, else the bundled digits, and both parts are
    subsampled.

    Returns ``(X_train, X_test, y_train, y_test, target_names, used_name)``.
    """
    used = name
    try:
        # --quick never downloads; a full run downloads once, then caches
        bunch = load_dataset(
            name, data_home=args.data_home, download_if_missing=not args.quick
        )
    except DatasetNotAvailableError:
        if not args.quick:
            raise
        print(
            f"[quick] {name} is not cached: using the bundled 8x8 digits instead",
            file=sys.stderr,
        )
        used, test_size = "digits", None
        bunch = load_dataset("digits")
    if test_size is None:
        train = load_dataset(used, subset="train", data_home=args.data_home)
        test = load_dataset(used, subset="test", data_home=args.data_home)
        X_train, y_train, X_test, y_test = (
            train.data,
            train.target,
            test.data,
            test.target,
        )
    else:
        X_train, X_test, y_train, y_test = train_test_split(
            bunch.data,
            bunch.target,
            test_size=test_size,
            stratify=bunch.target,
            random_state=args.random_state,
        )
    if args.quick:
        X_train, y_train = _first_n(X_train, y_train, QUICK_TRAIN, args.random_state)
        X_test, y_test = _first_n(X_test, y_test, QUICK_TEST, args.random_state)
    print(
        f"{used}: {len(y_train)} training and {len(y_test)} test images, "
        f"{X_train.shape[1]} pixels each"
    )
    return X_train, X_test, y_train, y_test, bunch.target_names, used


def _first_n(X, y, n, seed):
    if len(y) <= n:
        return X, y
    idx = np.random.default_rng(seed).choice(len(y), size=n, replace=False)
    return X[np.sort(idx)], y[np.sort(idx)]


def report(model, X_test, y_test, target_names, *, output_dir: str, stem: str):
    """Print accuracy and classification report, save the learning curves."""
    pred = model.predict(X_test)
    print(f"accuracy: {accuracy_score(y_test, pred):.4f}")
    print(
        classification_report(y_test, pred, target_names=list(target_names), digits=4)
    )
    try:
        from sk_lenet.plotting import plot_learning_curves
    except ImportError:  # pragma: no cover
        return
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, f"{stem}_learning_curves.png")
    try:
        plot_learning_curves(model, path=path)
    except ImportError as exc:
        print(f"learning curves skipped: {exc}", file=sys.stderr)
        return
    print(f"saved {path}")
