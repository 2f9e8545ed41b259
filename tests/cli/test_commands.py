"""sk_lenet.cli.commands and main: every subcommand on the bundled digits, offline.

Only the figure tests need matplotlib (they are in test_report.py); the rest
run with ``--no-plots``.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from sk_lenet.cli import data
from sk_lenet.datasets import DatasetNotAvailableError, load_digits
from sk_lenet.recipes import RECIPES
from tests.cli.conftest import run

N_FILES = 60  # digit images written as files for predict


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------


def test_train_prints_settings_report_and_progress(trained):
    _, out, err = trained
    assert "Training LeNetClassifier (lenet) on digits: 1347 training / 450" in out
    assert "Hyperparameters (sk-lenet's defaults for the small 8x8 digits" in out
    assert (
        "LeNetClassifier(optimizer='sgd', learning_rate=0.05, epochs=8, "
        "batch_size=32, random_state=0, momentum=0.9)"
    ) in out
    assert "precision" in out and "macro avg" in out
    # the documented accuracy of plain `sk-lenet train`
    assert float(out.split("Test accuracy: ")[1].split()[0]) >= 0.95
    # progress goes to stderr, one line per epoch, nothing else
    lines = err.strip().splitlines()
    assert [ln.split()[1] for ln in lines] == [f"{i}/8" for i in range(1, 9)]
    assert all(ln.startswith("epoch ") and "accuracy" in ln for ln in lines)


def test_train_saves_a_loadable_pipeline(trained):
    out_dir, out, _ = trained
    path = out_dir / "lenet_digits.pkl"
    assert f"Saved model: {path}" in out
    with open(path, "rb") as fh:
        model = pickle.load(fh)
    assert [name for name, _ in model.steps] == ["scale", "reshape", "clf"]
    assert model[-1].callbacks is None  # the progress logger is not saved
    X, y = load_digits(subset="test", return_X_y=True)
    assert model.score(X, y) >= 0.95
    assert sorted(p.name for p in out_dir.iterdir()) == ["lenet_digits.pkl"]


def test_train_options_reach_the_estimator(tmp_path, capsys, monkeypatch):
    import tensorflow as tf

    from sk_lenet import _policies

    # As on a CPU that would emulate bfloat16: the estimator's warning.
    monkeypatch.setattr(_policies, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])
    argv = ["train", "--model", "simplified-lenet", "--filters", "4"]
    argv += ["--set", "dense_units=16", "--optimizer", "rmsprop"]
    argv += ["--learning-rate", "0.002", "--batch-size", "64"]
    argv += ["--validation-fraction", "0.2", "--dtype-policy", "mixed_bfloat16"]
    argv += ["--test-size", "0.3", "--quick", "--quiet", "--no-plots"]
    code, out, err = run([*argv, "--output-dir", tmp_path], capsys)
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


def test_train_with_the_training_options(tmp_path, capsys):
    from sk_lenet import load_model

    argv = ["train", "--model", "lenet5", "--quick", "-q", "--no-plots"]
    for option in (
        "augment=digits",
        "lr_schedule=cosine",
        "label_smoothing=0.1",
        "batch_norm=True",
    ):
        argv += ["--set", option]
    code, out, err = run(
        [*argv, "--format", "sklenet", "--output-dir", tmp_path], capsys
    )
    assert code == 0, err
    assert "augment='digits'" in out and "lr_schedule='cosine'" in out
    clf = load_model(tmp_path / "lenet5_digits.sklenet")[-1]
    params = clf.get_params()
    assert params["augment"] == "digits" and params["lr_schedule"] == "cosine"
    assert params["label_smoothing"] == 0.1 and params["batch_norm"] is True
    kinds = {type(layer).__name__ for layer in clf.model_.layers}
    assert {"RandomRotation", "BatchNormalization"} <= kinds


def test_train_mlp_hidden_layer_sizes(tmp_path, capsys):
    argv = ["train", "--model", "mlp-cifar10", "--set", "hidden_layer_sizes=32,16"]
    code, out, err = run(
        [*argv, "--quick", "-q", "--no-plots", "--output-dir", tmp_path], capsys
    )
    assert code == 0, err
    assert "hidden_layer_sizes=(32, 16)" in out and "activation='relu'" in out


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
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("other.txt", "x")
    code, _, err = run(["evaluate", broken], capsys)
    assert code == 2 and "cannot load" in err and len(err.strip().splitlines()) == 1


def test_train_a_recipe_quick_on_digits(tmp_path, capsys):
    from sk_lenet import load_model

    name = next(n for n, r in RECIPES.items() if r.dataset == "mnist")
    argv = ["train", "--recipe", name, "--dataset", "digits", "--quick"]
    code, out, err = run(
        [*argv, "--no-plots", "--format", "sklenet", "--output-dir", tmp_path], capsys
    )
    assert code == 0, err
    recipe = RECIPES[name]
    assert f"Training {recipe.estimator} (" in out
    assert f"Hyperparameters (recipe {name}: {recipe.summary}; override" in out
    assert "epochs=1," in out and "Test accuracy:" in out
    assert err.strip().startswith("epoch 1/1  loss ")  # the progress line
    path = tmp_path / f"{name}_digits.sklenet"
    assert f"Saved model: {path}" in out
    params = load_model(path)[-1].get_params()
    assert params["epochs"] == 1
    assert all(params[k] == v for k, v in recipe.params.items() if k != "epochs")


# ---------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------


def test_evaluate(trained, capsys):
    model = trained[0] / "lenet_digits.pkl"
    code, out, err = run(["evaluate", model, "--no-plots"], capsys)
    assert code == 0, err
    assert "on digits (test subset, 450 images)" in out
    assert "Test accuracy:" in out and "macro avg" in out
    rows = out.split("Confusion matrix")[1].strip().splitlines()[2:12]
    counts = np.array([list(map(int, r.split()[1:])) for r in rows])
    assert counts.shape == (10, 10) and counts.sum() == 450
    assert np.trace(counts) / 450 >= 0.95  # rows are true classes, in order
    assert sorted(p.name for p in trained[0].iterdir()) == ["lenet_digits.pkl"]


@pytest.mark.parametrize(("subset", "n"), [("test", 300), ("train", 300), ("all", 300)])
def test_evaluate_quick_is_a_fixed_stratified_sample(trained, capsys, subset, n):
    model = trained[0] / "lenet_digits.pkl"
    argv = ["evaluate", model, "--quick", "--no-plots", "--subset", subset]
    code, out, _ = run(argv, capsys)
    assert code == 0 and f"({subset} subset, {n} images)" in out
    _, y = data.load_subset("digits", subset, quick=True)
    assert np.bincount(y).min() >= n // 10 - 2  # every class, about equally


# ---------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------


def test_predict_dataset_indices(trained, capsys):
    model = trained[0] / "lenet_digits.pkl"
    code, out, err = run(["predict", model, "--index", 0, 5, -1, "--top", 2], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [ln.split()[0] for ln in lines] == [
        "digits[test][0]",
        "digits[test][5]",
        "digits[test][-1]",
    ]
    _, y = load_digits(subset="test", return_X_y=True)
    for line, i in zip(lines, (0, 5, -1), strict=True):
        assert f"true={y[i]}" in line and "p=" in line and "next:" in line
        assert ("WRONG" in line) == (line.split()[1] != str(y[i]))


def _write_digits(folder, *, scale=1, invert=False, mode="L", suffix="png"):
    """The first N_FILES test digits as image files: (paths, true labels)."""
    Image = pytest.importorskip("PIL.Image")
    X, y = load_digits(subset="test", as_images=True, return_X_y=True)
    paths = []
    for i in range(N_FILES):
        img = X[i, :, :, 0]
        if invert:
            img = 255 - img  # dark ink on white paper
        pil = Image.fromarray(img)
        if scale != 1:
            pil = pil.resize((8 * scale, 8 * scale), Image.NEAREST)
        path = folder / f"{i:02d}.{suffix}"
        pil.convert(mode).save(path)
        paths.append(path)
    return paths, y[:N_FILES]


def _predicted(out, paths):
    lines = out.strip().splitlines()
    assert [ln.split()[0] for ln in lines] == [str(p) for p in paths]
    return np.array([int(ln.split()[1]) for ln in lines])


@pytest.mark.parametrize(
    "kind",
    [{}, {"scale": 4}, {"scale": 12, "mode": "RGB", "suffix": "jpg"}, {"mode": "LA"}],
    ids=["8x8 png", "32x32 png", "96x96 rgb jpeg", "grey+alpha png"],
)
def test_predict_image_files_reads_the_digits(trained, tmp_path, capsys, kind):
    model = trained[0] / "lenet_digits.pkl"
    paths, truth = _write_digits(tmp_path, **kind)
    code, out, err = run(["predict", model, *paths], capsys)
    assert code == 0, err
    right = np.mean(_predicted(out, paths) == truth)
    assert right >= 0.85, right  # the model scores about 0.97 on the dataset


def test_predict_reads_dark_ink_on_white_with_no_flag(trained, tmp_path, capsys):
    model = trained[0] / "lenet_digits.pkl"
    paths, truth = _write_digits(tmp_path, invert=True, scale=4)
    code, out, err = run(["predict", model, *paths], capsys)
    assert code == 0, err
    assert np.mean(_predicted(out, paths) == truth) >= 0.85
    # --invert forces that polarity, and may come before the images (issue 28:
    # "MODEL --invert IMAGE..." failed with "unrecognized arguments")
    code, forced, err = run(["predict", model, "--invert", *paths], capsys)
    assert code == 0, err
    np.testing.assert_array_equal(_predicted(forced, paths), _predicted(out, paths))
    code, _, err = run(["predict", "--top", 2, model, paths[0], "--invert"], capsys)
    assert code == 0, err


def test_predict_reads_a_photo_of_a_digit_on_paper(trained, tmp_path, capsys):
    from tests.test_images import photo

    Image = pytest.importorskip("PIL.Image")
    model = trained[0] / "lenet_digits.pkl"
    X, y = load_digits(subset="test", as_images=True, return_X_y=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(20):
        paths.append(tmp_path / f"photo{i:02d}.jpg")
        Image.fromarray(photo(X[i, :, :, 0], rng)).save(paths[-1], quality=85)
    code, out, err = run(["predict", model, *paths], capsys)
    assert code == 0, err
    assert np.mean(_predicted(out, paths) == y[:20]) >= 0.8


@pytest.mark.real_data
def test_predict_reads_real_mnist_digits_saved_as_ink_on_paper(
    real_mnist_home, tmp_path, capsys
):
    """Issue 28: real MNIST test digits saved as dark ink on white were all
    read as "8"; now as well as MNIST's own white-on-black, with no flag."""
    from sklearn.pipeline import make_pipeline

    from sk_lenet import FeedForwardClassifier, ImageReshaper, PixelScaler
    from sk_lenet.datasets import load_dataset
    from sk_lenet.persistence import write_model_file

    Image = pytest.importorskip("PIL.Image")
    X, y = load_dataset("mnist", data_home=real_mnist_home, return_X_y=True)
    model = make_pipeline(
        PixelScaler(max_value=255),
        ImageReshaper((28, 28, 1)),  # as sk-lenet train's pipelines
        FeedForwardClassifier(
            activation="relu",
            optimizer="adam",
            learning_rate=1e-3,
            epochs=3,
            random_state=0,
        ),
    ).fit(X[:6000], y[:6000])
    X_test, y_test = X[-100:], y[-100:]  # from MNIST's test set
    right_on_rows = np.mean(model.predict(X_test) == y_test)
    model_path = write_model_file(model, tmp_path / "mlp_mnist.pkl")
    paths = []
    for i, row in enumerate(X_test):
        paths.append(tmp_path / f"{i:03d}.png")
        Image.fromarray(255 - row.reshape(28, 28)).save(paths[-1])
    code, out, err = run(["predict", model_path, *paths], capsys)
    assert code == 0, err
    predicted = _predicted(out, paths)
    assert np.mean(predicted == y_test) >= right_on_rows - 0.03, right_on_rows
    assert np.mean(predicted == 8) < 0.3


# ---------------------------------------------------------------------------
# grid-search
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_grid_search(tmp_path, capsys):
    argv = ["grid-search", "--quick", "-q", "--no-plots", "--cv", 2]
    argv += ["--param", "filters=2,4:4,8", "--set", "dense_units=32"]
    code, out, err = run([*argv, "--output-dir", tmp_path], capsys)
    assert code == 0, err
    assert "2 candidates x 2 folds" in out and "dense_units=32" in out
    table = out.split("rank  mean test score")[1].splitlines()[1:3]
    ranks = [int(ln.split()[0]) for ln in table]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert {"filters=(2, 4)", "filters=(4, 8)"} == {
        ln.split("  ")[-1].strip() for ln in table
    }
    assert "Best parameters:" in out and "Test accuracy:" in out
    path = tmp_path / "lenet_digits_grid_search_best.pkl"
    assert f"Saved best model: {path}" in out
    with open(path, "rb") as fh:
        best = pickle.load(fh)
    assert best[-1].filters in ((2, 4), (4, 8)) and best[-1].dense_units == 32


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
    "filters on mlp": (["train", "--model", "mlp", "--filters", "4"], "'filters'"),
    "unknown --set": (["train", "--set", "colour=red"], "valid: activation, "),
    "test size": (["train", "--test-size", "1.5"], "--test-size"),
    "model missing": (["evaluate", "nope.pkl"], "model file not found"),
    "grid without param": (["grid-search"], "--param"),
    "grid bad param": (["grid-search", "--param", "colour=1,2"], "unknown parameter"),
    "grid bad value": (["grid-search", "--param", "filters"], "NAME=V1"),
    "grid cv": (["grid-search", "--param", "epochs=1", "--cv", "1"], "--cv"),
    "grid candidate fails": (
        # each value is valid alone; together they fail when fit starts
        [
            *("grid-search", "--quick", "--param", "early_stopping=True"),
            *("--set", "validation_fraction=0", "--cv", "2"),
        ],
        "a grid candidate failed to fit",
    ),
    "mnist offline": (["train", "--dataset", "mnist", "--quick"], "not available"),
    "recipe of another model": (
        ["train", "--recipe", next(iter(RECIPES)), "--model", "mlp"],
        f"--recipe {next(iter(RECIPES))} trains a ",
    ),
    "unknown recipe": (["grid-search", "--recipe", "magic"], "invalid choice"),
    "tta on grey digits": (["train", "--set", "tta=True"], "tta=True averages"),
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
    pytest.importorskip("PIL")
    for case, (argv, expected) in _bad_model_cases(trained, tmp_path).items():
        code, _out, err = run(argv, capsys)
        assert code == 2, case
        assert len(err.strip().splitlines()) == 1, (case, err)
        assert "Traceback" not in err, case
        assert expected in err, (case, err)


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


def test_output_into_a_closed_pipe_exits_quietly(trained):
    """``sk-lenet predict ... | head -1``: no traceback when the reader stops."""
    model = trained[0] / "lenet_digits.pkl"
    argv = [sys.executable, "-m", "sk_lenet", "predict", str(model), "--index"]
    proc = subprocess.Popen(
        [*argv, *map(str, range(450))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    proc.stdout.close()  # the reader has gone before the first line
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 141 and err == b""


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
