"""The recipes of ``sk_lenet.recipes`` against the same recipes in plain Keras.

For every recipe this trains, on the real data's full training set, the
sk_lenet side (``make_recipe(name, random_state=seed).fit(X_train, y_train)``,
test accuracy by ``score``) and its peer, the same network and recipe written
in plain Keras (``benchmarks/_beyond_peers.py``; for "cifar10-airbench"
``benchmarks/_airbench_peer.py`` where it exists).  Each side of each seed
runs in a fresh process of its own, the sides alternating (A B, B A, A B):
sk_lenet as a user's script starts it (sk_lenet imported first), the peer
with TensorFlow's own defaults, as ``python train.py`` would.  Each fit is
bracketed by the float32 matrix-product check and the load average of
``bench_tutorials.py``.

A recipe with a "time to" target (``TARGETS``) has its test set scored after
every epoch by a callback whose own time is subtracted from the fit clock;
the schedule stays the recipe's (sized from its ``epochs`` beforehand) and
training runs to its end.  Nothing is chosen on the test set.

Results are merged into ``benchmarks/results/beyond.json`` (one entry per
mode, recipe and precision, written after every run, so a killed run keeps
what it finished) and ``benchmarks/results/beyond.md`` is rewritten from it.

Usage::

    SCIKIT_LEARN_DATA=/tmp/openml_home python benchmarks/bench_beyond.py \\
        [--recipes mnist-fast ...] [--seeds 0 1 2] [--dtype-policy P] \\
        [--quick] [--digits] [--out FILE.json]

``--quick`` trains 1 epoch at batch 16 on 2000 training and 1000 test images (with
``--digits``, scikit-learn's digits zero-padded to 28x28, no data needed): a
smoke test of the harness, not a benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The environment the benchmark was started with, before ``import sk_lenet``
# sets TF_ENABLE_ONEDNN_OPTS: the peer's processes get it as it is.
_LAUNCH_ENV = dict(os.environ)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _machine import BF16_FLAGS, DTYPE_POLICIES, cpu_fields  # noqa: E402
from bench_tutorials import (  # noqa: E402
    MODE_HEADINGS,
    QUICK_TEST,
    QUICK_TRAIN,
    _cpu_ticks,
    _digits_28,
    _load,
    _matmul_gflops,
    _onednn_enabled,
    _steal_pct,
    _warm_up,
    cpu_cell,
    environment,
    real_data_available,
)
from summary import NO_PEER  # noqa: E402

# recipe -> what it must show (issue 27): final test accuracy, fit seconds,
# and the accuracy whose first crossing is timed per epoch ("time_to").
TARGETS = {
    "mnist-best": {"accuracy": 0.995, "fit_s": 300},
    "lenet5-distorted": {"accuracy": 0.992},
    "mnist-fast": {"time_to": 0.99, "fit_s": 10},
    "cifar10-lenet": {"accuracy": 0.70},
    "cifar10-airbench": {"accuracy": 0.90, "fit_s": 1800, "time_to": 0.94},
    "cifar10-fast": {"accuracy": 0.90, "fit_s": 1800},
}

NO_TEST_CHOICE = (
    "Nothing here is chosen on the test set: every recipe trains a fixed "
    "number of epochs under a schedule sized from them beforehand, its "
    "parameters were chosen on a validation split of the training data "
    "(the last 10000 training images, `benchmarks/probes/beyond_recipes.py`), "
    "no checkpoint or epoch is picked by test accuracy, and early stopping, "
    "where a recipe uses it, watches a validation fraction of the training "
    "data only. The per-epoch test scores of the time-to rows are observed, "
    "never acted on: training runs to the schedule's end."
)


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    flags = (cpu_fields() or {}).get("flags", "").split()
    return any(f in flags for f in BF16_FLAGS)


#: The AirbenchClassifier parameters that ``_airbench_peer.train`` takes; a
#: recipe setting any other would be compared with a peer trained otherwise.
AIRBENCH_PEER_PARAMS = {"widths", "epochs", "batch_size"}


def peer_kind(name: str) -> str | None:
    """Which peer trains recipe ``name``: "keras", "airbench" or None."""
    import _beyond_peers

    from sk_lenet.recipes import RECIPES  # plain data, no TensorFlow

    if RECIPES[name].estimator in _beyond_peers.NETWORKS:
        return "keras"
    if (
        RECIPES[name].estimator == "AirbenchClassifier"
        and (HERE / "_airbench_peer.py").exists()
    ):
        unmatched = set(RECIPES[name].params) - AIRBENCH_PEER_PARAMS
        if unmatched:
            raise SystemExit(
                f"recipe {name} sets {sorted(unmatched)}, which the airbench "
                "peer does not take: it would train another recipe"
            )
        return "airbench"
    return None


# ----------------------------------------------------------------------
# One side, in its own process
# ----------------------------------------------------------------------
def load_data(name, args):
    """(X_train, y_train, X_test, y_test, source): uint8 images."""
    import numpy as np

    from sk_lenet.datasets import load_train_test
    from sk_lenet.preprocessing import rows_to_images
    from sk_lenet.recipes import RECIPES

    dataset = RECIPES[name].dataset
    if args.digits:
        if dataset != "mnist":
            raise SystemExit(f"--digits stands in for MNIST only, not {dataset}")
        Xtr, ytr, Xte, yte = _digits_28()
        source = "digits (sklearn 8x8, zero-padded to 28x28)"
    else:
        d = load_train_test(
            dataset, data_home=args.data_home, download_if_missing=False
        )
        # OpenML's CIFAR_10 rows are channel-planar: reshaped by their layout
        Xtr = rows_to_images(d.X_train, d.image_shape, d.data_format)
        Xte = rows_to_images(d.X_test, d.image_shape, d.data_format)
        ytr, yte = d.y_train, d.y_test
        source = f"{dataset} ({d.split})" if isinstance(d.split, str) else dataset
    if args.quick:
        rng = np.random.default_rng(0)
        tr = np.sort(rng.permutation(len(ytr))[:QUICK_TRAIN])
        te = np.sort(rng.permutation(len(yte))[:QUICK_TEST])
        Xtr, ytr, Xte, yte = Xtr[tr], ytr[tr], Xte[te], yte[te]
    return Xtr, ytr, Xte, yte, source


def _epoch_clock(X, y, tta, scale, curve):
    """A callback scoring the test set after every epoch, its time excluded."""
    import keras
    import numpy as np

    class EpochClock(keras.callbacks.Callback):
        t0 = 0.0
        excluded = 0.0

        def on_epoch_end(self, epoch, logs=None):
            t = time.perf_counter()
            probs = []
            for i in range(0, len(X), 1000):
                x = X[i : i + 1000]
                x = x.astype("float32") * scale if scale else x
                p = keras.ops.convert_to_numpy(self.model(x, training=False))
                if tta:
                    flipped = self.model(x[:, :, ::-1], training=False)
                    p = (p + keras.ops.convert_to_numpy(flipped)) / 2
                probs.append(p)
            acc = float(np.mean(np.concatenate(probs).argmax(1) == y))
            curve.append(
                {
                    "epoch": epoch + 1,
                    "fit_s": round(t - self.t0 - self.excluded, 2),
                    "test_acc": acc,
                }
            )
            self.excluded += time.perf_counter() - t

    return EpochClock()


def run_side(side, name, seed, args):
    """Train one side once; its accuracy, times and the machine around it."""
    import numpy as np

    from sk_lenet.recipes import RECIPES, make_recipe

    Xtr, ytr, Xte, yte, source = load_data(name, args)
    # Quick: 1 epoch at batch 16, enough steps on ~2000 images to learn.
    overrides = {"epochs": 1, "batch_size": 16} if args.quick else {}
    params = make_recipe(name, **overrides).get_params()
    target = TARGETS.get(name, {}).get("time_to")
    curve = []
    # Scored as each side predicts: sk_lenet's network takes uint8 pixels.
    scale = None if side == "sk" else 1 / 255
    clock = _epoch_clock(Xte, yte, params.get("tta"), scale, curve) if target else None
    _warm_up()
    gc.collect()
    res = {
        "seed": seed,
        "load_before": _load(),
        "matmul_gflops_before": _matmul_gflops(),
    }
    ticks = _cpu_ticks()
    t0 = time.perf_counter()
    if clock:
        clock.t0 = t0
    if side == "sk":
        clf = make_recipe(
            name,
            random_state=seed,
            dtype_policy=args.dtype_policy,
            callbacks=[clock] if clock else None,
            **overrides,
        )
        clf.fit(Xtr, ytr)
        res["fit_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        res["accuracy"] = float(clf.score(Xte, yte))
        res["predict_s"] = time.perf_counter() - t0
    elif peer_kind(name) == "keras":
        import _beyond_peers

        model = _beyond_peers.train(
            params,
            Xtr,
            ytr,
            Xte,
            yte,
            estimator=RECIPES[name].estimator,
            seed=seed,
            callbacks=[clock] if clock else (),
            dtype_policy=args.dtype_policy,
        )
        # One clock with the per-epoch scorer's, as for sk_lenet's fit.
        res["fit_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        res["accuracy"] = float(
            np.mean(_beyond_peers.predict(params, model, Xte) == yte)
        )
        res["predict_s"] = time.perf_counter() - t0
    else:
        import _airbench_peer

        kw = {"widths": tuple(params["widths"])} if "widths" in params else {}
        out = _airbench_peer.train(
            Xtr,
            ytr,
            Xte,
            yte,
            epochs=params["epochs"],
            seed=seed,
            batch_size=params["batch_size"],
            dtype_policy=args.dtype_policy,
            **kw,
        )
        res["fit_s"], res["accuracy"] = out["fit_s"], float(out["accuracy"])
        try:
            res["history"] = json.loads(json.dumps(out.get("history")))
        except TypeError:
            pass
    res["fit_s"] -= clock.excluded if clock else 0.0
    res["steal_pct"] = _steal_pct(ticks, _cpu_ticks())
    res["load_after"] = _load()
    res["matmul_gflops_after"] = _matmul_gflops()
    if target:
        res["curve"] = curve
        hit = next((c for c in curve if c["test_acc"] >= target), None)
        res["time_to"] = hit
    res.update(
        source=source,
        n_train=len(ytr),
        n_test=len(yte),
        epochs=params["epochs"],
        params={k: repr(v) for k, v in params.items() if k != "callbacks"},
    )
    return res


def _child(args):
    """``--child-side``: one side in this process, started by the parent."""
    launch_setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.child_side == "sk":
        import sk_lenet  # noqa: F401  (as a user's script: sk_lenet first)
    import tensorflow  # noqa: F401  (the peer: TensorFlow's own defaults)

    res = run_side(args.child_side, args.recipes[0], args.seeds[0], args)
    res["onednn"] = _onednn_enabled()
    res["tf_enable_onednn_opts_env"] = launch_setting
    print("RESULT " + json.dumps(res), flush=True)
    return 0


def run_in_own_process(side, name, seed, args):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-side", side]
    cmd += [
        "--recipes",
        name,
        "--seeds",
        str(seed),
        "--dtype-policy",
        args.dtype_policy,
    ]
    cmd += ["--quick"] * args.quick + ["--digits"] * args.digits
    if args.data_home:
        cmd += ["--data-home", args.data_home]
    proc = subprocess.run(cmd, env=_LAUNCH_ENV, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise SystemExit(
            f"the {side} process of {name} (seed {seed}) failed "
            f"(exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(lines[-1][len("RESULT ") :])


# ----------------------------------------------------------------------
# A recipe's entry
# ----------------------------------------------------------------------
def _median(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


_MEDIANS = (
    "accuracy",
    "fit_s",
    "predict_s",
    "matmul_gflops_before",
    "matmul_gflops_after",
    "steal_pct",
)


def summarise(e):
    """Medians per side, ratios sk_lenet / peer, and the targets' verdicts."""
    for side in ("sk_lenet", "peer"):
        runs = e[f"{side}_runs"]
        s = {k: _median(runs, k) for k in _MEDIANS}
        if e["time_to"] is not None and runs:
            hits = [r["time_to"] for r in runs if r.get("time_to")]
            s["time_to_reached"] = f"{len(hits)} of {len(runs)}"
            # A median over every seed: a seed that never got there counts as
            # slower than all that did (None where half or more missed).
            times = sorted(h["fit_s"] for h in hits) + [float("inf")] * (
                len(runs) - len(hits)
            )
            med = statistics.median(times)
            s["time_to_s"] = None if med == float("inf") else med
        e[side] = s
    sk, peer = e["sk_lenet"], e["peer"]
    both = e["sk_lenet_runs"] and e["peer_runs"]
    e["fit_ratio"] = sk["fit_s"] / peer["fit_s"] if both else None
    e["accuracy_diff"] = sk["accuracy"] - peer["accuracy"] if both else None
    t = e["targets"]
    met = {}
    if "accuracy" in t:
        met["accuracy"] = sk["accuracy"] >= t["accuracy"]
    if "time_to" in t:
        met["time_to"] = sk.get("time_to_s") is not None and (
            "fit_s" not in t or sk["time_to_s"] <= t["fit_s"]
        )
    if "fit_s" in t and "accuracy" in t:
        met["fit_s"] = sk["fit_s"] <= t["fit_s"]
    e["met"] = met
    return e


def bench_recipe(name, args, env, out):
    """``len(args.seeds)`` runs of each side, alternating; the entry is merged
    into ``out`` after every run."""
    from sk_lenet.recipes import RECIPES

    recipe = RECIPES[name]
    kind = peer_kind(name)
    targets = TARGETS.get(name, {})
    e = {
        "recipe": name,
        "estimator": recipe.estimator,
        "summary": recipe.summary,
        "dataset": recipe.dataset,
        "mode": "quick" if args.quick else "full",
        "dtype_policy": args.dtype_policy,
        "peer_kind": kind or "peer not available",
        "targets": targets,
        "time_to": targets.get("time_to"),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "sk_lenet_runs": [],
        "peer_runs": [],
    }
    for i, seed in enumerate(args.seeds):
        order = ("sk", "peer") if i % 2 == 0 else ("peer", "sk")
        for side in order:
            if side == "peer" and kind is None:
                continue
            res = run_in_own_process(side, name, seed, args)
            res["ran_first"] = side == order[0] or kind is None
            e["sk_lenet_runs" if side == "sk" else "peer_runs"].append(res)
            print(
                f"  [{name}] seed {seed} {side:4s}: acc {res['accuracy']:.4f} "
                f"fit {res['fit_s']:.1f}s time_to {res.get('time_to')} "
                f"load {res['load_after'][0]} GFLOP/s "
                f"{res['matmul_gflops_before']}->{res['matmul_gflops_after']}",
                flush=True,
            )
            first = e["sk_lenet_runs"][0]
            for k in ("source", "n_train", "n_test", "epochs", "params"):
                e[k] = first[k]
            e["complete"] = False
            merge(out, env, summarise(e))
    e["complete"] = True
    return merge(out, env, summarise(e))


def _key(e):
    policy = e["dtype_policy"]
    return f"{e['mode']}/{e['recipe']}" + ("" if policy == "float32" else f"+{policy}")


def merge(path, env, e):
    path = Path(path)
    doc = json.loads(path.read_text()) if path.exists() else {"results": {}}
    e["environment"] = env
    doc["results"][_key(e)] = e
    doc["results"] = dict(sorted(doc["results"].items()))
    doc["bfloat16"] = bfloat16_note()
    doc["no_test_set_choice"] = NO_TEST_CHOICE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    path.with_suffix(".md").write_text(render_markdown(doc, path.name))
    return doc


def bfloat16_note():
    if native_bfloat16():
        return "native bfloat16: mixed_bfloat16 rows beside the float32 ones"
    return (
        "no native bfloat16 (the CPU has none of " + ", ".join(BF16_FLAGS) + "): "
        "float32 rows only"
    )


# ----------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------
def _pct(x):
    return "-" if x is None else f"{100 * x:.2f}%"


def _s(x):
    return "-" if x is None else f"{x:.1f}"


def target_text(e):
    t = e["targets"]
    parts = []
    if "accuracy" in t:
        parts.append(f">= {_pct(t['accuracy'])}")
    if "time_to" in t:
        within = f" within {t['fit_s']} s" if "fit_s" in t else ""
        parts.append(f"{_pct(t['time_to'])}{within}")
    elif "fit_s" in t:
        parts.append(f"fit <= {t['fit_s']} s")
    return ", ".join(parts) or "-"


def met_text(e):
    if not e["met"]:
        return "-"
    verdict = "met" if all(e["met"].values()) else "NOT met"
    missed = [k for k, ok in e["met"].items() if not ok]
    return verdict + (f" ({', '.join(missed)})" if missed else "")


def _time_to_cell(side):
    if "time_to_reached" not in side:
        return "-"
    t = side["time_to_s"]
    return ("not reached" if t is None else f"{t:.1f} s") + (
        f" ({side['time_to_reached']})"
    )


def render_markdown(doc, source="beyond.json"):
    lines = [
        "# Beyond the tutorials: the recipes against plain Keras",
        "",
        f"Generated by `benchmarks/bench_beyond.py` from `{source}`. Each row "
        "trains a recipe of `sk_lenet.recipes` on the full training set "
        "(`make_recipe(name, random_state=seed).fit(X_train, y_train)`, test "
        "accuracy by `score`) and its *peer*: the same network and recipe in "
        "plain Keras `model.fit` (`benchmarks/_beyond_peers.py`: the same "
        "layers, augmentation layers, batch normalization, optimizer and "
        "named schedule, label smoothing on one-hot labels, flip test-time "
        "augmentation where the recipe has it). Each side of each seed runs "
        "in its own process, sides alternating (A B, B A, A B); sk_lenet as a "
        "user's script starts it, the peer with TensorFlow's own defaults. "
        "Accuracies and fit seconds are medians over the seeds; the ratio is "
        "sk_lenet / peer (below 1: sk_lenet faster). *Time to* is the fit "
        "time (the per-epoch test scoring excluded) at the first epoch whose "
        "test accuracy reaches the target, the schedule fixed beforehand. "
        "*GFLOP/s* is a 0.1 s float32 matrix-product check just before and "
        "after each fit (medians, sk_lenet / peer): this VM runs the same "
        "work at two speeds up to ~2x apart. The load average (1 min) says "
        "how busy the machine was: other sessions' tests ran beside these "
        "fits.",
        "",
        NO_TEST_CHOICE,
        "",
        f"Precision: {doc.get('bfloat16', bfloat16_note())}.",
        "",
    ]
    results = list(doc["results"].values())
    for mode, heading in MODE_HEADINGS.items():
        rows = [e for e in results if e["mode"] == mode]
        if not rows:
            continue
        lines += [
            f"## {heading}",
            "",
            "| recipe | estimator; data | epochs | target | sk_lenet acc | "
            "peer acc | sk_lenet fit s | peer fit s | fit ratio | time to "
            "(sk_lenet / peer) | target met | seeds | load; GFLOP/s |",
            "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- "
            "| --- | --- | --- |",
        ]
        for e in rows:
            sk, peer = e["sk_lenet"], e["peer"]
            policy = "" if e["dtype_policy"] == "float32" else f" ({e['dtype_policy']})"
            ratio = "-" if e["fit_ratio"] is None else f"**{e['fit_ratio']:.2f}**"
            peer_acc = _pct(peer["accuracy"]) if e["peer_runs"] else NO_PEER
            loads = [r["load_after"][0] for r in e["sk_lenet_runs"] + e["peer_runs"]]
            gf = (
                f"{_s(sk['matmul_gflops_before'])} / {_s(peer['matmul_gflops_before'])}"
            )
            partial = "" if e.get("complete") else " (incomplete)"
            lines.append(
                f"| {e['recipe']}{policy}{partial} | {e['estimator']}; "
                f"{e['source']} {e['n_train']}/{e['n_test']} | {e['epochs']} | "
                f"{target_text(e)} | **{_pct(sk['accuracy'])}** | {peer_acc} | "
                f"{_s(sk['fit_s'])} | {_s(peer['fit_s'])} | {ratio} | "
                f"{_time_to_cell(sk)} / {_time_to_cell(peer)} | {met_text(e)} | "
                f"{len(e['sk_lenet_runs'])} | {min(loads)}-{max(loads)}; {gf} |"
            )
        lines += ["", "Per seed (sk_lenet / peer):", ""]
        lines += [
            "| recipe | seed | accuracy | fit s | time to | first | oneDNN |",
            "| --- | ---: | --- | --- | --- | --- | --- |",
        ]
        for e in rows:
            peers = {r["seed"]: r for r in e["peer_runs"]}
            for a in e["sk_lenet_runs"]:
                b = peers.get(a["seed"], {})

                def tt(r):
                    if "time_to" not in r:
                        return "-"
                    h = r["time_to"]
                    return (
                        "not reached"
                        if h is None
                        else f"ep {h['epoch']}, {h['fit_s']:.1f} s"
                    )

                lines.append(
                    f"| {e['recipe']} | {a['seed']} | {_pct(a['accuracy'])} / "
                    f"{_pct(b.get('accuracy'))} | {_s(a['fit_s'])} / "
                    f"{_s(b.get('fit_s'))} | {tt(a)} / {tt(b) if b else '-'} | "
                    f"{'sk_lenet' if a['ran_first'] else 'peer'} | "
                    f"{a.get('onednn')} / {b.get('onednn')} |"
                )
        lines.append("")
    for title, text in doc.get("sections", {}).items():
        lines += [f"## {title}", "", text.rstrip(), ""]
    envs = {}
    for e in results:
        envs.setdefault(
            json.dumps(e["environment"], sort_keys=True), (e["environment"], [])
        )[1].append(_key(e))
    lines += ["## Environment", ""]
    for env, names in envs.values():
        v = env["versions"]
        lines += [
            f"- rows {', '.join(sorted(names))}:",
            f"  - CPU: {cpu_cell(env)}, {env['platform']}",
            f"  - Python {env['python']}, TensorFlow {v['tensorflow']}, Keras "
            f"{v['keras']}, scikeras {v['scikeras']}, scikit-learn "
            f"{v['scikit-learn']}, NumPy {v['numpy']}, sk_lenet {v['sk_lenet']} "
            f"(git {env['git_commit']})",
        ]
    dates = sorted(e["date"] for e in results)
    lines += ["", f"Runs started {dates[0]} to {dates[-1]} (UTC).", ""]
    return "\n".join(lines)


def main(argv=None):
    from sk_lenet.recipes import RECIPES  # plain data, no TensorFlow

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--recipes", nargs="+", choices=sorted(RECIPES), default=list(RECIPES)
    )
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument(
        "--quick", action="store_true", help="2000/1000 images, 1 epoch, batch 16"
    )
    p.add_argument("--digits", action="store_true", help="sklearn digits for MNIST")
    p.add_argument("--dtype-policy", default="float32", choices=DTYPE_POLICIES)
    p.add_argument("--data-home", default=None, help="SCIKIT_LEARN_DATA cache")
    p.add_argument("--out", default=str(HERE / "results" / "beyond.json"))
    p.add_argument("--child-side", choices=("peer", "sk"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_side:
        return _child(args)
    if args.dtype_policy == "mixed_bfloat16" and not native_bfloat16():
        p.error(
            "--dtype-policy mixed_bfloat16: no native bfloat16 on this CPU (none "
            f"of {', '.join(BF16_FLAGS)} in /proc/cpuinfo), where it only "
            "emulates it; run float32"
        )
    if not args.digits and not real_data_available(args.data_home):
        if not args.quick:
            p.error(
                "full runs need the real data: pass --data-home or set "
                "SCIKIT_LEARN_DATA to an OpenML cache (or use --quick --digits)"
            )
        args.digits = True
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import sk_lenet  # noqa: F401  (before TensorFlow, as a user imports it)

    env = environment()
    env["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    print(f"environment: {json.dumps(env)}", flush=True)
    for name in args.recipes:
        print(f"{name}: {RECIPES[name].summary}", flush=True)
        bench_recipe(name, args, env, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
