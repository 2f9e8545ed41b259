"""Helpers shared by the example scripts: options, data loading, reporting,
and the whole run of a recipe (:func:`run_recipe`).

Every example takes ``--quick``: ``QUICK_TRAIN`` training and ``QUICK_TEST``
test images (1000 and 300, the command line's quick size too) and one epoch,
on the real dataset when it is already cached (``--data-home`` or
``SCIKIT_LEARN_DATA``), else on the bundled 8x8 digits, so that CI can run
them all offline in seconds.  Splitting and subsampling are
:func:`sk_lenet.datasets.load_train_test`'s.
"""

from __future__ import annotations

import argparse
import os
import sys

from sklearn.metrics import accuracy_score, classification_report

from sk_lenet.datasets import (
    QUICK_TEST,
    QUICK_TRAIN,
    DatasetNotAvailableError,
    load_train_test,
)


def parse_args(description: str, argv=None) -> argparse.Namespace:
    """The options every example takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_TRAIN} training and {QUICK_TEST} test images, "
        "1 epoch; on digits unless the real dataset is cached",
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
    subsampled to ``QUICK_TRAIN`` / ``QUICK_TEST``.

    Returns ``(X_train, X_test, y_train, y_test, target_names, used_name)``.
    """
    quick = {"n_train": QUICK_TRAIN, "n_test": QUICK_TEST} if args.quick else {}
    try:
        # --quick never downloads; a full run downloads once, then caches
        data = load_train_test(
            name,
            test_size=test_size,
            random_state=args.random_state,
            data_home=args.data_home,
            download_if_missing=not args.quick,
            **quick,
        )
    except DatasetNotAvailableError:
        if not args.quick:
            raise
        print(
            f"[quick] {name} is not cached: using the bundled 8x8 digits instead",
            file=sys.stderr,
        )
        data = load_train_test("digits", random_state=args.random_state, **quick)
    print(
        f"{data.name}: {len(data.y_train)} training and {len(data.y_test)} test "
        f"images, {data.X_train.shape[1]} pixels each ({data.split})"
    )
    return (
        data.X_train,
        data.X_test,
        data.y_train,
        data.y_test,
        data.target_names,
        data.name,
    )


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


def run_recipe(name: str, argv=None, *, quick: dict | None = None) -> None:
    """Train recipe ``name`` of :mod:`sk_lenet.recipes` on its dataset and
    report it: the whole of a recipe's example.

    The recipe's estimator (:func:`~sk_lenet.recipes.make_recipe`) goes into
    the examples' ``PixelScaler -> ImageReshaper -> classifier`` pipeline.
    With ``--quick``: one epoch on the quick subsample; where that falls back
    to the grey digits, a colour recipe's flips (augmentation and test-time)
    are switched off (a mirrored digit is no digit).  ``quick``: more
    parameters for the ``--quick`` run (a narrower network, say).
    """
    from sklearn.pipeline import make_pipeline

    from sk_lenet import ImageReshaper, PixelScaler
    from sk_lenet._network import MIRRORING_PRESETS
    from sk_lenet.datasets import dataset_info
    from sk_lenet.recipes import RECIPES, make_recipe

    recipe = RECIPES[name]
    args = parse_args(f"The {name} recipe: {recipe.summary}.", argv)
    X_train, X_test, y_train, y_test, names, used = load(recipe.dataset, args)
    info = dataset_info(used)

    clf = make_recipe(name, random_state=args.random_state, verbose=2)
    if args.quick:
        clf.set_params(epochs=1, **(quick or {}))
    if info.image_shape[-1] == 1 and (clf.tta or clf.augment in MIRRORING_PRESETS):
        print("[grey digits] flips switched off", file=sys.stderr)
        clf.set_params(tta=False, augment=None)
    model = make_pipeline(
        PixelScaler(max_value=255),
        ImageReshaper(data_format=info.data_format),  # flat rows -> images
        clf,
    )
    print(f"training {clf!r}")
    model.fit(X_train, y_train)
    report(
        model, X_test, y_test, names, output_dir=args.output_dir, stem=f"{name}_{used}"
    )
