"""sk_lenet against the tutorials' own plain-Keras code, side by side.

For every tutorial setup this trains, in one process and one after the
other, the tutorial's own code (``benchmarks/_peers.py``) and the sk_lenet
estimator with the same hyperparameters, on the same data, and records test
accuracy, fit wall time, predict wall time and the sk_lenet / plain-Keras
ratios, with the machine, the oneDNN state, the versions and the load
average.  Results are merged into ``benchmarks/results/tutorials.json``
(one entry per mode and setup, so partial runs add up) and the markdown
table ``benchmarks/results/tutorials.md`` is rewritten from it.

Usage::

    SCIKIT_LEARN_DATA=/tmp/openml_home python benchmarks/bench_tutorials.py \\
        [--quick] [--setups lenet5 dropout_cnn ...] [--max-epochs N] \\
        [--repeats R] [--add-runs] [--data-home DIR] [--digits] [--out FILE.json]

``--quick`` subsamples 2000 training / 1000 test images and trains 1 epoch
(on scikit-learn's digits, zero-padded to 28x28, when no real-data cache is
found or with ``--digits``): a smoke test of the harness, not a benchmark.
``--max-epochs N`` caps the tutorials' epochs; the table marks such runs.
``--add-runs`` pools the new pairs with the stored row of the same setup
(same data and epochs), so that pairs of a long row can run in separate
sessions; the row keeps every pair and lists the sessions.

``--separate-processes`` runs each side of a pair in a fresh process of its
own instead: the tutorial code with TensorFlow's own defaults, as
``python tutorial.py`` starts it (oneDNN only on the CPUs where TensorFlow
turns it on), sk_lenet with its own (oneDNN on).  These rows count the
oneDNN kernels that sk_lenet switches on, which the one-process rows leave
out; they are kept apart from those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# The environment this run was started with, before ``import sk_lenet`` sets
# TF_ENABLE_ONEDNN_OPTS: with --separate-processes the tutorial code's
# process gets it as it is, as the tutorial's own script would.
_LAUNCH_ENV = dict(os.environ)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _machine import DTYPE_POLICIES, ISA, cpu_fields  # noqa: E402

# setup -> what the tutorial does
SETUPS = {
    "lenet": {
        "title": "LeNet 20/50/500 relu, SGD 0.01",
        "dataset": "mnist",
        "epochs": 20,
        "batch_size": 128,
        "predict_batch_size": 128,
        "published": 0.9849,
    },
    "lenet5": {
        "title": "LeNet-5 tanh/avg-pool, SGD 0.1",
        "dataset": "mnist",
        "epochs": 10,
        "batch_size": 128,
        "predict_batch_size": 32,
        "published": 0.9857,
    },
    "simplified_lenet": {
        "title": "simplified LeNet 32@3x3 + 128, Adam",
        "dataset": "mnist",
        "epochs": 5,
        "batch_size": 128,
        "predict_batch_size": 32,
        "published": 0.9854,
    },
    "dropout_cnn": {
        "title": "dropout CNN 32/64@3x3, Adam, val 0.2",
        "dataset": "mnist",
        "epochs": 3,
        "batch_size": 128,
        "predict_batch_size": 32,
        "published": 0.9887,
    },
    "mlp_mnist": {
        "title": "MLP 784-256-128-10 sigmoid, SGD 0.01",
        "dataset": "mnist_75_25",
        "epochs": 100,
        "batch_size": 128,
        "predict_batch_size": 128,
        # The tutorial's last logged val_acc (its text rounds it to 92%).
        "published": 0.9160,
    },
    "mlp_cifar10": {
        "title": "MLP 3072-1024-512-10 relu, SGD 0.01",
        "dataset": "cifar10",
        "epochs": 100,
        "batch_size": 32,
        "predict_batch_size": 32,
        # The tutorial's last logged val_acc (its text rounds it to 57%).
        "published": 0.5739,
    },
}

# What differs between the two sides by design (shown in the table).
NOTES = {
    "simplified_lenet": "peer also evaluates the test set after every epoch "
    "(tutorial's validation_data); sk_lenet does not",
    "dropout_cnn": "peer holds out the last 20% (validation_split), "
    "sk_lenet a stratified 20%",
    "mlp_mnist": "peer also evaluates the test set after every epoch "
    "(tutorial's validation_data); sk_lenet does not",
    "mlp_cifar10": "peer also evaluates the test set after every epoch "
    "(tutorial's validation_data); sk_lenet does not. The tutorial's own log "
    "shows this network overfitting after ~10 epochs (val_loss rising). The "
    "tutorial's own code, run here, also stays below its published 57.39%",
}

QUICK_TRAIN, QUICK_TEST = 2000, 1000


#: The results files' sections, by run mode.
MODE_HEADINGS = {
    "full": "Full data",
    "quick": "Quick mode (smoke test of the harness, 1 epoch, subsample: "
    "NOT a benchmark)",
}


def make_estimator(setup, epochs, seed):
    import sk_lenet

    if setup == "lenet":
        return sk_lenet.LeNetClassifier(epochs=epochs, random_state=seed)
    if setup == "lenet5":
        return sk_lenet.LeNet5Classifier(epochs=epochs, random_state=seed)
    if setup == "simplified_lenet":
        return sk_lenet.SimplifiedLeNetClassifier(epochs=epochs, random_state=seed)
    if setup == "dropout_cnn":
        return sk_lenet.DropoutCNNClassifier(epochs=epochs, random_state=seed)
    if setup == "mlp_mnist":
        return sk_lenet.FeedForwardClassifier(epochs=epochs, random_state=seed)
    if setup == "mlp_cifar10":
        return sk_lenet.FeedForwardClassifier(
            hidden_layer_sizes=(1024, 512),
            activation="relu",
            batch_size=32,
            epochs=epochs,
            random_state=seed,
        )
    raise ValueError(setup)


def random_pixels(setup, n):
    """``n`` flat rows of random uint8 pixels of the setup's data set, and
    labels 0-9: enough to build and time a network, whose cost does not
    depend on the pixel values."""
    import numpy as np

    n_pixels = 3072 if SETUPS[setup]["dataset"] == "cifar10" else 784
    X = np.random.default_rng(0).integers(0, 256, (n, n_pixels), dtype=np.uint8)
    return X, np.arange(n) % 10


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------
def _digits_28():
    """scikit-learn's digits as uint8 images centred on a 28x28 canvas."""
    import numpy as np

    from sk_lenet.datasets import load_digits

    out = {}
    for subset in ("train", "test"):
        X, y = load_digits(subset=subset, as_images=True, return_X_y=True)
        canvas = np.zeros((len(X), 28, 28, 1), dtype=np.uint8)
        canvas[:, 10:18, 10:18] = X
        out[subset] = (canvas, y)
    return (*out["train"], *out["test"])


def load_data(dataset, data_home, use_digits):
    """(X_train, y_train, X_test, y_test, source) as uint8 images."""
    if use_digits:
        return (*_digits_28(), "digits (sklearn 8x8, zero-padded to 28x28)")
    from sk_lenet.datasets import fetch_cifar10, fetch_mnist

    kw = {"data_home": data_home, "download_if_missing": False, "as_images": True}
    if dataset == "cifar10":
        Xtr, ytr = fetch_cifar10(subset="train", return_X_y=True, **kw)
        Xte, yte = fetch_cifar10(subset="test", return_X_y=True, **kw)
        return Xtr, ytr, Xte, yte, "CIFAR-10 (OpenML CIFAR_10)"
    if dataset == "mnist_75_25":
        from sklearn.model_selection import train_test_split

        X, y = fetch_mnist(subset="all", return_X_y=True, **kw)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=42)
        return Xtr, ytr, Xte, yte, "MNIST all 70000, 75/25 split (random_state=42)"
    Xtr, ytr = fetch_mnist(subset="train", return_X_y=True, **kw)
    Xte, yte = fetch_mnist(subset="test", return_X_y=True, **kw)
    return Xtr, ytr, Xte, yte, "MNIST (OpenML mnist_784)"


def real_data_available(data_home):
    from sk_lenet.datasets import fetch_mnist

    try:
        fetch_mnist(data_home=data_home, download_if_missing=False, subset="test")
    except Exception:
        return False
    return True


# ----------------------------------------------------------------------
# Environment
# ----------------------------------------------------------------------
def environment():
    import keras
    import numpy
    import scikeras
    import sklearn
    import tensorflow as tf

    import sk_lenet

    onednn = _onednn_enabled()
    return {
        **_cpu(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tf_enable_onednn_opts_env": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        # What --separate-processes hands the tutorial code's process.
        "tf_enable_onednn_opts_at_launch": _LAUNCH_ENV.get("TF_ENABLE_ONEDNN_OPTS"),
        "onednn_enabled_tf_reports": onednn,
        "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "tf_inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "scikeras": scikeras.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__,
            "sk_lenet": getattr(sk_lenet, "__version__", "?"),
        },
        "git_commit": _git_commit(),
    }


def _cpu():
    """The CPU's name, its family/model/stepping and the ISA flags in ISA."""
    fields = cpu_fields()
    if fields is None:
        return {"cpu": platform.processor() or "unknown"}
    flags = fields.get("flags", "").split()
    cpu = {"cpu": fields.get("model name", "unknown")}
    if "cpu family" in fields:  # x86; elsewhere no cpu_id, so rows never pool
        cpu["cpu_id"] = (
            f"family {fields['cpu family']} model {fields.get('model')} "
            f"stepping {fields.get('stepping')}"
        )
        cpu["cpu_isa"] = [f for f in ISA if f in flags]
    return cpu


def _git_commit():
    import subprocess

    try:
        out = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            # Code only: the results files change as a run goes on.
            [
                "git",
                "-C",
                str(HERE),
                "status",
                "--porcelain",
                "--",
                "../sk_lenet",
                ".",
                ":(exclude)results",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() + ("+uncommitted sk_lenet/benchmarks" if dirty else "")


def _load():
    return [round(v, 2) for v in os.getloadavg()]


def _cpu_ticks():
    """(steal, total) CPU ticks so far, from /proc/stat (None elsewhere).

    Steal is the time the hypervisor gave this VM's virtual CPUs to someone
    else: on a shared cloud machine it slows a run without showing in the
    load average.
    """
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields[:8]]
    return ticks[7], sum(ticks)


def _steal_pct(before, after):
    if before is None or after is None or after[1] == before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)


# ----------------------------------------------------------------------
# One side
# ----------------------------------------------------------------------
def run_peer(setup, data, epochs, seed):
    import _peers
    import numpy as np

    Xtr, ytr, Xte, yte = data
    spec = SETUPS[setup]
    model, fit_s, fit_only_s = _peers.train(
        setup,
        Xtr,
        ytr,
        Xte,
        yte,
        epochs=epochs,
        batch_size=spec["batch_size"],
        seed=seed,
    )
    t0 = time.perf_counter()
    pred = _peers.predict(setup, model, Xte, spec["predict_batch_size"])
    predict_s = time.perf_counter() - t0
    return {
        "accuracy": float(np.mean(pred == yte)),
        "fit_s": fit_s,
        "fit_call_only_s": fit_only_s,
        "predict_s": predict_s,
    }


def run_sk(setup, data, epochs, seed, dtype_policy="float32"):
    import numpy as np

    Xtr, ytr, Xte, yte = data
    clf = make_estimator(setup, epochs, seed).set_params(dtype_policy=dtype_policy)
    t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = clf.predict(Xte)
    predict_s = time.perf_counter() - t0
    return {
        "accuracy": float(np.mean(pred == yte)),
        "fit_s": fit_s,
        "predict_s": predict_s,
    }


def _onednn_enabled():
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except Exception:
        return None


def _matmul_gflops():
    """This CPU's float32 matrix-product rate right now, in GFLOP/s (best of 5).

    A ~0.1 s check around each fit: these VMs run the same work at two
    speeds up to ~2x apart, and a pair whose sides ran at different speeds
    shows here.
    """
    import numpy as np

    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    a @ a
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t0)
    return round(2 * 1024**3 / best / 1e9, 1)


def timed_side(side, setup, data, epochs, seed, dtype_policy):
    """One side's fit and predict, with the machine's state around them."""
    gc.collect()
    ticks = _cpu_ticks()
    gflops_before = _matmul_gflops()
    if side == "peer":
        res = run_peer(setup, data, epochs, seed)
    else:
        res = run_sk(setup, data, epochs, seed, dtype_policy)
    res["load_after"] = _load()
    res["steal_pct"] = _steal_pct(ticks, _cpu_ticks())
    res["matmul_gflops_before"] = gflops_before
    res["matmul_gflops_after"] = _matmul_gflops()
    res["seed"] = seed
    return res


def _child_cmd(side, setup, args, seed, use_digits):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-side", side]
    cmd += ["--setups", setup, "--seed", str(seed)]
    cmd += ["--dtype-policy", args.dtype_policy]
    if args.quick:
        cmd.append("--quick")
    if use_digits:
        cmd.append("--digits")
    if args.data_home:
        cmd += ["--data-home", args.data_home]
    if args.max_epochs is not None:
        cmd += ["--max-epochs", str(args.max_epochs)]
    return cmd


def run_in_own_process(side, setup, args, seed, use_digits, expected):
    """``timed_side`` in a fresh Python process started with the launch
    environment (see ``--separate-processes``); ``expected`` is the
    ``(n_train, n_test, epochs)`` the parent records for the row."""
    import subprocess

    proc = subprocess.run(
        _child_cmd(side, setup, args, seed, use_digits),
        env=_LAUNCH_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    results = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not results:
        raise SystemExit(
            f"the {side} process for {setup} failed (exit {proc.returncode}):\n"
            + proc.stderr[-3000:]
        )
    res = json.loads(results[-1][len("RESULT ") :])
    ran = tuple(res.pop(k) for k in ("n_train", "n_test", "epochs"))
    if ran != tuple(expected):
        raise SystemExit(
            f"the {side} process for {setup} ran (n_train, n_test, epochs) = "
            f"{ran}, the row records {tuple(expected)}"
        )
    return res


def _child(args):
    """One side in this process: ``--child-side``, started by the parent."""
    launch_setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.child_side == "sk":
        # As a user's script starts it: sk_lenet first, which turns oneDNN on
        # where the user has not chosen.
        import sk_lenet  # noqa: F401
    # The peer: as `python tutorial.py` starts TensorFlow, its own defaults.
    import tensorflow  # noqa: F401

    setup = args.setups[0]
    data, _, epochs = prepare_data(setup, args, args.data_home, args.digits)
    _warm_up()
    res = timed_side(args.child_side, setup, data, epochs, args.seed, args.dtype_policy)
    res["onednn"] = _onednn_enabled()
    res["tf_enable_onednn_opts_env"] = launch_setting
    res.update(n_train=len(data[1]), n_test=len(data[3]), epochs=epochs)
    print("RESULT " + json.dumps(res), flush=True)
    return 0


def _warm_up():
    """Start TensorFlow's thread pools and kernels before anything is timed."""
    import keras
    import numpy as np

    X = np.random.default_rng(0).random((256, 28, 28, 1), dtype=np.float32)
    y = np.arange(256) % 10
    m = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    m.compile("sgd", "sparse_categorical_crossentropy")
    m.fit(X, y, epochs=1, batch_size=128, verbose=0)
    m.predict(X, verbose=0)


def _summary(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def prepare_data(setup, args, data_home, use_digits):
    """((X_train, y_train, X_test, y_test), source, epochs) of a run."""
    import numpy as np

    spec = SETUPS[setup]
    Xtr, ytr, Xte, yte, source = load_data(spec["dataset"], data_home, use_digits)
    epochs = spec["epochs"]
    if args.quick:
        rng = np.random.default_rng(0)
        tr = np.sort(rng.permutation(len(ytr))[:QUICK_TRAIN])
        te = np.sort(rng.permutation(len(yte))[:QUICK_TEST])
        Xtr, ytr, Xte, yte = Xtr[tr], ytr[tr], Xte[te], yte[te]
        epochs = 1
    if args.max_epochs is not None:
        epochs = min(epochs, args.max_epochs)
    return (Xtr, ytr, Xte, yte), source, epochs


def bench_setup(setup, args, data_home, use_digits, first=0):
    """``args.repeats`` A/B pairs of ``setup``, numbered from ``first`` (pairs
    added to a stored row go on with its seeds and its alternating order)."""
    spec = SETUPS[setup]
    data, source, epochs = prepare_data(setup, args, data_home, use_digits)
    _, ytr, _, yte = data
    load_before = _load()
    peer_runs, sk_runs = [], []
    for r in range(first, first + args.repeats):
        # Alternate which side goes first: A B, B A, A B, ...
        order = ("peer", "sk") if r % 2 == 0 else ("sk", "peer")
        for side in order:
            if args.separate_processes:
                res = run_in_own_process(
                    side,
                    setup,
                    args,
                    args.seed + r,
                    use_digits,
                    (len(ytr), len(yte), epochs),
                )
            else:
                res = timed_side(
                    side, setup, data, epochs, args.seed + r, args.dtype_policy
                )
            res["ran_first"] = side == order[0]
            (peer_runs if side == "peer" else sk_runs).append(res)
            print(
                f"  [{setup}] rep {r} {side:4s}: acc {res['accuracy']:.4f} "
                f"fit {res['fit_s']:.1f}s predict {res['predict_s']:.3f}s "
                f"load {res['load_after'][0]} steal {res['steal_pct']}%",
                flush=True,
            )
    return _summarise(
        {
            "setup": setup,
            # sk_lenet's dtype_policy; the peer is the tutorial code, in float32.
            "dtype_policy": args.dtype_policy,
            "processes": _processes(args),
            "title": spec["title"],
            "mode": _mode(args),
            "data": source,
            "n_train": len(ytr),
            "n_test": len(yte),
            "tutorial_epochs": spec["epochs"],
            "epochs": epochs,
            "capped": epochs < spec["epochs"] and not args.quick,
            "batch_size": spec["batch_size"],
            "published_accuracy": spec["published"],
            "peer_runs": peer_runs,
            "sk_lenet_runs": sk_runs,
            "note": NOTES.get(setup, ""),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "load_before": load_before,
            "load_after": _load(),
        }
    )


# Fields that describe one run, not a timing to take the median of.
_PER_RUN = ("load_after", "onednn", "seed", "ran_first", "tf_enable_onednn_opts_env")


def _summarise(e):
    """Medians of each side's runs, and the ratios of the medians."""
    peer_runs, sk_runs = e["peer_runs"], e["sk_lenet_runs"]
    e["repeats"] = len(sk_runs)
    for side, runs in (("peer", peer_runs), ("sk_lenet", sk_runs)):
        # Every field some run records (older runs lack steal_pct).
        keys = dict.fromkeys(k for run in runs for k in run if k not in _PER_RUN)
        e[side] = {k: _summary(runs, k) for k in keys}
    e["fit_ratio"] = e["sk_lenet"]["fit_s"] / e["peer"]["fit_s"]
    e["predict_ratio"] = e["sk_lenet"]["predict_s"] / e["peer"]["predict_s"]
    return e


_DEFAULTS = {"dtype_policy": "float32", "processes": "same"}


def _processes(args):
    return "separate" if args.separate_processes else "same"


def _mode(args):
    return "quick" if args.quick else "full"


def _field(e, key):
    """``e[key]``, with the value rows from before the field was recorded meant."""
    return e.get(key, _DEFAULTS.get(key))


_SAME_RUN = (
    "mode",
    "setup",
    "dtype_policy",
    "processes",
    "data",
    "n_train",
    "n_test",
    "epochs",
)


def _session(e, env):
    return {
        "date": e["date"],
        "git_commit": env.get("git_commit"),
        "pairs": len(e["sk_lenet_runs"]),
        "environment": env,
    }


def _other_cpu(old, env):
    """Why pairs on the CPU ``env`` may not pool with the stored row ``old``.

    Pairs pool only on the same kind of CPU: the rows before 2026-11-30
    record the CPU's name alone, and one name covered two generations.
    """
    old_env = old.get("environment", {})
    if "cpu_id" not in old_env:
        return ["cpu_id (not recorded in the stored row)"]
    return [k for k in ("cpu", "cpu_id", "cpu_isa") if old_env[k] != env.get(k)]


def add_runs(old, new, env):
    """Pool ``new``'s A/B pairs with the stored row ``old`` of the same setup.

    A full row costs up to hours per pair; this lets pairs run in separate
    sessions add up to one row, every pair kept and its session recorded.
    """
    differ = [k for k in _SAME_RUN if _field(old, k) != _field(new, k)]
    differ += _other_cpu(old, env)
    if differ:
        raise SystemExit(
            f"--add-runs: the stored {_key(new)} row differs in {differ}; "
            "run without --add-runs to replace it, or with --out to keep "
            "this machine's rows in a file of their own"
        )
    sessions = old.get("sessions") or [_session(old, old.get("environment", {}))]
    sessions.append(_session(new, env))
    pooled = dict(new, sessions=sessions)
    pooled["peer_runs"] = old["peer_runs"] + new["peer_runs"]
    pooled["sk_lenet_runs"] = old["sk_lenet_runs"] + new["sk_lenet_runs"]
    return _summarise(pooled)


# ----------------------------------------------------------------------
# Results files
# ----------------------------------------------------------------------
def _key(e):
    policy = _field(e, "dtype_policy")
    key = f"{e['mode']}/{e['setup']}" + ("" if policy == "float32" else f"+{policy}")
    return key + ("+separate" if _field(e, "processes") == "separate" else "")


def _onednn_word(runs):
    states = {r.get("onednn") for r in runs}
    if states == {True}:
        return "on"
    if states == {False}:
        return "off"
    return "state " + "/".join(sorted(str(s) for s in states))


def _setup_cell(e):
    policy = _field(e, "dtype_policy")
    own = "" if policy == "float32" else f" — sk_lenet `dtype_policy={policy!r}`"
    if _field(e, "processes") == "separate":
        own += (
            " — separate processes: tutorial code with TensorFlow's defaults "
            f"(oneDNN {_onednn_word(e['peer_runs'])}), sk_lenet with its own "
            f"(oneDNN {_onednn_word(e['sk_lenet_runs'])})"
        )
    return f"{e['setup']}: {e['title']}{own}"


def _stored(path):
    path = Path(path)
    return json.loads(path.read_text())["results"] if path.exists() else {}


def merge_results(path, env, entries):
    path = Path(path)
    doc = json.loads(path.read_text()) if path.exists() else {"results": {}}
    for e in entries:
        e["environment"] = env
        doc["results"][_key(e)] = e
    doc["results"] = dict(sorted(doc["results"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def write_section(path, title, text, raw_key=None, raw=None):
    """Store a helper's ready-made markdown section (and its raw data) in the
    results JSON and regenerate the markdown next to it."""
    path = Path(path)
    doc = json.loads(path.read_text())
    doc.setdefault("sections", {})[title] = text
    if raw_key is not None:
        doc.setdefault("raw", {})[raw_key] = raw
    path.write_text(json.dumps(doc, indent=1) + "\n")
    path.with_suffix(".md").write_text(render_markdown(doc, path.name))
    return doc


def _pct(x):
    return "-" if x is None else f"{100 * x:.2f}%"


def _accuracy_cell(e, side):
    acc = e[side]["accuracy"]
    cell = _pct(acc)
    if e["capped"]:
        cell += f" (capped: {e['epochs']}/{e['tutorial_epochs']} ep)"
    elif e["mode"] == "full" and acc < e["published_accuracy"]:
        cell += " (below published)"
    return cell


def _runs_cell(e):
    sessions = e.get("sessions")
    if not sessions:
        return f"{e['repeats']}"
    each = ", ".join(
        f"{s['pairs']} on {s['date'][:10]} (git {s['git_commit']})" for s in sessions
    )
    return f"{e['repeats']}: {each}"


def cpu_cell(env):
    """The CPU as the results headers name it."""
    if "cpu_id" not in env:
        return f"{env['cpu']} ({env['cores']} cores)"
    isa = ", ".join(env["cpu_isa"]) or "none of " + ", ".join(ISA)
    return f"{env['cpu']} ({env['cores']} cores; {env['cpu_id']}; {isa})"


def _steal_cell(e):
    peer, sk = e["peer"].get("steal_pct"), e["sk_lenet"].get("steal_pct")
    if peer is None and sk is None:
        return ""
    # Medians of two runs are means: rounded, not 0.15000000000000002.
    peer, sk = (None if v is None else round(v, 2) for v in (peer, sk))
    return f"; steal {peer}% / {sk}%"


def _gflops_cell(e):
    """The matrix-product check around each side's fits (medians)."""
    peer, sk = e["peer"], e["sk_lenet"]
    if peer.get("matmul_gflops_before") is None:
        return ""
    return (
        "; matmul GFLOP/s before → after fit: peer "
        f"{peer['matmul_gflops_before']:.0f} → {peer['matmul_gflops_after']:.0f}, "
        f"sk_lenet {sk['matmul_gflops_before']:.0f} → "
        f"{sk['matmul_gflops_after']:.0f}"
    )


def _launch_cell(env):
    if "tf_enable_onednn_opts_at_launch" not in env:
        return ""
    launch = env["tf_enable_onednn_opts_at_launch"]
    return f" (at launch, as separate-process tutorial runs get it: {launch!r})"


def render_markdown(doc, source="tutorials.json"):
    # A results file of one machine is titled by its CPU ("machine" field).
    cpu = doc.get("machine", {}).get("cpu")
    lines = [
        f"# {cpu}" if cpu else "# sk_lenet vs the tutorials' plain-Keras code",
        "",
        f"Generated by `benchmarks/bench_tutorials.py` from `{source}`. "
        "Each row trains the tutorial's own Keras code (*peer*, "
        "`benchmarks/_peers.py`) and the sk_lenet estimator with the same "
        "hyperparameters, one after the other in one process (separate-process "
        "rows: each in its own, below), same data and seed. "
        "*fit* is wall time: for the peer the whole training part of the "
        "tutorial (float32 /255 scaling, one-hot labels, build, compile, "
        "`model.fit`), for sk_lenet `clf.fit(X_uint8, y)`; *predict* is the "
        "test set (peer: scaling + `model.predict` + argmax; sk_lenet: "
        "`clf.predict`). Ratios are sk_lenet / peer (below 1: sk_lenet "
        "faster). Medians over the repeats. The machine may be shared: "
        "the load average (1 min, before → after) says how busy it was "
        "(a fit alone keeps it at ~2-3 on 2 cores, TensorFlow's own "
        "threads; well above that, other work competed), and *steal* "
        "(peer / sk_lenet, where recorded) the share of CPU time the "
        "hypervisor gave to other machines during each fit. Both sides run "
        "in one process with the same TensorFlow settings, oneDNN included "
        "(its state is under Environment), so the ratios do not count "
        "oneDNN's gain; on a CPU where TensorFlow leaves it off, sk_lenet "
        "turns it on and the tutorial code run on its own runs without it. "
        "Rows marked *separate processes* (`--separate-processes`) count that "
        "gain: each side runs in a fresh process of its own, the sides "
        "alternating, the tutorial code with TensorFlow's own defaults as "
        "`python tutorial.py` starts it, sk_lenet with its own; the setup "
        "cell says whether oneDNN ran on each side. *matmul GFLOP/s* (where "
        "recorded) is a 0.1 s float32 matrix-product check run just before "
        "and after each fit: this VM runs the same work at two speeds up to "
        "~2x apart, and a pair whose sides ran at different speeds shows "
        "there. A row whose setup names "
        "`dtype_policy='mixed_bfloat16'` (`--dtype-policy`) trains sk_lenet "
        "in opt-in mixed precision (bfloat16 compute, float32 weights; not "
        "the default, results differ beyond round-off) against the same "
        "float32 tutorial code.",
        "",
    ]
    results = doc["results"].values()
    for mode, heading in MODE_HEADINGS.items():
        rows = [e for e in results if e["mode"] == mode]
        if not rows:
            continue
        lines += [f"## {heading}", ""]
        lines += [
            "| setup | data | epochs | published | peer acc | sk_lenet acc | "
            "peer fit s | sk_lenet fit s | fit ratio | peer predict s | "
            "sk_lenet predict s | predict ratio | runs | load avg; steal | note |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: | ---: | ---: | --- | --- |",
        ]
        for e in rows:
            ep = f"{e['epochs']}" + (
                f" of {e['tutorial_epochs']} (capped)" if e["capped"] else ""
            )
            lines.append(
                f"| {_setup_cell(e)} | {e['data']}; {e['n_train']}/"
                f"{e['n_test']} | {ep} | {_pct(e['published_accuracy'])} | "
                f"{_accuracy_cell(e, 'peer')} | {_accuracy_cell(e, 'sk_lenet')} | "
                f"{e['peer']['fit_s']:.1f} | {e['sk_lenet']['fit_s']:.1f} | "
                f"**{e['fit_ratio']:.2f}** | {e['peer']['predict_s']:.3f} | "
                f"{e['sk_lenet']['predict_s']:.3f} | {e['predict_ratio']:.2f} | "
                f"{_runs_cell(e)} | {e['load_before'][0]} → {e['load_after'][0]}"
                f"{_steal_cell(e)}{_gflops_cell(e)} | "
                f"{e['note']} |"
            )
        lines.append("")
    # Measurements made by the other scripts (_time_to_99.py, _predict.py and
    # the probes/ of earlier versions), stored as ready-made markdown.
    for title, text in doc.get("sections", {}).items():
        lines += [f"## {title}", "", text.rstrip(), ""]
    envs = {}
    for e in results:
        # A pooled row lists the machine of each session's pairs.
        sessions = [s for s in e.get("sessions", []) if "environment" in s]
        for env, name in [
            (
                s["environment"],
                f"{_key(e)} (pairs of {s['date'][:10]}, git {s['git_commit']})",
            )
            for s in sessions
        ] or [(e["environment"], _key(e))]:
            key = json.dumps(env, sort_keys=True)
            envs.setdefault(key, (env, []))[1].append(name)
    lines += ["## Environment", ""]
    for env, names in envs.values():
        v = env["versions"]
        lines += [
            f"- rows {', '.join(sorted(names))}:",
            f"  - CPU: {cpu_cell(env)}, {env['platform']}",
            "  - oneDNN in the benchmark's own process (both sides of its "
            "one-process rows): TF reports "
            f"enabled={env['onednn_enabled_tf_reports']}, "
            f"TF_ENABLE_ONEDNN_OPTS={env['tf_enable_onednn_opts_env']!r}"
            f"{_launch_cell(env)}; "
            f"TF threads intra/inter = {env['tf_intra_op_threads']}/"
            f"{env['tf_inter_op_threads']} (0 = TF default)",
            f"  - Python {env['python']}, TensorFlow {v['tensorflow']}, Keras "
            f"{v['keras']}, scikeras {v['scikeras']}, scikit-learn "
            f"{v['scikit-learn']}, NumPy {v['numpy']}, sk_lenet {v['sk_lenet']} "
            f"(git {env['git_commit']})",
        ]
    if doc.get("environment_note"):
        lines += ["", doc["environment_note"]]
    dates = sorted(e["date"] for e in results)
    lines += ["", f"Runs dated {dates[0]} to {dates[-1]} (UTC).", ""]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2000/1000 images, 1 epoch")
    p.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    p.add_argument("--max-epochs", type=int, default=None, help="cap the epochs")
    p.add_argument("--repeats", type=int, default=1, help="A/B pairs per setup")
    p.add_argument(
        "--add-runs",
        action="store_true",
        help="pool these pairs with the stored row of the same setup instead "
        "of replacing it (medians over all pairs)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--dtype-policy",
        default="float32",
        choices=DTYPE_POLICIES,
        help="sk_lenet's dtype_policy (the peer stays float32); rows are kept "
        "apart from the float32 ones",
    )
    p.add_argument("--data-home", default=None, help="SCIKIT_LEARN_DATA cache")
    p.add_argument("--digits", action="store_true", help="use sklearn digits")
    p.add_argument(
        "--separate-processes",
        action="store_true",
        help="run each side in a fresh process: the tutorial code with "
        "TensorFlow's own defaults (as `python tutorial.py`), sk_lenet with its "
        "own; rows are kept apart from the one-process ones",
    )
    p.add_argument("--child-side", choices=("peer", "sk"), help=argparse.SUPPRESS)
    p.add_argument("--out", default=str(HERE / "results" / "tutorials.json"))
    p.add_argument("--md", default=None, help="markdown path (default: --out .md)")
    args = p.parse_args(argv)
    if args.max_epochs is not None and args.max_epochs < 1:
        p.error("--max-epochs must be >= 1")
    if args.child_side:
        return _child(args)

    # Both sides of a one-process row run with sk_lenet's oneDNN choice:
    # sk_lenet before TensorFlow, as a user imports it; TensorFlow quietly.
    import sk_lenet  # noqa: F401  (sets TF_ENABLE_ONEDNN_OPTS, loads no TF)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow  # noqa: F401

    use_digits = args.digits or not real_data_available(args.data_home)
    if use_digits and not args.quick:
        p.error(
            "full runs need the real data: pass --data-home or set "
            "SCIKIT_LEARN_DATA to an OpenML cache (or use --quick)"
        )
    env = environment()
    print(f"environment: {json.dumps(env)}", flush=True)
    if not args.separate_processes:  # each child warms up its own TensorFlow
        _warm_up()
    stored = _stored(args.out) if args.add_runs else {}
    mode = _mode(args)
    rows = {
        s: stored.get(
            _key(
                {
                    "mode": mode,
                    "setup": s,
                    "dtype_policy": args.dtype_policy,
                    "processes": _processes(args),
                }
            )
        )
        for s in args.setups
    }
    for row in rows.values():
        # Refuse before hours of training, not after.
        other = _other_cpu(row, env) if row is not None else []
        if other:
            p.error(
                f"--add-runs: the stored {_key(row)} row ran on another CPU "
                f"({', '.join(other)}); use --out FILE for this machine's rows"
            )
    entries = []
    for setup in args.setups:
        print(f"{setup}: {SETUPS[setup]['title']}", flush=True)
        first = rows[setup]["repeats"] if rows[setup] is not None else 0
        e = bench_setup(setup, args, args.data_home, use_digits, first)
        entries.append(e)
        print(
            f"  => peer {e['peer']['accuracy']:.4f} / "
            f"sk {e['sk_lenet']['accuracy']:.4f}"
            f"  fit ratio {e['fit_ratio']:.2f}  predict ratio "
            f"{e['predict_ratio']:.2f}",
            flush=True,
        )
        if rows[setup] is not None:
            e = add_runs(rows[setup], e, env)
            print(
                f"  => with the stored pairs ({e['repeats']} in all): "
                f"fit ratio {e['fit_ratio']:.2f}",
                flush=True,
            )
        # Write after every setup, so that a killed long run keeps its rows.
        doc = merge_results(args.out, env, [e])
        md = Path(args.md) if args.md else Path(args.out).with_suffix(".md")
        md.write_text(render_markdown(doc, Path(args.out).name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
