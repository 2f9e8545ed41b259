"""What a one-batch ``partial_fit`` call costs, side by side with Keras.

scikit-learn's incremental-learning loop (``for X_b, y_b in batches:
clf.partial_fit(X_b, y_b, classes=...)``) is bound by what each call costs
besides its one training step.  For each tutorial setup (its estimator, its
batch size, ``random_state=0``), runs ``--calls`` one-batch calls on random
uint8 pixels (the cost does not depend on the pixel values) with each trial,
the trials interleaved in ``--rounds`` rounds in one process, each round on
fresh networks:

* ``sk_lenet``: ``clf.partial_fit(X_b, y_b)`` as shipped;
* ``before``: the same estimator as sk_lenet was until 2026-12-01: seeded
  with ``tf.random.set_seed`` as ``keras.utils.set_random_seed`` does it,
  which empties TensorFlow's kernel cache (so each call instantiated the
  traced functions again), every call of at most 8 steps eager after an
  eager first one, and every batch through Keras' array pipeline;
* ``keras_fit``: plain Keras, ``model.fit(X_b, y_b, batch_size, verbose=0)``
  on the same compiled network (traced, as Keras runs it by default);
* ``train_on_batch``: Keras' ``model.train_on_batch(X_b, y_b)``, one step
  without ``fit``'s data pipeline, callbacks or history: the floor.

Reports per trial the median milliseconds per call (the first call, which
builds the network, left out) and the median whole loop, and the median of
the per-round ratios to ``sk_lenet``.  Writes the section "One-batch
partial_fit" of ``results/tutorials.json`` (or ``--out``) and the markdown
next to it.

    python benchmarks/_partial_fit.py --setups lenet5 dropout_cnn mlp_mnist
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

# Moved to benchmarks/probes/: the harness and results live one folder up.
HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE), str(Path(__file__).resolve().parent)]

SECTION = "One-batch partial_fit: the cost of a call"
TRIALS = ("sk_lenet", "before", "keras_fit", "train_on_batch")


def _choose_execution_before(self, steps):
    """``ImageClassifierBase._choose_execution`` until 2026-12-01."""
    import sk_lenet.base as base

    model = self.model_
    if model.train_function is None:
        model.run_eagerly = steps <= base._EAGER_MAX_STEPS
    elif model.run_eagerly and steps > base._EAGER_MAX_STEPS:
        model.run_eagerly = False
        model.train_function = model.test_function = None


@contextlib.contextmanager
def _as_before():
    """sk_lenet's seeding and choice of eager execution as they were."""
    from unittest import mock

    import tensorflow as tf

    import sk_lenet.base as base

    cls = base.ImageClassifierBase
    with (
        mock.patch.object(base, "_set_tf_global_seed", tf.random.set_seed),
        mock.patch.object(cls, "_choose_execution", _choose_execution_before),
        mock.patch.object(cls, "_batch_feed", lambda *args: None),
    ):
        yield


def _one_round(setup, calls, X, y):
    """Per-call seconds of each trial, on fresh networks."""
    import numpy as np
    from bench_tutorials import make_estimator

    classes = np.arange(10)
    bs = make_estimator(setup, 1, 0).batch_size
    batches = [
        (X[i * bs : (i + 1) * bs], y[i * bs : (i + 1) * bs]) for i in range(calls)
    ]
    times = {}
    for trial in TRIALS:
        clf = make_estimator(setup, 1, 0).set_params(validation_fraction=0.0)
        as_before = _as_before() if trial == "before" else contextlib.nullcontext()
        if trial in ("keras_fit", "train_on_batch"):
            # The estimator's compiled network, trained by Keras directly on
            # the images the estimator would feed it.
            clf.partial_fit(*batches[0], classes=classes)
            model = clf.model_
            model.run_eagerly = False
            model.train_function = None
            images = [(Xb.reshape(-1, *clf.image_shape_), yb) for Xb, yb in batches]
        out = []
        with as_before:
            for i, (Xb, yb) in enumerate(batches):
                start = time.perf_counter()
                if trial in ("sk_lenet", "before"):
                    clf.partial_fit(Xb, yb, classes=classes if i == 0 else None)
                elif trial == "keras_fit":
                    model.fit(*images[i], batch_size=bs, verbose=0)
                else:
                    model.train_on_batch(*images[i])
                out.append(time.perf_counter() - start)
        times[trial] = out
    return times


def bench(setup, calls, rounds):
    from bench_tutorials import SETUPS, make_estimator, random_pixels

    bs = make_estimator(setup, 1, 0).batch_size
    X, y = random_pixels(setup, calls * bs)
    runs = []
    loads = [round(os.getloadavg()[0], 2)]
    for _ in range(rounds):
        runs.append(_one_round(setup, calls, X, y))
        loads.append(round(os.getloadavg()[0], 2))
    per_call = {t: statistics.median(x for r in runs for x in r[t][1:]) for t in TRIALS}
    loop = {t: statistics.median(sum(r[t]) for r in runs) for t in TRIALS}
    ratio = {
        t: statistics.median(
            statistics.median(r[t][1:]) / statistics.median(r["sk_lenet"][1:])
            for r in runs
        )
        for t in TRIALS
    }
    return {
        "setup": setup,
        "title": SETUPS[setup]["title"],
        "batch_size": bs,
        "calls": calls,
        "rounds": rounds,
        "ms_per_call": {t: round(1000 * v, 2) for t, v in per_call.items()},
        "loop_s": {t: round(v, 3) for t, v in loop.items()},
        "ratio_to_sk_lenet": {t: round(v, 3) for t, v in ratio.items()},
        "runs_s": runs,
        "load": loads,
    }


def render(results, env):
    from bench_tutorials import cpu_cell

    lines = [
        f"`benchmarks/_partial_fit.py`, {env['date']}: {cpu_cell(env)}, oneDNN "
        f"enabled={env['onednn_enabled_tf_reports']}, TensorFlow "
        f"{env['versions']['tensorflow']}, sk_lenet git {env['git_commit']}. "
        "A loop of one-batch training calls on random uint8 pixels, each "
        "trial on fresh networks with `random_state=0` and no hold-out "
        "(`validation_fraction=0`), the trials "
        "interleaved in rounds in one process. *sk_lenet* is "
        "`clf.partial_fit(X_b, y_b)`; *before* the same estimator as "
        "sk_lenet was until 2026-12-01 (seeded through `tf.random.set_seed`, "
        "which empties TensorFlow's kernel cache, so every call instantiated "
        "the traced functions again; small calls eager after an eager "
        "first one; every batch through Keras' array pipeline); *keras_fit* "
        "plain Keras "
        "`model.fit(X_b, y_b)` on the same compiled network; "
        "*train_on_batch* Keras' `model.train_on_batch`, one step without "
        "`fit`'s data pipeline, callbacks or history. *ms per call* is the "
        "median over every call but each loop's first (which builds the "
        "network); *loop s* the median whole loop, first call included "
        "(which for *sk_lenet* and *before* builds the network, while "
        "*keras_fit* and *train_on_batch* get it built before the loop); "
        "*ratio* the median over rounds of the trial's median call over "
        "sk_lenet's.",
        "",
        "| setup | batch | calls x rounds | trial | ms per call | ratio to sk_lenet "
        "| loop s | load (1 min) |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        for t in TRIALS:
            bold = "**" if t == "sk_lenet" else ""
            lines.append(
                f"| {r['setup']}: {r['title']} | {r['batch_size']} | "
                f"{r['calls']} x {r['rounds']} | {t} | "
                f"{bold}{r['ms_per_call'][t]:.1f}{bold} | "
                f"{r['ratio_to_sk_lenet'][t]:.2f} | {r['loop_s'][t]:.2f} | "
                f"{min(r['load'])}-{max(r['load'])} |"
            )
    return "\n".join(lines)


def main(argv=None):
    from bench_tutorials import SETUPS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--setups",
        nargs="+",
        choices=list(SETUPS),
        default=["lenet5", "dropout_cnn", "mlp_mnist"],
    )
    p.add_argument("--calls", type=int, default=20, help="one-batch calls per loop")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--out", default=str(HERE / "results" / "tutorials.json"))
    args = p.parse_args(argv)
    if args.calls < 2 or args.rounds < 1:
        p.error("--calls must be >= 2 and --rounds >= 1")

    from sk_lenet._tf import quiet_import_tensorflow

    quiet_import_tensorflow()
    from _shared import run_per_setup
    from bench_tutorials import _warm_up

    _warm_up()
    run_per_setup(
        args.setups,
        lambda setup: bench(setup, args.calls, args.rounds),
        render,
        args.out,
        SECTION,
        "partial_fit",
        lambda r: f"{r['setup']} {r['ms_per_call']}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
