"""Where does a training step's time go? TensorFlow's profiler, per op type.

For each tutorial setup, builds the sk_lenet estimator with the tutorial's
hyperparameters, trains it one epoch of ``--steps`` batches of random uint8
pixels (the cost of a step does not depend on the pixel values), then times
``partial_fit`` (the same steps; no hold-out) and profiles one more call with
``tf.profiler``.  Reports the wall time per step and, per TensorFlow op type,
the self time per step and how many such ops a step runs.  Self times are
summed over threads: two ops that run at the same time on TensorFlow's
inter-op threads both count in full, so the column can add up to more than
the wall time, and an op slowed by the one running beside it shows that.
Writes the section "Training step profile" of ``results/tutorials.json`` (or
``--out``) and the markdown next to it.

    python benchmarks/_step_profile.py --setups dropout_cnn mlp_cifar10
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Moved to benchmarks/probes/: the harness and results live one folder up.
HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE), str(Path(__file__).resolve().parent)]

SECTION = "Training step profile: TensorFlow op types per step"


def _op_stats(logdir):
    """Rows of the profiler's framework op statistics, as dicts."""
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin

    planes = glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)
    data, ok = _pywrap_profiler_plugin.xspace_to_tools_data(
        planes, "framework_op_stats", {}
    )
    if not ok:
        raise RuntimeError(f"the profiler gave no op statistics: {data[:200]!r}")
    table = json.loads(data)[0]
    labels = [c["label"] for c in table["cols"]]
    return [
        dict(zip(labels, (c.get("v") for c in row["c"]), strict=True))
        for row in table["rows"]
    ]


def profile(setup, steps, repeats):
    import tensorflow as tf
    from bench_tutorials import SETUPS, make_estimator, random_pixels

    clf = make_estimator(setup, 1, 0).set_params(validation_fraction=0.0)
    X, y = random_pixels(setup, steps * clf.batch_size)
    clf.fit(X, y)  # builds and traces
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        clf.partial_fit(X, y)
        walls.append((time.perf_counter() - start) / steps * 1e3)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        clf.partial_fit(X, y)
        profiled_ms = (time.perf_counter() - start) / steps * 1e3
        tf.profiler.experimental.stop()
        rows = _op_stats(logdir)
    by_type = {}
    for r in rows:
        kind = r["Operation Type"]
        if kind == "IDLE":
            continue
        agg = by_type.setdefault(kind, {"self_us": 0.0, "count": 0})
        agg["self_us"] += r["Total self-time (us)"]
        agg["count"] += r["#Occurrences"]
    ops = sorted(
        (
            {
                "op_type": kind,
                "self_ms_per_step": round(a["self_us"] / steps / 1e3, 3),
                "per_step": round(a["count"] / steps, 2),
            }
            for kind, a in by_type.items()
        ),
        key=lambda o: -o["self_ms_per_step"],
    )
    return {
        "setup": setup,
        "title": SETUPS[setup]["title"],
        "batch_size": clf.batch_size,
        "steps": steps,
        "wall_ms_per_step": round(statistics.median(walls), 2),
        "wall_ms_per_step_runs": [round(w, 2) for w in walls],
        "profiled_wall_ms_per_step": round(profiled_ms, 2),
        "self_ms_per_step_total": round(sum(o["self_ms_per_step"] for o in ops), 2),
        "ops": ops,
    }


def render(results, env, top):
    from bench_tutorials import cpu_cell

    lines = [
        f"`benchmarks/_step_profile.py`, {env['date']}: {cpu_cell(env)}, "
        f"oneDNN enabled={env['onednn_enabled_tf_reports']}, TensorFlow "
        f"{env['versions']['tensorflow']}, sk_lenet git {env['git_commit']}. "
        "One epoch of random uint8 pixels through the sk_lenet estimator with "
        "the tutorial's hyperparameters (no hold-out), profiled with "
        "`tf.profiler`. *Wall* is `partial_fit` time per step without the "
        "profiler (median) and with it. Self times are per step and summed over "
        "threads: ops running side by side on TensorFlow's inter-op threads both "
        "count in full, so they can add up to more than the wall time.",
    ]
    for r in results:
        lines += [
            "",
            f"**{r['setup']}: {r['title']}**, batch {r['batch_size']}, "
            f"{r['steps']} steps: wall {r['wall_ms_per_step']:.1f} ms per step "
            f"(runs {', '.join(f'{w:.1f}' for w in r['wall_ms_per_step_runs'])}; "
            f"{r['profiled_wall_ms_per_step']:.1f} profiled), self times "
            f"{r['self_ms_per_step_total']:.1f} ms per step.",
            "",
            "| op type | self ms per step | share of self time | calls per step |",
            "| --- | ---: | ---: | ---: |",
        ]
        total = r["self_ms_per_step_total"] or 1.0
        shown = r["ops"][:top]
        for o in shown:
            lines.append(
                f"| `{o['op_type']}` | {o['self_ms_per_step']:.2f} | "
                f"{o['self_ms_per_step'] / total:.0%} | {o['per_step']:g} |"
            )
        rest = r["ops"][top:]
        if rest:
            rest_ms = sum(o["self_ms_per_step"] for o in rest)
            lines.append(
                f"| {len(rest)} other op types | {rest_ms:.2f} | "
                f"{rest_ms / total:.0%} | |"
            )
    return "\n".join(lines)


def main(argv=None):
    from bench_tutorials import SETUPS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--setups", nargs="+", choices=list(SETUPS), default=["dropout_cnn"])
    p.add_argument(
        "--steps",
        type=int,
        default=64,
        help="batches per epoch, a multiple of 32 (sk_lenet runs 32 steps per "
        "call; a shorter remainder call runs outside the op statistics)",
    )
    p.add_argument("--repeats", type=int, default=3, help="timed epochs")
    p.add_argument("--top", type=int, default=12, help="op types in the table")
    p.add_argument("--out", default=str(HERE / "results" / "tutorials.json"))
    args = p.parse_args(argv)
    from sk_lenet.base import _STEPS_PER_EXECUTION

    if args.steps <= 0 or args.steps % _STEPS_PER_EXECUTION:
        p.error(f"--steps must be a positive multiple of {_STEPS_PER_EXECUTION}")

    from sk_lenet._tf import quiet_import_tensorflow

    quiet_import_tensorflow()
    from _shared import run_per_setup

    run_per_setup(
        args.setups,
        lambda setup: profile(setup, args.steps, args.repeats),
        lambda results, env: render(results, env, args.top),
        args.out,
        SECTION,
        "step_profile",
        lambda r: (
            f"{r['setup']}: wall {r['wall_ms_per_step']} ms/step, self "
            f"{r['self_ms_per_step_total']} ms/step"
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
