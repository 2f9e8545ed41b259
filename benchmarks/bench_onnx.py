"""onnxruntime on an exported model against ``predict_proba``.

Fits the ``sk-lenet train`` Pipeline (PixelScaler -> ImageReshaper ->
LeNetClassifier) for ``--epochs`` on ``--train`` MNIST training images (the
weights do not change the cost), exports it with :func:`sk_lenet.export_onnx`
and times, interleaved in one process:

* the 10,000 MNIST test images (uint8 rows): ``pipe.predict_proba(X)``
  against one ``session.run`` per batch of the file in onnxruntime, for each
  of ``--batch-sizes`` (the ``astype(float32)`` of the rows counted); medians
  over ``--reps`` rounds;
* one image at a time, ``--single`` calls of each (the same random test
  images): median and 99th percentile of the latency.

It checks that onnxruntime's probabilities equal ``predict_proba``'s (max
absolute difference), records the CPU, versions, date and the load average
(other work on the machine slows both sides), and writes
``results/onnx.json`` and ``results/onnx.md``.  Public API only.

    SCIKIT_LEARN_DATA=/tmp/openml_home python benchmarks/bench_onnx.py
    python benchmarks/bench_onnx.py --digits --reps 2 --single 50 --out /tmp/o.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


# Where docs/export.rst starts including results/onnx.md (after the title).
MARK = "<!-- docs/export.rst includes from here -->"


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def load(args):
    """(X_train, y_train, X_test, y_test) as uint8 rows."""
    if args.digits:  # smoke run, no data needed: the 8x8 digits
        from sk_lenet.datasets import load_digits

        Xtr, ytr = load_digits(subset="train", return_X_y=True)
        Xte, yte = load_digits(subset="test", return_X_y=True)
        return Xtr, ytr, Xte, yte
    from sk_lenet.datasets import fetch_mnist

    X, y = fetch_mnist(data_home=args.data_home, return_X_y=True)
    return X[: args.train], y[: args.train], X[60000:], y[60000:]


def bench(args):
    import numpy as np
    import onnxruntime as ort
    from sklearn.pipeline import make_pipeline

    from sk_lenet import ImageReshaper, LeNetClassifier, PixelScaler, export_onnx

    Xtr, ytr, Xte, yte = load(args)
    clf = LeNetClassifier(epochs=args.epochs, random_state=0)
    pipe = make_pipeline(PixelScaler(), ImageReshaper(), clf)
    fit_s = _timed(lambda: pipe.fit(Xtr, ytr))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lenet.onnx"
        export_s = _timed(lambda: export_onnx(pipe, path))
        size = path.stat().st_size
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def onnx_proba(X, batch):
        rows = X.astype(np.float32)
        return np.concatenate(
            [
                session.run(None, {"pixels": rows[i : i + batch]})[0]
                for i in range(0, len(rows), batch)
            ]
        )

    expected = pipe.predict_proba(Xte)
    sizes = [b for b in args.batch_sizes if b <= len(Xte)] or [len(Xte)]
    diffs = {b: float(np.abs(onnx_proba(Xte, b) - expected).max()) for b in sizes}
    calls = {"predict_proba": lambda: pipe.predict_proba(Xte)}
    for b in sizes:
        calls[f"onnxruntime batch {b}"] = lambda b=b: onnx_proba(Xte, b)
    for fn in calls.values():  # warm: traced graph, oneDNN / onnxruntime kernels
        fn()
    times = {key: [] for key in calls}
    loads = [_load()]
    for _ in range(args.reps):
        for key, fn in calls.items():
            times[key].append(_timed(fn))
        loads.append(_load())
    medians = {key: statistics.median(v) for key, v in times.items()}
    best = min(sizes, key=lambda b: medians[f"onnxruntime batch {b}"])

    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(Xte), size=args.single)
    single = {"predict_proba": [], "onnxruntime": []}
    one_image = {
        "predict_proba": lambda x: pipe.predict_proba(x),
        "onnxruntime": lambda x: onnx_proba(x, 1),
    }
    for fn in one_image.values():
        fn(Xte[:1])
    single_loads = [_load()]
    for i in picks:
        x = Xte[i : i + 1]
        for key, fn in one_image.items():
            single[key].append(_timed(lambda fn=fn, x=x: fn(x)))
    single_loads.append(_load())
    latency = {
        key: {
            "median_ms": 1e3 * float(np.median(v)),
            "p99_ms": 1e3 * float(np.percentile(v, 99)),
        }
        for key, v in single.items()
    }
    return {
        "data": "digits (smoke run)" if args.digits else "mnist",
        "n_train": len(ytr),
        "n_test": len(yte),
        "epochs": args.epochs,
        "accuracy": float(np.mean(pipe.predict(Xte) == yte)),
        "fit_s": fit_s,
        "export_s": export_s,
        "onnx_bytes": size,
        "max_abs_proba_diff": diffs,
        "batch_times_s": times,
        "batch_median_s": medians,
        "best_onnx_batch": best,
        "batch_load": loads,
        "single_calls": args.single,
        "single_latency": latency,
        "single_load": single_loads,
        "onnxruntime_threads": "default (intra-op: one per physical core)",
    }


def environment():
    import onnx
    import onnxruntime
    import tf2onnx
    from bench_tutorials import environment as tutorials_environment

    env = tutorials_environment()
    env["versions"].update(
        onnx=onnx.__version__,
        onnxruntime=onnxruntime.__version__,
        tf2onnx=tf2onnx.__version__,
    )
    env["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return env


def render(r: dict, env: dict) -> str:
    from bench_tutorials import cpu_cell

    v = env["versions"]
    m = r["batch_median_s"]
    keras_s = m["predict_proba"]
    best_key = f"onnxruntime batch {r['best_onnx_batch']}"
    loads = r["batch_load"]
    lines = [
        "# ONNX export: onnxruntime against predict_proba",
        "",
        MARK,
        "",
        f"`benchmarks/bench_onnx.py`, {env['date']}: {cpu_cell(env)}; "
        f"onnxruntime {v['onnxruntime']}, onnx {v['onnx']}, tf2onnx "
        f"{v['tf2onnx']}, TensorFlow {v['tensorflow']}, Keras {v['keras']}, "
        f"numpy {v['numpy']}, sk_lenet {v['sk_lenet']} (git {env['git_commit']}).",
        "",
        f"The `sk-lenet train` Pipeline (PixelScaler -> ImageReshaper -> "
        f"LeNetClassifier) fitted {r['epochs']} epoch(s) on {r['n_train']} "
        f"{r['data']} training images (test accuracy "
        f"{100 * r['accuracy']:.2f}%; the weights do not change the cost), "
        f"exported in {r['export_s']:.1f} s to {r['onnx_bytes'] / 1024:.0f} kB. "
        f"Max |onnxruntime - predict_proba| over the {r['n_test']} test images: "
        f"{max(r['max_abs_proba_diff'].values()):.1e}. Calls interleaved in one "
        f"process; onnxruntime with its {r['onnxruntime_threads']} threads, "
        "counting the uint8 -> float32 conversion.",
        "",
        f"**{r['n_test']} test images at once** (medians of {len(loads) - 1} rounds)",
        "",
        "| call | median s | all rounds s | vs predict_proba |",
        "| --- | ---: | --- | ---: |",
    ]
    for key, median in m.items():
        runs = ", ".join(f"{t:.3f}" for t in r["batch_times_s"][key])
        name = f"**{key}** (best)" if key == best_key else key
        lines.append(f"| {name} | {median:.3f} | {runs} | {keras_s / median:.2f}x |")
    lines += [
        "",
        f"Load average (1 min) during these rounds: {min(r['batch_load'])}-"
        f"{max(r['batch_load'])} on {env['cores']} cores (other work shares them).",
        "",
        f"**One image per call** ({r['single_calls']} calls each, interleaved)",
        "",
        "| call | median ms | p99 ms |",
        "| --- | ---: | ---: |",
    ]
    for key, lat in r["single_latency"].items():
        lines.append(f"| {key} | {lat['median_ms']:.2f} | {lat['p99_ms']:.2f} |")
    ratio = (
        r["single_latency"]["predict_proba"]["median_ms"]
        / r["single_latency"]["onnxruntime"]["median_ms"]
    )
    lines += [
        "",
        f"onnxruntime answers one image {ratio:.0f}x faster (median). Load "
        f"average: {min(r['single_load'])}-{max(r['single_load'])}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--train", type=int, default=10000, help="MNIST training images")
    p.add_argument("--reps", type=int, default=7, help="rounds of the batch calls")
    p.add_argument("--single", type=int, default=500, help="one-image calls each")
    p.add_argument(
        "--batch-sizes",
        type=lambda s: [int(b) for b in s.split(",")],
        default=[64, 256, 1024, 4096, 10000],
        metavar="B1,B2,...",
    )
    p.add_argument("--data-home", help="OpenML cache (default: SCIKIT_LEARN_DATA)")
    p.add_argument("--digits", action="store_true", help="smoke run on digits")
    p.add_argument("--out", default=str(HERE / "results" / "onnx.json"))
    args = p.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import sk_lenet  # noqa: F401  (before TensorFlow: it chooses oneDNN)

    env = environment()
    results = bench(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"environment": env, "results": results}, indent=1))
    text = render(results, env)
    out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
