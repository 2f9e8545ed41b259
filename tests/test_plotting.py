"""sk_lenet.plotting: the figures' content, not just that they exist."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

import sk_lenet
from sk_lenet.datasets import load_digits
from sk_lenet.plotting import (
    plot_confusion_matrix,
    plot_learning_curves,
    plot_predictions,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

RED = to_rgba("tab:red")


@pytest.fixture(scope="module")
def data():
    X_train, y_train = load_digits(subset="train", return_X_y=True)
    X_test, y_test = load_digits(subset="test", return_X_y=True)
    return X_train[:300], y_train[:300], X_test[:60], y_test[:60]


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _, _ = data
    clf = sk_lenet.LeNetClassifier(
        filters=(4, 8),
        dense_units=16,
        epochs=2,
        batch_size=32,
        validation_fraction=0.2,
        random_state=0,
    )
    return make_pipeline(sk_lenet.PixelScaler(), sk_lenet.ImageReshaper(), clf).fit(
        X, y
    )


def _png(path):
    from PIL import Image

    with Image.open(path) as img:
        assert img.format == "PNG" and min(img.size) > 100
        pixels = np.asarray(img.convert("L"))
    assert pixels.std() > 5  # something is drawn


# ---------------------------------------------------------------------------
# learning curves
# ---------------------------------------------------------------------------


def test_learning_curves_from_pipeline(fitted, tmp_path):
    path = tmp_path / "curves.png"
    fig = plot_learning_curves(fitted, path=path)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    assert fig._suptitle.get_text() == "LeNetClassifier history"
    history = fitted[-1].history_
    for ax, key in zip(fig.axes, ("loss", "accuracy"), strict=True):
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == key
        lines = {ln.get_label(): ln for ln in ax.get_lines()}
        assert set(lines) == {"train", "validation"}
        np.testing.assert_allclose(lines["train"].get_ydata(), history[key])
        np.testing.assert_allclose(
            lines["validation"].get_ydata(), history["val_" + key]
        )
        np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2])
    _png(path)


def test_learning_curves_from_history_dict_without_validation():
    history = {"loss": [2.0, 1.0, 0.5], "accuracy": [0.3, 0.6, 0.8]}
    fig = plot_learning_curves(history, title="mine")
    assert fig._suptitle.get_text() == "mine"
    for ax in fig.axes:
        assert [ln.get_label() for ln in ax.get_lines()] == ["train"]
        assert len(ax.get_lines()[0].get_ydata()) == 3


def test_learning_curves_errors():
    with pytest.raises(ValueError, match="fit it first"):
        plot_learning_curves(sk_lenet.LeNetClassifier())
    with pytest.raises(ValueError, match="empty"):
        plot_learning_curves({"loss": []})


# ---------------------------------------------------------------------------
# confusion matrix
# ---------------------------------------------------------------------------


def test_confusion_matrix(fitted, data, tmp_path):
    _, _, X, y = data
    names = [f"digit {i}" for i in range(10)]
    path = tmp_path / "cm.png"
    disp = plot_confusion_matrix(fitted, X, y, target_names=names, path=path)
    assert disp.confusion_matrix.shape == (10, 10)
    assert disp.confusion_matrix.sum() == len(y)
    assert np.trace(disp.confusion_matrix) == np.sum(fitted.predict(X) == y)
    ax = disp.ax_
    assert ax.get_title() == "Confusion matrix"
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert len(disp.figure_.axes) == 2  # the matrix and its colour bar
    _png(path)


def test_confusion_matrix_normalized(fitted, data):
    _, _, X, y = data
    disp = plot_confusion_matrix(fitted, X, y, normalize="true", title="t")
    np.testing.assert_allclose(disp.confusion_matrix.sum(axis=1), 1.0)
    assert disp.ax_.get_title() == "t"
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == list("0123456789")


# ---------------------------------------------------------------------------
# predictions
# ---------------------------------------------------------------------------


def test_predictions_grid(fitted, data, tmp_path):
    _, _, X, y = data
    path = tmp_path / "pred.png"
    fig = plot_predictions(fitted, X, y, n=12, path=path)
    assert len(fig.axes) == 12
    pred = fitted.predict(X[:12])
    wrong = 0
    for i, ax in enumerate(fig.axes):
        assert len(ax.images) == 1
        shown = ax.images[0].get_array()
        # upright, not transposed: the row-major 8x8 image, scaled to [0, 1]
        np.testing.assert_allclose(shown, X[i].reshape(8, 8) / 255.0, atol=1e-6)
        title = ax.get_title()
        assert title.startswith(f"{pred[i]} (") and f"true {y[i]}" in title
        is_red = to_rgba(ax.title.get_color()) == RED
        assert is_red == (pred[i] != y[i])
        wrong += is_red
    expected = f"Predictions: {12 - wrong}/12 right (mistakes in red)"
    assert fig._suptitle.get_text() == expected
    _png(path)


def test_predictions_without_truth_and_names(fitted, data):
    _, _, X, _ = data
    names = np.array(["zero", "one", "two", "three", "four"] + ["x"] * 5)
    fig = plot_predictions(fitted, X, n=3, target_names=names, ncols=3)
    assert len(fig.axes) == 3
    for ax, p in zip(fig.axes, fitted.predict(X[:3]), strict=True):
        assert ax.get_title().startswith(f"{names[p]} (")
        assert "true" not in ax.get_title()
    assert fig._suptitle is None


def test_predictions_single_image_and_4d_input(data):
    X, y, _, _ = data
    images = X.reshape(-1, 8, 8, 1)
    clf = sk_lenet.FeedForwardClassifier(
        hidden_layer_sizes=(8,), epochs=1, random_state=0
    ).fit(images, y)
    fig = plot_predictions(clf, images, y, n=1)
    assert len(fig.axes) == 1
    np.testing.assert_allclose(
        fig.axes[0].images[0].get_array(), images[0, :, :, 0] / 255
    )


def test_predictions_planar_colour_rows_show_true_colours():
    """OpenML CIFAR rows (channel-planar) display channels-last, right colours."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(20, 32, 32, 3), dtype=np.uint8)
    images[:, :, :, 0] = 250  # strongly red
    planar = images.transpose(0, 3, 1, 2).reshape(20, -1)
    y = np.arange(20) % 2
    model = make_pipeline(
        sk_lenet.PixelScaler(),
        sk_lenet.ImageReshaper(data_format="channels_first"),
        sk_lenet.FeedForwardClassifier(hidden_layer_sizes=(4,), epochs=1),
    ).fit(planar, y)
    fig = plot_predictions(model, planar, y, n=4)
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (32, 32, 3)
    np.testing.assert_allclose(shown, images[0] / 255.0, atol=1e-6)


def test_predictions_bad_n(fitted, data):
    with pytest.raises(ValueError, match="positive"):
        plot_predictions(fitted, data[2], n=0)


# ---------------------------------------------------------------------------
# matplotlib missing
# ---------------------------------------------------------------------------


def test_clear_error_without_matplotlib(monkeypatch, fitted):
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "sk-lenet\[plot\]"'):
        plot_learning_curves(fitted)


def test_no_pyplot_figures_leak(fitted):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_learning_curves(fitted)
    assert plt.get_fignums() == before
