"""The tutorial benchmark harness runs end to end (quick mode, on digits)."""

from __future__ import annotations

import ast
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


# One epoch of the digits (1347 images) takes these setups' networks well
# above chance (0.1) on both sides; the SGD setups learn too slowly for that.
LEARNS_IN_ONE_EPOCH = {"simplified_lenet", "dropout_cnn", "mlp_cifar10"}


def test_every_setup_has_both_sides(quick_run):
    doc, _ = quick_run
    results = doc["results"]
    assert {k.split("/", 1)[1] for k in results} == SETUPS
    for key, e in results.items():
        assert key.startswith("quick/")
        assert e["epochs"] == 1 and not e["capped"]
        assert e["n_test"] == 450  # the digits' test split, not a subsample
        for side in ("peer", "sk_lenet"):
            r = e[side]
            # A share of the 450 test images that were classified right.
            correct = r["accuracy"] * e["n_test"]
            assert correct == pytest.approx(round(correct)), (key, side)
            assert 0.0 < r["fit_s"] < 120, (key, side)
            assert 0.0 < r["predict_s"] < 60, (key, side)
            if e["setup"] in LEARNS_IN_ONE_EPOCH:
                assert r["accuracy"] > 0.4, (key, side, r["accuracy"])
        # The ratios are those of the two sides' own timings.
        assert e["fit_ratio"] == e["sk_lenet"]["fit_s"] / e["peer"]["fit_s"]
        assert e["predict_ratio"] == e["sk_lenet"]["predict_s"] / e["peer"]["predict_s"]
        if e["setup"] in LEARNS_IN_ONE_EPOCH:
            # The same network and schedule: sk_lenet lands near the tutorial
            # code (seeds and sample orders differ, so not on it).
            gap = e["sk_lenet"]["accuracy"] - e["peer"]["accuracy"]
            assert abs(gap) < 0.25, (key, gap)
        env = e["environment"]
        assert env["cores"] >= 1 and env["versions"]["tensorflow"]
        assert "onednn_enabled_tf_reports" in env
        assert len(e["load_before"]) == 3


def test_markdown_table_lists_every_setup(quick_run):
    doc, md = quick_run
    assert "Quick mode" in md
    for e in doc["results"].values():
        prefix = f"| {e['setup']}:"
        (row,) = [line for line in md.splitlines() if line.startswith(prefix)]
        cells = [c.strip() for c in row.split("|")[1:-1]]
        # peer acc, sk_lenet acc, peer fit s, sk_lenet fit s, fit ratio
        assert cells[4:9] == [
            f"{100 * e['peer']['accuracy']:.2f}%",
            f"{100 * e['sk_lenet']['accuracy']:.2f}%",
            f"{e['peer']['fit_s']:.1f}",
            f"{e['sk_lenet']['fit_s']:.1f}",
            f"**{e['fit_ratio']:.2f}**",
        ]


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


# The harness: what the test suite and the documentation run.  benchmarks/
# probes/ holds one-off probes that may use private names; nothing here
# imports them.
HARNESS = [
    BENCH.parent / name
    for name in (
        "bench_tutorials.py",
        "bench_datasets.py",
        "_time_to_99.py",
        "_predict.py",
        "bench_onnx.py",
        "_peers.py",
        "_skorch_peer.py",
        "_airbench_peer.py",
        "_machine.py",
        "summary.py",
        "bench_beyond.py",
        "_beyond_peers.py",
    )
]
PROBES = {p.stem for p in (BENCH.parent / "probes").glob("*.py")}


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


@pytest.mark.parametrize("path", HARNESS, ids=lambda p: p.name)
def test_harness_uses_public_api_only(path):
    tree = ast.parse(path.read_text())
    imported = set(_imports(tree))
    private = sorted(
        name
        for name in imported
        if name.split(".")[0] == "sk_lenet"
        and any(part.startswith("_") for part in name.split(".")[1:])
    )
    assert not private, f"{path.name} imports sk_lenet's private {private}"
    probes = sorted(name for name in imported if name.split(".")[0] in PROBES)
    assert not probes, f"{path.name} imports the probes {probes}"
    # No call of an object's private method (clf._validate_data(...), ...):
    # only this harness's own modules have private names it may use.
    own = {p.stem for p in HARNESS}
    calls = sorted(
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr.startswith("_")
        and not node.func.attr.startswith("__")
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id in own)
    )
    assert not calls, f"{path.name} calls private methods {calls}"


def test_predict_benchmark_times_the_public_predict(monkeypatch):
    # _predict.py's measurements on a tiny LeNet: the traced predict_proba and
    # the eager calls of the same network agree, and the table renders them.
    import numpy as np

    monkeypatch.syspath_prepend(str(BENCH.parent))
    import _predict

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (364, 784), dtype=np.uint8)
    y = np.arange(364) % 10
    r = _predict.bench("LeNetClassifier", X[:64], y[:64], X[64:], y[64:], reps=1)
    assert set(r["times"]) == {"sk_lenet", "eager", "tutorial"}
    assert all(len(t) == 1 and t[0] > 0 for t in r["times"].values())
    assert r["same_classes"] == 1.0 and r["max_abs_proba_diff"] < 1e-4
    correct = r["accuracy"] * 300
    assert correct == pytest.approx(round(correct))
    env = json.loads((RESULTS / "tutorials_zen3.json").read_text())
    env = env["results"]["full/lenet+separate"]["environment"]
    text = _predict.render({"LeNetClassifier": r}, {**env, "date": "2030-01-01"})
    assert f"**{r['median']['sk_lenet']:.3f}**" in text


def test_onnx_benchmark_runs_and_its_results_render(monkeypatch, tmp_path, capsys):
    # bench_onnx.py end to end on the digits (onnxruntime against
    # predict_proba), and the committed results/onnx.md is its JSON rendered.
    pytest.importorskip("onnxruntime", reason='needs pip install "sk-lenet[onnx]"')
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bench_onnx

    out = tmp_path / "onnx.json"
    argv = ["--digits", "--reps", "1", "--single", "5", "--batch-sizes", "64,450"]
    assert bench_onnx.main([*argv, "--out", str(out)]) == 0
    r = json.loads(out.read_text())["results"]
    assert set(r["batch_median_s"]) == {
        "predict_proba",
        "onnxruntime batch 64",
        "onnxruntime batch 450",
    }
    assert max(r["max_abs_proba_diff"].values()) < 1e-5
    assert r["best_onnx_batch"] in (64, 450)
    assert set(r["single_latency"]) == {"predict_proba", "onnxruntime"}
    assert out.with_suffix(".md").read_text() in capsys.readouterr().out
    committed = json.loads((RESULTS / "onnx.json").read_text())
    assert committed["results"]["data"] == "mnist"
    assert committed["results"]["n_test"] == 10000
    text = bench_onnx.render(committed["results"], committed["environment"])
    assert (RESULTS / "onnx.md").read_text() == text
    assert bench_onnx.MARK in text  # where docs/export.rst starts including


def _summary(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import summary

    return summary


def test_every_results_file_names_its_machine_by_its_recorded_cpu(monkeypatch):
    summary = _summary(monkeypatch)
    docs = summary.load()
    assert [d["file"] for d in docs] == RESULT_FILES
    shorts = [summary.machine(d)["short"] for d in docs]
    cpus = [summary.machine(d)["cpu"] for d in docs]
    assert len(set(shorts)) == len(set(cpus)) == len(docs)
    for doc, short, cpu in zip(docs, shorts, cpus, strict=True):
        envs = [e["environment"] for e in doc["results"].values()]
        recorded = [env for env in envs if "cpu_isa" in env]
        assert recorded, doc["file"]
        for env in recorded:
            # The label says what the CPU flags say: AVX2 only or not, AMX or not.
            isa = env["cpu_isa"]
            assert ("avx512f" not in isa) == ("AVX2" in short) == ("AVX2 only" in cpu)
            assert ("amx_bf16" in isa) == ("AMX" in short)
            assert env["cpu"].split("(")[0].split()[0] in cpu  # AMD / Intel


def test_summary_table_is_each_machines_separate_process_row(monkeypatch):
    summary = _summary(monkeypatch)
    docs = summary.load()
    rows = summary.fit_ratio_rows(docs)
    for doc in docs:
        short = summary.machine(doc)["short"]
        for setup, cells in rows.items():
            e = doc["results"][f"full/{setup}+separate"]
            assert cells[short]["fit_ratio"] == e["fit_ratio"]
            assert e["sk_lenet"]["fit_s"] / e["peer"]["fit_s"] == e["fit_ratio"]
    rst = summary.benchmarks_summary_rst(docs)
    assert rst.count("   * - ") == 1 + len(summary.TUTORIALS)
    assert rst.count("\n     - ") == len(docs) * (1 + len(summary.TUTORIALS))
    low, high = summary.fit_ratio_range(docs)
    assert f"{low:.2f}x" in rst and f"{high:.2f}x" in rst


def test_airbench_peer_builds_the_estimators_network(monkeypatch):
    """The plain-Keras peer of AirbenchClassifier: the same weights to train,
    the same whitening, and a test accuracy from its flip-averaged
    probabilities."""
    import numpy as np

    from sk_lenet import AirbenchClassifier, _whitening

    monkeypatch.syspath_prepend(str(BENCH.parent))
    import _airbench_peer

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (48, 32, 32, 3), dtype=np.uint8)
    y = np.arange(48) % 3
    widths = (4, 8, 8)
    run = _airbench_peer.train(
        X[:32], y[:32], X[32:], y[32:], epochs=1, seed=0, widths=widths, batch_size=16
    )
    assert set(run) == {"model", "fit_s", "accuracy", "history"}
    assert 0 <= run["accuracy"] <= 1 and run["fit_s"] > 0
    assert len(run["history"]["loss"]) == 1
    clf = AirbenchClassifier(widths=widths).initialize(X[:32], y[:32])
    # the same layers, less the estimator's input and pixel scaling (the
    # peer's Sequential has no InputLayer and divides by 255 in NumPy)
    kinds = [
        type(layer).__name__
        for layer in clf.model_.layers[1:]
        if layer.name != "pixel_scale"
    ]
    assert [
        type(layer).__name__.replace("FastBias", "ScaledBias")
        for layer in run["model"].layers
    ] == kinds

    def count(weights):
        return sum(int(np.prod(w.shape)) for w in weights)

    peer = run["model"]
    assert count(peer.trainable_weights) == count(clf.model_.trainable_weights)
    assert count(peer.weights) == count(clf.model_.weights)
    images = _airbench_peer.as_images(X[:32])
    for a, b in zip(
        _airbench_peer.whitening_weights(images),
        _whitening.whitening_weights(images),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------
# bench_beyond.py: the recipes against the same recipes in plain Keras
# ----------------------------------------------------------------------
BEYOND = BENCH.parent / "bench_beyond.py"


def _beyond(*args, returncode=0):
    """``bench_beyond.py --quick --digits *args`` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, str(BEYOND), "--quick", "--digits", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == returncode, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc


def test_beyond_quick_run_trains_both_sides_and_records_them(tmp_path):
    out = tmp_path / "beyond.json"
    _beyond("--recipes", "mnist-fast", "--seeds", "0", "--out", str(out))
    doc = json.loads(out.read_text())
    assert list(doc["results"]) == ["quick/mnist-fast"]
    assert "no checkpoint" in doc["no_test_set_choice"]
    assert "bfloat16" in doc["bfloat16"]
    e = doc["results"]["quick/mnist-fast"]
    assert e["complete"] and e["peer_kind"] == "keras"
    assert e["estimator"] == "LeNet5Classifier" and e["epochs"] == 1
    assert e["n_test"] == 450  # the digits' test split
    for side in ("sk_lenet", "peer"):
        (run,) = e[f"{side}_runs"]
        assert run["seed"] == 0 and 0.0 < run["fit_s"] < 120, side
        # One epoch of Adam on the digits: well above chance (0.1).
        assert run["accuracy"] > 0.3, (side, run["accuracy"])
        assert e[side]["accuracy"] == run["accuracy"]
        # The per-epoch scorer of the time-to clock sees what predict sees.
        (epoch,) = run["curve"]
        assert epoch["epoch"] == 1 and 0 < epoch["fit_s"] <= run["fit_s"] + 0.01
        assert abs(epoch["test_acc"] - run["accuracy"]) <= 2 / 450, side
        assert run["matmul_gflops_before"] > 0 and len(run["load_after"]) == 3
    assert e["fit_ratio"] == e["sk_lenet"]["fit_s"] / e["peer"]["fit_s"]
    assert e["targets"] == {"time_to": 0.99, "fit_s": 10}
    assert e["met"] == {"time_to": False}  # 1 epoch of 1347 digits: not 99%
    assert e["environment"]["versions"]["tensorflow"]
    md = out.with_suffix(".md").read_text()
    assert "| mnist-fast | LeNet5Classifier; digits" in md
    assert "Nothing here is chosen on the test set" in md


def test_beyond_reads_channel_planar_rows_as_images(monkeypatch):
    """OpenML's CIFAR_10 rows are channel-planar: reshaping them as
    channels-last rows scrambles every image (a CIFAR-10 network trained on
    those reached 79%)."""
    import argparse

    import numpy as np
    from sklearn.utils import Bunch

    import sk_lenet.datasets

    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bench_beyond

    images = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), np.uint8)
    planar = images.transpose(0, 3, 1, 2).reshape(6, -1)

    def fake(name, **kwargs):
        assert name == "cifar10"
        return Bunch(
            X_train=planar[:4], y_train=np.arange(4), X_test=planar[4:],
            y_test=np.arange(2), image_shape=(32, 32, 3),
            data_format="channels_first", split="canonical",
        )  # fmt: skip

    monkeypatch.setattr(sk_lenet.datasets, "load_train_test", fake)
    args = argparse.Namespace(digits=False, quick=False, data_home=None)
    Xtr, _, Xte, _, _ = bench_beyond.load_data("cifar10-airbench", args)
    np.testing.assert_array_equal(Xtr, images[:4])
    np.testing.assert_array_equal(Xte, images[4:])


def test_beyond_refuses_emulated_bfloat16(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bench_beyond

    if bench_beyond.native_bfloat16():
        pytest.skip("this CPU has native bfloat16: the option is allowed here")
    proc = _beyond(
        "--dtype-policy",
        "mixed_bfloat16",
        "--out",
        str(tmp_path / "b.json"),
        returncode=2,
    )
    assert "no native bfloat16" in proc.stderr
    assert not (tmp_path / "b.json").exists()


def test_every_airbench_recipe_gets_the_airbench_peer_or_a_clear_refusal(
    monkeypatch,
):
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bench_beyond

    from sk_lenet.recipes import RECIPES, Recipe

    names = [n for n, r in RECIPES.items() if r.estimator == "AirbenchClassifier"]
    assert len(names) >= 2
    assert {bench_beyond.peer_kind(n) for n in names} == {"airbench"}
    # A recipe the peer cannot train the same way is refused, not compared.
    odd = Recipe("AirbenchClassifier", {"depth": 3}, dataset="cifar10")
    monkeypatch.setitem(RECIPES, "odd-airbench", odd)
    with pytest.raises(SystemExit, match=r"sets \['depth'\]"):
        bench_beyond.peer_kind("odd-airbench")


def test_beyond_verdicts_and_medians(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bench_beyond

    def run(acc, fit_s, hit):
        time_to = None if hit is None else {"epoch": 3, "fit_s": hit, "test_acc": 0.99}
        return {"accuracy": acc, "fit_s": fit_s, "predict_s": 1.0, "time_to": time_to}

    e = {
        "targets": {"time_to": 0.99, "fit_s": 10},
        "time_to": 0.99,
        "sk_lenet_runs": [run(0.991, 9, 8.0), run(0.992, 10, 9.5), run(0.98, 11, None)],
        "peer_runs": [run(0.99, 12, 11.0), run(0.98, 12, None), run(0.98, 13, None)],
    }
    e = bench_beyond.summarise(e)
    assert e["sk_lenet"]["accuracy"] == 0.991
    # A seed that never got there counts as slower than every seed that did.
    assert e["sk_lenet"]["time_to_s"] == 9.5
    assert e["sk_lenet"]["time_to_reached"] == "2 of 3"
    assert e["peer"]["time_to_s"] is None  # two of three missed
    assert e["met"] == {"time_to": True}
    assert e["fit_ratio"] == 10 / 12
    e["targets"] = {"accuracy": 0.995, "fit_s": 300}
    assert bench_beyond.summarise(e)["met"] == {"accuracy": False, "fit_s": True}


def test_beyond_curves_list_each_scored_run_and_when_it_reached_the_target(
    monkeypatch,
):
    summary = _summary(monkeypatch)
    from sk_lenet.recipes import RECIPES

    curve = [
        {"epoch": 1, "fit_s": 300.0, "test_acc": 0.7171},
        {"epoch": 2, "fit_s": 600.4, "test_acc": 0.9111},
    ]
    entry = {
        "targets": {"accuracy": 0.9, "fit_s": 1800, "time_to": 0.94},
        "sk_lenet_runs": [{"seed": 0, "curve": curve}],
        "peer_runs": [{"seed": 0, "curve": curve[:1]}, {"seed": 1}],
    }
    doc = {"results": {"full/cifar10-airbench": entry}}
    lines = summary.beyond_curves_rst(doc, RECIPES).splitlines()
    assert lines == [
        "* ``cifar10-airbench``, sk_lenet, seed 0: 71.7, 91.1%; "
        "90.00% first reached after epoch 2, at 600 s",
        "* ``cifar10-airbench``, plain Keras, seed 0: 71.7%; 90.00% not reached",
    ]
    assert "No run" in summary.beyond_curves_rst({"results": {}}, RECIPES)


def test_beyond_table_lists_every_recipe_with_its_measured_medians(monkeypatch):
    summary = _summary(monkeypatch)
    from sk_lenet.recipes import RECIPES

    side = {"accuracy": 0.9912, "fit_s": 12.34, "time_to_s": 9.5}
    side["time_to_reached"] = "3 of 3"
    entry = {
        "targets": {"time_to": 0.99, "fit_s": 10},
        "time_to": 0.99,
        "met": {"time_to": True},
        "sk_lenet": side,
        "peer": {**side, "accuracy": 0.9899, "time_to_s": None},
        "sk_lenet_runs": [{}] * 3,
        "peer_runs": [{}] * 3,
        "peer_kind": "keras",
        "complete": True,
    }
    doc = {"results": {"full/mnist-fast": entry, "quick/mnist-best": entry}}
    rst = summary.beyond_table_rst(doc, RECIPES)
    assert rst.count("   * - ``") == len(RECIPES)
    assert "99.12% in 12 s; 99.00%: 9.5 s (3 of 3)" in rst
    assert "98.99% in 12 s; 99.00%: not reached (3 of 3)" in rst
    # Quick rows are smoke tests: never shown as a recipe's result.
    assert rst.count("not benchmarked yet") == len(RECIPES) - 1
