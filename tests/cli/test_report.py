"""sk_lenet.cli.report: tables, and the figures train and evaluate save."""

from __future__ import annotations

import numpy as np
import pytest

from sk_lenet import cli
from sk_lenet.cli import report
from tests.cli.conftest import run


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


def test_one_line():
    assert report.one_line(ValueError("a\n  b")) == "a b"
    assert report.one_line(KeyError()) == "KeyError"


class _Fixed:
    """A fitted 'classifier' that predicts given labels."""

    classes_ = np.array([0, 1, 2])

    def __init__(self, pred):
        self._pred = np.asarray(pred)

    def predict(self, X):
        return self._pred


def test_confusion_text_rows_are_true_classes(capsys):
    y = np.array([0, 0, 1, 2, 2, 2])
    report.confusion_text(_Fixed([0, 1, 1, 2, 2, 0]), None, y, ("a", "b", "c"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["a", "b", "c"]
    assert [ln.split() for ln in lines[2:5]] == [
        ["a", "1", "1", "0"],
        ["b", "0", "1", "0"],
        ["c", "1", "0", "2"],
    ]


def test_classification_report_names_the_classes(capsys):
    y = np.array([0, 1, 2, 2])
    acc = report.classification(_Fixed([0, 1, 2, 0]), None, y, ("a", "b", "c"))
    out = capsys.readouterr().out
    assert acc == 0.75 and out.startswith("Test accuracy: 0.7500 (3/4)")
    assert [ln.split()[0] for ln in out.splitlines()[4:7]] == ["a", "b", "c"]


# ---------------------------------------------------------------------------
# figures: the only tests that need matplotlib
# ---------------------------------------------------------------------------


def _png_ok(path) -> None:
    assert path.is_file(), path
    assert path.stat().st_size > 5000, path  # a real figure, not an empty canvas
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (
        int.from_bytes(head[16:20], "big"),
        int.from_bytes(head[20:24], "big"),
    )
    assert min(width, height) > 200


def test_train_and_evaluate_write_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    argv = ["train", "--quick", "-q", "--output-dir", tmp_path]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    for kind in ("learning_curves", "confusion_matrix", "predictions"):
        path = tmp_path / f"lenet_digits_{kind}.png"
        assert f"Saved figure: {path}" in out
        _png_ok(path)
    figures = tmp_path / "figures"
    model = tmp_path / "lenet_digits.pkl"
    code, out, err = run(["evaluate", model, "--output-dir", figures], capsys)
    assert code == 0, err
    _png_ok(figures / "lenet_digits_digits_test_confusion_matrix.png")
    assert [p.name for p in figures.iterdir()] == [
        "lenet_digits_digits_test_confusion_matrix.png"
    ]


def test_a_recipe_run_writes_the_figures_under_its_name(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from sk_lenet.recipes import RECIPES

    name = next(n for n, r in RECIPES.items() if r.dataset == "mnist")
    argv = ["train", "--recipe", name, "--dataset", "digits", "--quick", "-q"]
    code, out, err = run([*argv, "--output-dir", tmp_path], capsys)
    assert code == 0, err
    for kind in ("learning_curves", "confusion_matrix", "predictions"):
        path = tmp_path / f"{name}_digits_{kind}.png"
        assert f"Saved figure: {path}" in out
        _png_ok(path)


def test_figures_without_matplotlib_are_skipped_with_a_note(
    tmp_path, capsys, monkeypatch
):
    from sk_lenet import plotting

    def missing():
        raise ImportError("sk_lenet.plotting needs matplotlib")

    monkeypatch.setattr(plotting, "_matplotlib", missing)
    report.figures(str(tmp_path), ("confusion_matrix",), None, None, None, None, "s")
    captured = capsys.readouterr()
    assert (
        captured.err
        == "sk-lenet: figures skipped: sk_lenet.plotting needs matplotlib\n"
    )
    assert captured.out == "" and not list(tmp_path.iterdir())
