"""How fast could a float32 fit be? The kernel floor of each tutorial setup.

For every tutorial setup, builds the sk_lenet network and times, alone and in
float32, each convolution and matrix-product kernel one training step runs
(for every ``Conv2D`` and ``Dense`` layer: the forward product, the weight
gradient and, except for the first layer, the input gradient; batch shapes
as in training; oneDNN as configured).  Each kernel runs ``--inner`` times
inside one traced loop, so the figure is the kernel's own time, not the cost
of calling it.  Their sum times the steps of an epoch (plus the forward
products of a held-out split, where the setup scores one) is a lower bound
on a float32 epoch with these kernels: it leaves out every elementwise op
(bias, activation, pooling, dropout, loss, optimizer).  Divided by the
tutorial code's measured fit time (the newest of the ``full/<setup>`` and
``full/<setup>+separate`` rows of ``results/tutorials.json``), it is the
smallest fit ratio sk_lenet could reach
in float32 without faster kernels.  Writes the section "Kernel floor" of
``results/tutorials.json`` / ``tutorials.md``.

    python benchmarks/_kernel_floor.py --setups lenet dropout_cnn
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

# Moved to benchmarks/probes/: the harness and results live one folder up.
HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE), str(Path(__file__).resolve().parent)]

SECTION = "Kernel floor: the float32 fit ratio the convolution and matrix kernels allow"


def _time_kernel(fn, args, inner, repeats):
    import tensorflow as tf

    @tf.function
    def loop(*a):
        acc = tf.constant(0.0)
        for _ in tf.range(inner):
            out = fn(*a)
            # A data dependence, so the loop body cannot be dropped or hoisted.
            acc += tf.reduce_sum(tf.reshape(out, [-1])[:1]) * 0.0
        return acc

    loop(*args).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        loop(*args).numpy()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def _conv_kernels(layer, batch, rand, first, forward_only=False):
    import tensorflow as tf

    x_shape = (batch, *layer.input.shape[1:])
    w_shape = tuple(layer.kernel.shape)
    pad, strides = layer.padding.upper(), [1, *layer.strides, 1]
    x, w = rand(*x_shape), rand(*w_shape)
    tag = f"{layer.name} {x_shape[1:]}x{w_shape}"
    forward = (f"{tag} forward", lambda x, w: tf.nn.conv2d(x, w, strides, pad), (x, w))
    if forward_only:
        return [forward]
    dy = rand(*layer.compute_output_shape(x_shape))
    kernels = [
        forward,
        (
            f"{tag} weight gradient",
            lambda x, dy: tf.compat.v1.nn.conv2d_backprop_filter(
                x, w_shape, dy, strides, pad
            ),
            (x, dy),
        ),
        (
            f"{tag} input gradient",
            lambda w, dy: tf.nn.conv2d_transpose(dy, w, x_shape, strides, pad),
            (w, dy),
        ),
    ]
    return kernels[:2] if first else kernels


def _dense_kernels(layer, batch, rand, first, forward_only=False):
    import tensorflow as tf

    n_in, n_out = layer.kernel.shape
    x, w = rand(batch, n_in), rand(n_in, n_out)
    tag = f"{layer.name} {n_in}x{n_out}"
    forward = (f"{tag} forward", lambda x, w: x @ w, (x, w))
    if forward_only:
        return [forward]
    dy = rand(batch, n_out)
    kernels = [
        forward,
        (f"{tag} weight gradient", lambda x, dy: tf.transpose(x) @ dy, (x, dy)),
        (f"{tag} input gradient", lambda w, dy: dy @ tf.transpose(w), (w, dy)),
    ]
    return kernels[:2] if first else kernels


def _kernels(model, batch, forward_only=False):
    """(name, fn, args) of the products of one training step, in layer order.

    The first layer needs no input gradient: its input is the data.  With
    ``forward_only``, only the forward products (an inference pass), and no
    gradient tensors are made.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def rand(*shape):
        return tf.constant(rng.standard_normal(shape).astype("float32"))

    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            out += _conv_kernels(
                layer, batch, rand, first=not out, forward_only=forward_only
            )
        elif isinstance(layer, keras.layers.Dense):
            out += _dense_kernels(
                layer, batch, rand, first=not out, forward_only=forward_only
            )
    return out


def floor(setup, doc, inner, repeats):
    from bench_tutorials import _key, make_estimator, random_pixels

    # The newest float32 row, one-process or separate-process: the floor is
    # timed now, so it is compared with the machine's latest measurement.
    keys = [
        _key({"mode": "full", "setup": setup, "processes": processes})
        for processes in ("same", "separate")
    ]
    keys = [k for k in keys if k in doc["results"]]
    if not keys:
        raise SystemExit(f"no full/{setup} row in the results: run it first")
    key = max(keys, key=lambda k: doc["results"][k]["date"])
    row = doc["results"][key]
    clf = make_estimator(setup, row["epochs"], 0)
    n_train = row["n_train"]
    n_held_out = round(n_train * clf._validation_split())
    # Build the network on a few random images: only its shapes matter.
    clf.set_params(epochs=1, validation_fraction=0.0).fit(*random_pixels(setup, 64))
    batch = clf.batch_size
    steps = -(-(n_train - n_held_out) // batch)
    held_out_batches = -(-n_held_out // batch) if n_held_out else 0
    kernels = []
    for name, fn, args in _kernels(clf.model_, batch):
        ms = _time_kernel(fn, args, inner, repeats) * 1e3
        kernels.append({"kernel": name, "ms": round(ms, 3)})
        print(f"  {name:60s} {ms:8.3f} ms", flush=True)
    step_ms = sum(k["ms"] for k in kernels)
    forward_ms = sum(k["ms"] for k in kernels if k["kernel"].endswith("forward"))
    epoch_s = (steps * step_ms + held_out_batches * forward_ms) / 1e3
    peer_epoch_s = row["peer"]["fit_s"] / row["epochs"]
    sk_epoch_s = row["sk_lenet"]["fit_s"] / row["epochs"]
    return {
        "setup": setup,
        "title": row["title"],
        "batch_size": batch,
        "steps_per_epoch": steps,
        "held_out_batches": held_out_batches,
        "step_kernels_ms": round(step_ms, 2),
        "floor_epoch_s": round(epoch_s, 2),
        "peer_epoch_s": round(peer_epoch_s, 2),
        "sk_epoch_s": round(sk_epoch_s, 2),
        "floor_ratio": round(epoch_s / peer_epoch_s, 2),
        "fit_ratio": row["fit_ratio"],
        "row": key,
        "row_date": row["date"],
        "kernels": kernels,
    }


def _row_label(r):
    # Results from before 2026-12-02 name no row: they used one-process rows.
    separate = r.get("row", "").endswith("+separate")
    where = "separate processes" if separate else "one process"
    return f"{where}, {r['row_date'][:10]}"


def render(results, env):
    from bench_tutorials import cpu_cell

    lines = [
        f"`benchmarks/_kernel_floor.py`, {env['date']}: {cpu_cell(env)}, "
        f"oneDNN enabled="
        f"{env['onednn_enabled_tf_reports']}, TensorFlow "
        f"{env['versions']['tensorflow']}, sk_lenet git {env['git_commit']}. "
        "Each convolution and matrix product of a float32 training step timed "
        "alone (forward, weight gradient, and input gradient except for the "
        "first layer; the training batch shape), summed, times the steps of an "
        "epoch (plus the forward products of the held-out batches where the "
        "setup holds data out). Elementwise work (bias, activation, pooling, "
        "dropout, loss, optimizer) is left out, so *floor* is a lower bound on "
        "a float32 epoch with these kernels. *Peer epoch* and *sk_lenet epoch* "
        "are from the setup's newest float32 `full` row above, one-process or "
        "separate-process (*row*; fit time / epochs; the peer's includes the "
        "test scoring its tutorial does). *floor ratio* = floor / peer epoch: "
        "the smallest float32 fit ratio these kernels allow.",
        "",
        "| setup | batch | steps/epoch | kernels per step ms | floor epoch s "
        "| sk_lenet epoch s | peer epoch s | floor ratio | measured fit ratio "
        "| row |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        held_out = r["held_out_batches"]
        steps = f"{r['steps_per_epoch']}" + (
            f" + {held_out} held out" if held_out else ""
        )
        lines.append(
            f"| {r['setup']}: {r['title']} | {r['batch_size']} | {steps}"
            f" | {r['step_kernels_ms']:.1f} | {r['floor_epoch_s']:.1f} | "
            f"{r['sk_epoch_s']:.1f} | {r['peer_epoch_s']:.1f} | "
            f"**{r['floor_ratio']:.2f}** | {r['fit_ratio']:.2f} | "
            f"{_row_label(r)} |"
        )
    lines += ["", "Per kernel (ms per training step):", ""]
    for r in results:
        parts = ", ".join(f"{k['kernel']} {k['ms']:.2f}" for k in r["kernels"])
        lines.append(f"- {r['setup']}: {parts}")
    return "\n".join(lines)


def main(argv=None):
    from bench_tutorials import SETUPS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    p.add_argument("--inner", type=int, default=20, help="kernel runs per timing")
    p.add_argument("--repeats", type=int, default=5, help="timings per kernel")
    p.add_argument("--out", default=str(HERE / "results" / "tutorials.json"))
    args = p.parse_args(argv)

    from sk_lenet._tf import quiet_import_tensorflow

    quiet_import_tensorflow()
    from _shared import run_per_setup

    doc = json.loads(Path(args.out).read_text())
    run_per_setup(
        args.setups,
        lambda setup: floor(setup, doc, args.inner, args.repeats),
        render,
        args.out,
        SECTION,
        "kernel_floor",
        lambda r: json.dumps({k: v for k, v in r.items() if k != "kernels"}),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
