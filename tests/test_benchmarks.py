"""The tutorial benchmark harness runs end to end (quick mode, on digits)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_tutorials.py"
RESULTS = BENCH.parent / "results"
# Every committed comparison, one file per machine (tutorials_<machine>.json).
RESULT_FILES = sorted(p.name for p in RESULTS.glob("tutorials*.json"))
SETUPS = {
    "lenet",
    "lenet5",
    "simplified_lenet",
    "dropout_cnn",
    "mlp_mnist",
    "mlp_cifar10",
}


def _bench(*args, env=None, returncode=0):
    """``bench_tutorials.py --quick --digits *args`` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--digits", *args],
        capture_output=True,
        text=True,
        env={**(os.environ if env is None else env), "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == returncode, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "tutorials.json"
    _bench("--out", str(out))
    return json.loads(out.read_text()), out.with_suffix(".md").read_text()


def test_every_setup_has_both_sides(quick_run):
    doc, _ = quick_run
    results = doc["results"]
    assert {k.split("/", 1)[1] for k in results} == SETUPS
    for key, e in results.items():
        assert key.startswith("quick/")
        assert e["epochs"] == 1 and not e["capped"]
        for side in ("peer", "sk_lenet"):
            r = e[side]
            assert 0.0 <= r["accuracy"] <= 1.0, (key, side)
            assert 0.0 < r["fit_s"] < 120, (key, side)
            assert 0.0 < r["predict_s"] < 60, (key, side)
        assert e["fit_ratio"] > 0 and e["predict_ratio"] > 0
        # Digits are easy: one epoch must beat chance on at least one side
        # for the Adam setups, which learn fastest.
        if e["setup"] in ("simplified_lenet", "dropout_cnn"):
            assert max(e["peer"]["accuracy"], e["sk_lenet"]["accuracy"]) > 0.3
        env = e["environment"]
        assert env["cores"] >= 1 and env["versions"]["tensorflow"]
        assert "onednn_enabled_tf_reports" in env
        assert len(e["load_before"]) == 3


def test_markdown_table_lists_every_setup(quick_run):
    _, md = quick_run
    assert "Quick mode" in md
    for setup in SETUPS:
        assert f"| {setup}:" in md


def test_max_epochs_is_validated():
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--max-epochs", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "--max-epochs" in proc.stderr


def test_add_runs_pools_pairs_of_the_same_setup(quick_run, monkeypatch):
    import copy

    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bench_tutorials

    doc, _ = quick_run
    env = dict(
        doc["results"]["quick/lenet5"]["environment"],
        cpu_id="family 1 model 2 stepping 3",  # whatever /proc/cpuinfo said
        cpu_isa=["avx2"],
    )
    old = dict(doc["results"]["quick/lenet5"], environment=env)
    new = copy.deepcopy(old)
    new["sk_lenet_runs"][0]["fit_s"] = old["sk_lenet_runs"][0]["fit_s"] + 3.0
    new["date"] = "2030-01-02T00:00:00+00:00"
    env = dict(env, git_commit="abc1234")
    pooled = bench_tutorials.add_runs(old, new, env)
    assert pooled["repeats"] == 2
    assert len(pooled["peer_runs"]) == len(pooled["sk_lenet_runs"]) == 2
    # The median of two runs is their mean.
    assert pooled["sk_lenet"]["fit_s"] == pytest.approx(old["sk_lenet"]["fit_s"] + 1.5)
    assert [s["pairs"] for s in pooled["sessions"]] == [1, 1]
    assert pooled["sessions"][-1]["git_commit"] == "abc1234"
    doc = {"results": {"quick/lenet5": pooled}}
    md = bench_tutorials.render_markdown(doc)
    assert "2: 1 on " in md
    # Each session's machine is listed under Environment.
    assert "quick/lenet5 (pairs of 2030-01-02, git abc1234)" in md
    assert "(git abc1234)" in md
    with pytest.raises(SystemExit, match="epochs"):
        bench_tutorials.add_runs(old, dict(new, epochs=2), env)
    # Pairs from another kind of CPU, or a row that does not say, never pool.
    with pytest.raises(SystemExit, match="cpu_isa"):
        bench_tutorials.add_runs(old, new, dict(env, cpu_isa=[*env["cpu_isa"], "x"]))
    unknown = dict(old, environment={"cpu": env["cpu"]})
    with pytest.raises(SystemExit, match="not recorded"):
        bench_tutorials.add_runs(unknown, new, env)


def test_add_runs_refuses_another_cpu_before_training(quick_run, tmp_path):
    import copy

    doc = copy.deepcopy(quick_run[0])
    out = tmp_path / "tutorials.json"
    # Rows of a machine we pretend is another.
    for e in doc["results"].values():
        e["environment"]["cpu_isa"] = [*e["environment"]["cpu_isa"], "x"]
    out.write_text(json.dumps(doc))
    proc = _bench("--setups", "lenet5", "--add-runs", "--out", str(out), returncode=2)
    assert "ran on another CPU (cpu_isa)" in proc.stderr
    assert "lenet5: " not in proc.stdout  # refused before any training
    assert json.loads(out.read_text()) == doc


def _tensorflow_default_onednn(env):
    """Whether TensorFlow, started as a plain script would, turns oneDNN on."""
    code = (
        "import tensorflow\n"
        "from tensorflow.python.util import _pywrap_util_port as p\n"
        "print(bool(p.IsMklEnabled()))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return proc.stdout.strip().splitlines()[-1] == "True"


def test_separate_processes_run_the_tutorial_with_tensorflow_defaults(tmp_path):
    out = tmp_path / "tutorials.json"
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    args = ("--setups", "lenet5", "--separate-processes", "--out", str(out))
    _bench(*args, env=env)
    md = out.with_suffix(".md").read_text()
    # The tutorial code ran as a plain script starts TensorFlow; sk_lenet
    # switched oneDNN on.
    default = _tensorflow_default_onednn(env)
    word = "on" if default else "off"
    assert (
        f"separate processes: tutorial code with TensorFlow's defaults (oneDNN {word})"
        in md
    )
    assert "sk_lenet with its own (oneDNN on)" in md
    assert "matmul GFLOP/s before → after fit" in md
    # A user's TF_ENABLE_ONEDNN_OPTS=0 reaches both sides, and this second
    # pair pools with the first.
    _bench(*args, "--add-runs", env={**env, "TF_ENABLE_ONEDNN_OPTS": "0"})
    results = json.loads(out.read_text())["results"]
    assert list(results) == ["quick/lenet5+separate"]  # apart from one-process rows
    e = results["quick/lenet5+separate"]
    assert e["processes"] == "separate" and e["repeats"] == 2
    assert len(e["sessions"]) == 2 and e["n_train"] == 1347 and e["epochs"] == 1
    assert [r["onednn"] for r in e["peer_runs"]] == [default, False]
    assert [r["onednn"] for r in e["sk_lenet_runs"]] == [True, False]
    assert [r["tf_enable_onednn_opts_env"] for r in e["peer_runs"]] == [None, "0"]
    # Seeds and A/B order go on from the stored pair: A B, then B A.
    for side, first in (("peer", [True, False]), ("sk_lenet", [False, True])):
        assert [r["seed"] for r in e[f"{side}_runs"]] == [0, 1]
        assert [r["ran_first"] for r in e[f"{side}_runs"]] == first
        for r in e[f"{side}_runs"]:
            assert 0 < r["fit_s"] < 120 and 0.0 <= r["accuracy"] <= 1.0
            assert r["matmul_gflops_before"] > 0 and r["matmul_gflops_after"] > 0


@pytest.mark.parametrize(
    "results",
    [
        name
        for name in RESULT_FILES
        if "time_to_99" in json.loads((RESULTS / name).read_text()).get("raw", {})
    ],
)
def test_time_to_99_section_renders_from_its_raw_runs(monkeypatch, results):
    """The committed time-to-99% table is what its recorded runs give."""
    bench_dir = BENCH.parent
    monkeypatch.syspath_prepend(str(bench_dir))
    import _time_to_99

    doc = json.loads((RESULTS / results).read_text())
    raw = doc["raw"]["time_to_99"]
    text = _time_to_99.render(raw["runs"], raw["environment"], 0.99)
    assert text == doc["sections"][_time_to_99.SECTION]
    for config in {r["config"] for r in raw["runs"]}:
        assert config in _time_to_99.CONFIGS
        sides = {r["side"] for r in raw["runs"] if r["config"] == config}
        assert sides == {"sk_lenet", "skorch"}


def _helper_on_results_copy(tmp_path, script, *args, results="tutorials.json"):
    """Run ``benchmarks/<script> *args --out`` on a copy of the committed
    ``results`` (whose full rows it may read, whose markdown it regenerates)
    and return the copy's path."""
    out = tmp_path / "tutorials.json"
    out.write_text((RESULTS / results).read_text())
    proc = subprocess.run(
        [sys.executable, str(BENCH.parent / script), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return out


# Each floor is set against the machine's newest float32 row of its setup,
# one-process or separate-process (tutorials_intel.json has only the latter).
@pytest.mark.parametrize("results", RESULT_FILES)
def test_kernel_floor_runs_and_writes_its_section(tmp_path, results):
    stored = json.loads((RESULTS / results).read_text())["results"]
    out = _helper_on_results_copy(
        tmp_path,
        "_kernel_floor.py",
        *("--setups", "lenet5", "mlp_mnist", "--inner", "1", "--repeats", "1"),
        results=results,
    )
    rows = json.loads(out.read_text())["raw"]["kernel_floor"]["results"]
    assert [r["setup"] for r in rows] == ["lenet5", "mlp_mnist"]
    for r in rows:
        candidates = [
            key
            for key in (f"full/{r['setup']}", f"full/{r['setup']}+separate")
            if key in stored
        ]
        assert r["row"] == max(candidates, key=lambda k: stored[k]["date"])
        assert r["peer_epoch_s"] == round(
            stored[r["row"]]["peer"]["fit_s"] / stored[r["row"]]["epochs"], 2
        )
        assert 0 < r["floor_epoch_s"] and 0 < r["floor_ratio"]
        # LeNet-5: 2 convolutions (the first without input gradient), 3 dense.
        assert len(r["kernels"]) == (14 if r["setup"] == "lenet5" else 8)
    assert "Kernel floor" in out.with_suffix(".md").read_text()


def test_relu_after_pool_trial_is_the_same_network(monkeypatch):
    # The A/B trial must change where ReLU runs, not what the network computes.
    import keras
    import numpy as np

    monkeypatch.syspath_prepend(str(BENCH.parent))
    import _candidates

    clf = _candidates._estimator("dropout_cnn")
    models = []
    for moved in (False, True):
        keras.utils.set_random_seed(0)
        models.append(_candidates._build(clf, 10, {}, relu_after_pool=moved))
    base, moved = models
    kinds = [type(layer).__name__ for layer in moved.layers]
    i = kinds.index("ReLU")
    order = ["Conv2D", "Conv2D", "MaxPooling2D", "ReLU", "Dropout"]
    assert kinds[i - 3 : i + 2] == order
    # Only the convolution that feeds the pooling loses its activation.
    assert moved.layers[i - 3].activation is keras.activations.relu
    assert moved.layers[i - 2].activation is keras.activations.linear
    moved.set_weights(base.get_weights())
    X = np.random.default_rng(0).integers(0, 256, (8, 28, 28, 1), dtype=np.uint8)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(base(X)), keras.ops.convert_to_numpy(moved(X))
    )


def _run_section_helper(tmp_path, monkeypatch, script, raw_key, args, *render_args):
    """Run a per-setup helper on a results copy; check that its section is
    what its raw results render to and reached the markdown; return those
    results and the helper's module."""
    out = _helper_on_results_copy(tmp_path, script, *args)
    doc = json.loads(out.read_text())
    monkeypatch.syspath_prepend(str(BENCH.parent))
    module = importlib.import_module(script.removesuffix(".py"))
    raw = doc["raw"][raw_key]
    text = module.render(raw["results"], raw["environment"], *render_args)
    assert doc["sections"][module.SECTION] == text
    assert module.SECTION in out.with_suffix(".md").read_text()
    return raw["results"], module


def test_step_profile_runs_and_writes_its_section(tmp_path, monkeypatch):
    (row,), _ = _run_section_helper(
        tmp_path,
        monkeypatch,
        "_step_profile.py",
        "step_profile",
        ("--setups", "mlp_mnist", "--steps", "32", "--repeats", "1"),
        12,
    )
    assert row["setup"] == "mlp_mnist" and row["wall_ms_per_step"] > 0
    # The profiler saw the network's matrix products (oneDNN's or Eigen's).
    assert any("MatMul" in op["op_type"] for op in row["ops"])
    assert all(op["self_ms_per_step"] >= 0 for op in row["ops"])


def test_partial_fit_benchmark_runs_and_writes_its_section(tmp_path, monkeypatch):
    (row,), _partial_fit = _run_section_helper(
        tmp_path,
        monkeypatch,
        "_partial_fit.py",
        "partial_fit",
        ("--setups", "mlp_mnist", "--calls", "2", "--rounds", "1"),
    )
    for trial in _partial_fit.TRIALS:
        (calls,) = (r[trial] for r in row["runs_s"])
        assert len(calls) == 2 and all(t > 0 for t in calls)
    assert row["ratio_to_sk_lenet"]["sk_lenet"] == 1.0
    # The "before" trial puts sk_lenet back the way it was, only for itself.
    import sk_lenet.base as base

    cls = base.ImageClassifierBase

    def current():
        return (
            base._set_tf_global_seed,
            cls._choose_execution,
            cls._batch_feed,
        )

    shipped = current()
    with _partial_fit._as_before():
        assert cls._choose_execution is _partial_fit._choose_execution_before
        assert all(a is not b for a, b in zip(current(), shipped, strict=True))
        assert cls._batch_feed(None, None, [0], None, {}, 0) is None
    assert current() == shipped


def test_predict_forward_floor_times_the_batches_predict_cuts(monkeypatch):
    # The floor must time the forward products only, at predict's own batches.
    import keras
    import numpy as np

    from sk_lenet import LeNet5Classifier

    monkeypatch.syspath_prepend(str(BENCH.parent))
    import _predict

    X = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    clf = LeNet5Classifier(epochs=1, random_state=0).fit(X, np.arange(64) % 10)
    floor_s, info = _predict.forward_floor(clf, 4100)
    # predict splits 4100 images into 3 chunks of at most 2048: 1367 each.
    assert (info["batches"], info["batch"]) == (3, 1367)
    names = [k["kernel"] for k in info["kernels"]]
    assert len(names) == 5 and all(n.endswith("forward") for n in names)
    products = (keras.layers.Conv2D, keras.layers.Dense)
    layers = [la.name for la in clf.model_.layers if isinstance(la, products)]
    assert [n.split()[0] for n in names] == layers
    assert floor_s == pytest.approx(sum(k["s"] for k in info["kernels"]))
    assert all(k["s"] > 0 for k in info["kernels"])
    # forward_only builds no gradient tensors and keeps the same products.
    import _kernel_floor

    full = [k[0] for k in _kernel_floor._kernels(clf.model_, 8)]
    forward = [k[0] for k in _kernel_floor._kernels(clf.model_, 8, forward_only=True)]
    assert forward == [n for n in full if n.endswith("forward")] == names
