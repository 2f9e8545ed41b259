"""The ``sk-lenet`` command: every subcommand on the bundled digits, offline."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from sk_lenet import cli
from sk_lenet.datasets import DatasetNotAvailableError, load_digits

pytest.importorskip("matplotlib")

# Keras' own saving code (run when a model is pickled) trips NumPy 2's
# __array__ copy-keyword deprecation; nothing sk_lenet can change.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def run(argv, capsys):
    """``main(argv)`` -> (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A quick LeNet trained through the CLI: (output dir, stdout, stderr)."""
    out_dir = tmp_path_factory.mktemp("train")
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["train", "--quick", "--output-dir", str(out_dir)])
    assert code == 0, err.getvalue()
    return out_dir, out.getvalue(), err.getvalue()


def _png_ok(path) -> None:
    assert os.path.isfile(path), path
    assert os.path.getsize(path) > 5000, path  # a real figure, not an empty canvas
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (
        int.from_bytes(head[16:20], "big"),
        int.from_bytes(head[20:24], "big"),
    )
    assert min(width, height) > 200


def _pil_image():
    return pytest.importorskip("PIL.Image")


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------


def test_train_quick_prints_report_and_settings(trained):
    _, out, err = trained
    assert "Training LeNetClassifier (lenet) on digits" in out
    assert "Hyperparameters (sk-lenet's defaults for the small 8x8 digits" in out
    assert "epochs=1" in out and "learning_rate=0.05" in out
    assert "Test accuracy:" in out
    assert "precision" in out and "macro avg" in out
    # progress goes to stderr, one line per epoch, nothing else
    assert err.strip().splitlines()[0].startswith("epoch 1/1")
    assert "accuracy" in err and "Traceback" not in err


def test_train_saves_a_loadable_pipeline(trained):
    out_dir, out, _ = trained
    path = out_dir / "lenet_digits.pkl"
    assert f"Saved model: {path}" in out
    with open(path, "rb") as fh:
        model = pickle.load(fh)
    assert [name for name, _ in model.steps] == ["scale", "reshape", "clf"]
    assert model[-1].callbacks is None  # the progress logger is not saved
    X, y = load_digits(subset="test", return_X_y=True)
    assert model.predict(X[:5]).shape == (5,)
    assert model.score(X, y) > 0.2  # one epoch on 1000 images (chance: 0.1)
    assert not [p for p in os.listdir(out_dir) if p.startswith(".tmp-")]


def test_train_writes_figures(trained):
    out_dir, out, _ = trained
    for kind in ("learning_curves", "confusion_matrix", "predictions"):
        path = out_dir / f"lenet_digits_{kind}.png"
        assert f"Saved figure: {path}" in out
        _png_ok(path)


@pytest.mark.slow
def test_train_default_is_accurate_and_fast(tmp_path, capsys):
    """``sk-lenet train`` with no options: the documented ≥ 0.95 on digits."""
    code, out, _ = run(["train", "--output-dir", tmp_path, "--no-plots", "-q"], capsys)
    assert code == 0
    acc = float(out.split("Test accuracy: ")[1].split()[0])
    assert acc >= 0.95
    assert not list(tmp_path.glob("*.png"))


def test_train_options_reach_the_estimator(tmp_path, capsys, monkeypatch):
    import tensorflow as tf

    from sk_lenet import _policies

    # As on a CPU that would emulate bfloat16: the estimator's warning.
    monkeypatch.setattr(_policies, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])
    code, out, err = run(
        [
            "train",
            "--model",
            "simplified-lenet",
            "--filters",
            "4",
            "--dense-units",
            "16",
            "--optimizer",
            "rmsprop",
            "--learning-rate",
            "0.002",
            "--batch-size",
            "64",
            "--validation-fraction",
            "0.2",
            "--dtype-policy",
            "mixed_bfloat16",
            "--test-size",
            "0.3",
            "--quick",
            "--quiet",
            "--no-plots",
            "--output-dir",
            tmp_path,
        ],
        capsys,
    )
    assert code == 0, err
    # --quiet: nothing on stderr but the warning, on one line.
    assert err.startswith("sk-lenet: warning: dtype_policy='mixed_bfloat16' on a")
    assert err.count("\n") == 1 and "Use dtype_policy='float32'" in err
    assert "a stratified 0.3 test split" in out
    with open(tmp_path / "simplified-lenet_digits.pkl", "rb") as fh:
        clf = pickle.load(fh)[-1]
    params = clf.get_params()
    assert params["filters"] == 4 and params["dense_units"] == 16
    assert params["optimizer"] == "rmsprop" and params["learning_rate"] == 0.002
    assert params["batch_size"] == 64 and params["epochs"] == 1
    assert params["dtype_policy"] == "mixed_bfloat16"
    assert "val_accuracy" in clf.history_


def test_train_mlp_hidden_layer_sizes(tmp_path, capsys):
    code, out, err = run(
        [
            "train",
            "--model",
            "mlp-cifar10",
            "--hidden-layer-sizes",
            "32,16",
            "--quick",
            "-q",
            "--no-plots",
            "--output-dir",
            tmp_path,
        ],
        capsys,
    )
    assert code == 0, err
    assert "hidden_layer_sizes=(32, 16)" in out and "activation='relu'" in out


def test_model_presets_cover_every_architecture():
    import sk_lenet

    names = {spec.cls_name for spec in cli.MODELS.values()}
    assert names == {
        "LeNetClassifier",
        "LeNet5Classifier",
        "SimplifiedLeNetClassifier",
        "DropoutCNNClassifier",
        "FeedForwardClassifier",
    }
    for spec in cli.MODELS.values():  # every preset is a valid parameter set
        getattr(sk_lenet, spec.cls_name)(**{**spec.preset, **spec.digits})


# ---------------------------------------------------------------------------
# evaluate / predict
# ---------------------------------------------------------------------------


def test_evaluate(trained, tmp_path, capsys):
    out_dir, _, _ = trained
    model = out_dir / "lenet_digits.pkl"
    code, out, err = run(["evaluate", model, "--output-dir", tmp_path], capsys)
    assert code == 0, err
    assert "on digits (test subset, 450 images)" in out
    assert "Test accuracy:" in out and "macro avg" in out
    assert "Confusion matrix (rows: true class" in out
    rows = out.split("Confusion matrix")[1].strip().splitlines()[2:12]
    counts = np.array([list(map(int, r.split()[1:])) for r in rows])
    assert counts.shape == (10, 10) and counts.sum() == 450
    _png_ok(tmp_path / "lenet_digits_digits_test_confusion_matrix.png")


def test_predict_dataset_indices(trained, capsys):
    model = trained[0] / "lenet_digits.pkl"
    code, out, err = run(["predict", model, "--index", 0, 5, -1, "--top", 2], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("digits[test][0]")
    assert all("p=" in ln and "true=" in ln and "next:" in ln for ln in lines)


def _digit_file(path, index=0, *, black_on_white=False, mode="L", size=64):
    Image = _pil_image()
    X, y = load_digits(subset="test", as_images=True, return_X_y=True)
    img = X[index, :, :, 0]
    if black_on_white:
        img = 255 - img
    pil = Image.fromarray(img).resize((size, size), Image.NEAREST).convert(mode)
    pil.save(path)
    return int(y[index])


def test_predict_image_files(trained, tmp_path, capsys):
    model = trained[0] / "lenet_digits.pkl"
    files = [
        tmp_path / "a.png",
        tmp_path / "b.jpg",
        tmp_path / "c.png",
    ]
    _digit_file(files[0], 0)
    _digit_file(files[1], 1, mode="RGB", size=100)  # colour JPEG -> grey
    _digit_file(files[2], 2, mode="RGBA", size=20)
    code, out, err = run(["predict", model, *files], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 3
    for line, f in zip(lines, files, strict=True):
        assert line.startswith(str(f))
        assert "p=" in line


def test_predict_image_matches_dataset_prediction(tmp_path):
    """An image file saved from a dataset sample predicts like the sample."""
    from sklearn.pipeline import make_pipeline

    import sk_lenet
    from sk_lenet._images import load_image_files

    Image = _pil_image()
    X, _y = load_digits(subset="test", as_images=True, return_X_y=True)
    path = tmp_path / "d.png"
    Image.fromarray(X[3, :, :, 0]).save(path)  # exactly 8x8: no resampling
    loaded = load_image_files([path], (8, 8, 1))
    np.testing.assert_array_equal(loaded[0], X[3])
    inverted = load_image_files([path], (8, 8, 1), invert=True)
    np.testing.assert_array_equal(inverted[0], 255 - X[3])
    rgb = load_image_files([path], (16, 12, 3))
    assert rgb.shape == (1, 16, 12, 3) and rgb.dtype == np.uint8
    # rows for a channels-first pipeline are planar
    pipe = make_pipeline(sk_lenet.ImageReshaper((2, 2, 3), "channels_first"))
    pipe.fit(np.zeros((1, 12)))
    images = np.arange(12).reshape(1, 2, 2, 3)
    rows = cli._images_to_rows(_with_clf(pipe), images)
    np.testing.assert_array_equal(pipe[0].transform(rows), images)


def _with_clf(pipe):
    from sklearn.pipeline import Pipeline

    return Pipeline([*pipe.steps, ("clf", "passthrough")])


def test_predict_inverted_black_on_white(trained, tmp_path, capsys):
    model = trained[0] / "lenet_digits.pkl"
    path = tmp_path / "ink.png"
    _digit_file(path, 0, black_on_white=True)
    code, out, _ = run(["predict", model, path, "--invert"], capsys)
    assert code == 0 and out.startswith(str(path))


# ---------------------------------------------------------------------------
# grid-search
# ---------------------------------------------------------------------------


def test_parse_param():
    assert cli.parse_param("filters=4,8:8,16") == ("filters", [(4, 8), (8, 16)])
    assert cli.parse_param("filters=(4,8),(8,16)") == ("filters", [(4, 8), (8, 16)])
    assert cli.parse_param("learning-rate=0.01,0.1") == ("learning_rate", [0.01, 0.1])
    assert cli.parse_param("epochs=1,2") == ("epochs", [1, 2])
    assert cli.parse_param("early_stopping=True,False") == (
        "early_stopping",
        [True, False],
    )
    assert cli.parse_param("optimizer=sgd, adam") == ("optimizer", ["sgd", "adam"])
    assert cli.parse_param("filters=4,8:") == ("filters", [(4, 8)])
    assert cli.parse_param("validation_fraction=None,0.1") == (
        "validation_fraction",
        [None, 0.1],
    )
    for bad in ("filters", "=1,2", "filters=", "filters=(1,"):
        with pytest.raises(ValueError, match="param"):
            cli.parse_param(bad)


def test_format_cv_results_ranks_best_first():
    res = {
        "rank_test_score": np.array([3, 1, 2]),
        "mean_test_score": np.array([0.1, 0.9, 0.5]),
        "std_test_score": np.array([0.0, 0.01, 0.02]),
        "mean_fit_time": np.array([1.0, 2.0, 3.0]),
        "params": [{"clf__epochs": e} for e in (1, 2, 3)],
    }
    lines = cli.format_cv_results(res).splitlines()
    assert lines[0].split()[:2] == ["rank", "mean"]
    assert [ln.split()[0] for ln in lines[1:]] == ["1", "2", "3"]
    assert "0.9000 ± 0.0100" in lines[1] and "epochs=2" in lines[1]


@pytest.mark.slow
def test_grid_search(tmp_path, capsys):
    code, out, err = run(
        [
            "grid-search",
            "--quick",
            "-q",
            "--param",
            "filters=2,4:4,8",
            "--cv",
            2,
            "--output-dir",
            tmp_path,
        ],
        capsys,
    )
    assert code == 0, err
    assert "2 candidates x 2 folds" in out
    table = out.split("rank  mean test score")[1].splitlines()[1:3]
    ranks = [int(ln.split()[0]) for ln in table]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert {"filters=(2, 4)", "filters=(4, 8)"} == {
        ln.split("  ")[-1].strip() for ln in table
    }
    assert "Best parameters:" in out and "Test accuracy:" in out
    path = tmp_path / "lenet_digits_grid_search_best.pkl"
    with open(path, "rb") as fh:
        best = pickle.load(fh)
    assert best[-1].filters in ((2, 4), (4, 8))
    _png_ok(tmp_path / "lenet_digits_grid_search_learning_curves.png")


# ---------------------------------------------------------------------------
# bad usage: exit 2, one line, no traceback
# ---------------------------------------------------------------------------


@pytest.fixture
def no_mnist(monkeypatch):
    """MNIST unavailable, without touching the network or the real cache."""
    import sk_lenet.datasets as ds

    def unavailable(**kwargs):
        raise DatasetNotAvailableError(
            "Dataset 'mnist' is not available: it is not cached in data_home\n"
            "and it could not be downloaded."
        )

    monkeypatch.setattr(ds, "fetch_mnist", unavailable)


BAD_USAGE = {
    "unknown model": (["train", "--model", "alexnet"], "invalid choice"),
    "unknown dataset": (["train", "--dataset", "imagenet"], "invalid choice"),
    "no command": ([], "required"),
    "filters on mlp": (["train", "--model", "mlp", "--filters", "4"], "--filters"),
    "filters count": (["train", "--filters", "4"], "takes 2 number"),
    "filters not int": (["train", "--filters", "a,b"], "positive integers"),
    "hidden on cnn": (["train", "--hidden-layer-sizes", "8"], "mlp models only"),
    "test size": (["train", "--test-size", "1.5"], "--test-size"),
    "bad optimizer": (
        ["train", "--optimizer", "nope", "--quick", "--no-plots"],
        "Unknown optimizer",
    ),
    "model missing": (["evaluate", "nope.pkl"], "model file not found"),
    "grid without param": (["grid-search"], "--param"),
    "grid bad param": (["grid-search", "--param", "colour=1,2"], "unknown parameter"),
    "grid bad value": (["grid-search", "--param", "filters"], "NAME=V1"),
    "grid cv": (["grid-search", "--param", "epochs=1", "--cv", "1"], "--cv"),
    "grid candidate fails": (
        ["grid-search", "--quick", "--param", "activation=nonsense", "--cv", "2"],
        "a grid candidate failed to fit",
    ),
    "mnist offline": (["train", "--dataset", "mnist", "--quick"], "not available"),
}


@pytest.mark.parametrize("case", list(BAD_USAGE))
def test_bad_usage_exits_2_with_one_line(case, tmp_path, capsys, no_mnist):
    argv, expected = BAD_USAGE[case]
    code, _out, err = run([*argv, "--output-dir", tmp_path] if argv else [], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert "error:" in err and expected in err
    assert not list(tmp_path.iterdir())


def _bad_model_cases(trained, tmp_path):
    model = trained[0] / "lenet_digits.pkl"
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    not_model = tmp_path / "list.pkl"
    not_model.write_bytes(pickle.dumps([1, 2]))
    text = tmp_path / "text.png"
    text.write_text("hello")
    return {
        "junk pickle": (["evaluate", junk], "cannot load"),
        "not a model": (["predict", not_model, "--index", "0"], "not a fitted"),
        "shape mismatch": (["evaluate", model, "--dataset", "mnist"], "8x8x1"),
        "shape mismatch predict": (
            ["predict", model, "--dataset", "cifar10", "--index", "0"],
            "use --dataset digits",
        ),
        "unreadable image": (["predict", model, text], "cannot read"),
        "missing image": (["predict", model, tmp_path / "none.png"], "not found"),
        "nothing to predict": (["predict", model], "nothing to predict"),
        "files and index": (["predict", model, text, "--index", "0"], "not both"),
        "index out of range": (["predict", model, "--index", "450"], "out of range"),
    }


def test_bad_model_and_image_inputs(trained, tmp_path, capsys):
    _pil_image()
    for case, (argv, expected) in _bad_model_cases(trained, tmp_path).items():
        code, _out, err = run(argv, capsys)
        assert code == 2, case
        assert len(err.strip().splitlines()) == 1, (case, err)
        assert "Traceback" not in err, case
        assert expected in err, (case, err)


def test_version_and_help(capsys):
    import sk_lenet

    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"sk-lenet {sk_lenet.__version__}"
    for sub in ("train", "evaluate", "predict", "grid-search"):
        code, out, _ = run([sub, "--help"], capsys)
        assert code == 0 and "usage: sk-lenet" in out


# ---------------------------------------------------------------------------
# the real command, in a subprocess
# ---------------------------------------------------------------------------


def _env():
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


@pytest.mark.slow
def test_python_m_sk_lenet_train_quick(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sk_lenet", "train", "--quick", "--no-plots"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Test accuracy:" in proc.stdout
    assert (tmp_path / "sk_lenet_output" / "lenet_digits.pkl").is_file()
    # quiet by default: stderr holds the epoch lines and nothing else
    noise = [ln for ln in proc.stderr.splitlines() if not ln.startswith("epoch ")]
    assert noise == []


def test_python_m_sk_lenet_bad_usage(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sk_lenet", "evaluate", "missing.pkl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "sk-lenet: error: model file not found: missing.pkl"
    assert proc.stdout == ""


def test_mlp_on_cifar10_is_the_cifar10_tutorial_network():
    args = cli.build_parser().parse_args(
        ["train", "--model", "mlp", "--dataset", "cifar10"]
    )
    params, origin = cli._estimator_params(args, cli.MODELS["mlp"], "cifar10")
    assert params["hidden_layer_sizes"] == (1024, 512)
    assert params["activation"] == "relu" and params["batch_size"] == 32
    assert "epochs" not in params  # the tutorial's 100, the estimator default
    assert origin == "the tutorial's defaults"
    pipe = cli._make_pipeline("mlp", params, "cifar10")
    assert pipe.named_steps["reshape"].data_format == "channels_first"
    assert pipe.named_steps["reshape"].image_shape == (32, 32, 3)


def test_grid_tuple_params_accept_single_numbers(tmp_path, capsys, monkeypatch):
    """``hidden_layer_sizes=16:32,16`` means (16,) and (32, 16)."""
    seen = {}

    class Search:
        def __init__(self, estimator, grid, **kwargs):
            seen.update(grid)
            raise ValueError("stop here")

    monkeypatch.setattr("sklearn.model_selection.GridSearchCV", Search)
    argv = ["grid-search", "--model", "mlp", "--param", "hidden_layer_sizes=16:32,16"]
    code, _, err = run([*argv, "--quick", "--output-dir", tmp_path], capsys)
    assert seen == {"clf__hidden_layer_sizes": [(16,), (32, 16)]}
    assert code == 2 and "stop here" in err


def test_train_sklenet_format_loads_without_pickle(tmp_path, capsys):
    from sk_lenet import load_model

    argv = ["train", "--model", "mlp", "--quick", "-q", "--no-plots"]
    code, out, err = run(
        [*argv, "--format", "sklenet", "--output-dir", tmp_path], capsys
    )
    assert code == 0, err
    path = tmp_path / "mlp_digits.sklenet"
    assert f"Saved model: {path}" in out
    model = load_model(path)
    X, _ = load_digits(subset="test", return_X_y=True)
    assert model.predict(X[:3]).shape == (3,)
    code, out, err = run(["evaluate", path, "--no-plots"], capsys)
    assert code == 0 and "Test accuracy:" in out, err
    code, out, err = run(["predict", path, "--index", 0], capsys)
    assert code == 0 and out.startswith("digits[test][0]"), err
    broken = tmp_path / "broken.sklenet"
    import zipfile

    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("other.txt", "x")
    code, _, err = run(["evaluate", broken], capsys)
    assert code == 2 and "cannot load" in err and len(err.strip().splitlines()) == 1
