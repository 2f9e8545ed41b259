"""Measure each private Keras/TensorFlow name sk_lenet patches for speed.

A patch stays only where it makes a whole fit or partial_fit at least 1.25x
faster (issue 26).  Two are measured, each with and without, alternating
runs, median of ``--repeats``:

* ``graph_batches``: ``sk_lenet._batches.GraphBatches`` in place of the
  network's ``train_function`` (batches gathered inside the traced step)
  against Keras' own feed: LeNet-5, 2 epochs on the real MNIST training set;
* ``graph_batches_partial_fit``: the same, over 50 seeded one-batch
  ``partial_fit`` calls of LeNet-5 (where Keras builds its ``tf.data``
  pipeline anew for every call);
* ``seed_no_flush``: ``sk_lenet._seeding.set_tf_global_seed`` (writes
  TensorFlow's eager context seed, skipping ``tf.random.set_seed``'s kernel
  cache flush) against ``tf.random.set_seed``: 50 seeded one-batch
  ``partial_fit`` calls of LeNet-5.

Usage::

    python tools/openml_cache.py DATA_HOME     # from SK_LENET_REAL_DATA
    python benchmarks/probes/private_patches.py DATA_HOME [--repeats 3]

Prints one JSON object: seconds per run for each side and the ratio of the
medians (without / with).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from unittest import mock

import numpy as np

import sk_lenet
from sk_lenet import _batches, _seeding
from sk_lenet.datasets import fetch_mnist


def _fit_lenet5(X, y):
    sk_lenet.LeNet5Classifier(epochs=2, random_state=0).fit(X, y)


def _partial_fits(X, y, calls=50, batch=128):
    clf = sk_lenet.LeNet5Classifier(batch_size=batch, random_state=0)
    classes = np.unique(y)
    for i in range(calls):
        rows = slice(i * batch, (i + 1) * batch)
        clf.partial_fit(X[rows], y[rows], classes=classes)


def _timed(run, X, y, patch):
    with patch():
        start = time.perf_counter()
        run(X, y)
        return time.perf_counter() - start


def _measure(run, X, y, without, repeats):
    with_patch, without_patch = [], []
    _timed(run, X[:6400], y[:6400], mock.MagicMock)  # warm up TensorFlow
    for _ in range(repeats):
        with_patch.append(_timed(run, X, y, mock.MagicMock))
        without_patch.append(_timed(run, X, y, without))
    ratio = statistics.median(without_patch) / statistics.median(with_patch)
    return {"with": with_patch, "without": without_patch, "ratio": round(ratio, 3)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_home")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=["graph_batches", "graph_batches_partial_fit", "seed_no_flush"],
    )
    args = parser.parse_args(argv)
    X, y = fetch_mnist(
        data_home=args.data_home, subset="train", return_X_y=True, as_images=True
    )
    results = {}
    if args.only in (None, "seed_no_flush"):
        import tensorflow as tf

        results["seed_no_flush"] = _measure(
            _partial_fits,
            X,
            y,
            lambda: mock.patch.object(
                _seeding, "set_tf_global_seed", tf.random.set_seed
            ),
            args.repeats,
        )
    if args.only in (None, "graph_batches"):
        results["graph_batches"] = _measure(
            _fit_lenet5,
            X,
            y,
            lambda: mock.patch.object(_batches, "batch_feed", lambda *a: None),
            args.repeats,
        )
    if args.only in (None, "graph_batches_partial_fit"):
        results["graph_batches_partial_fit"] = _measure(
            _partial_fits,
            X,
            y,
            lambda: mock.patch.object(_batches, "batch_feed", lambda *a: None),
            args.repeats,
        )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
