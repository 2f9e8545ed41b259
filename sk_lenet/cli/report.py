"""What ``sk-lenet`` prints and draws.

Results (accuracy, classification report, confusion matrix, grid-search
table) go to standard output; progress and notices to standard error; usage
errors are :class:`CLIError`, printed as one ``sk-lenet: error:`` line.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from sk_lenet._pipeline import final_estimator

__all__ = ["CLIError", "format_cv_results"]


class CLIError(Exception):
    """Bad usage: printed as one ``sk-lenet: error:`` line, exit status 2."""


def out(*parts: Any) -> None:
    """Print a result line on standard output."""
    print(*parts, file=sys.stdout, flush=True)


def note(*parts: Any) -> None:
    """Print a notice on standard error."""
    print(*parts, file=sys.stderr, flush=True)


def one_line(exc: BaseException | str) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A ``warnings.showwarning`` printing one ``sk-lenet: warning:`` line."""
    note(f"sk-lenet: warning: {one_line(message)}")


def label(value: Any, target_names: Sequence[str] | None) -> str:
    """The display name of a class."""
    # plotting's, imported here: at module level it would load matplotlib's
    # wrapper module for every command
    from sk_lenet.plotting import _label

    return _label(value, target_names)


def fmt_shape(shape: Sequence[int]) -> str:
    """``(28, 28, 1)`` -> ``"28x28x1"``."""
    return "x".join(str(d) for d in shape)


def make_epoch_logger(stream=None):
    """A Keras callback printing one compact line per epoch (on stderr)."""
    import keras

    class EpochLogger(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self._epochs = self.params.get("epochs")

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            parts = [f"epoch {epoch + 1:>{len(str(self._epochs))}}/{self._epochs}"]
            for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
                if key in logs:
                    parts.append(f"{key} {logs[key]:.4f}")
            parts.append(f"{time.perf_counter() - self._t0:.1f}s")
            print("  ".join(parts), file=stream or sys.stderr, flush=True)

    return EpochLogger()


def classification(model, X, y, names) -> float:
    """Print the test accuracy and the classification report; return the accuracy."""
    from sklearn.metrics import accuracy_score, classification_report

    pred = model.predict(X)
    acc = accuracy_score(y, pred)
    classes = final_estimator(model).classes_
    labels = [label(c, names) for c in classes]
    out(f"Test accuracy: {acc:.4f} ({int(np.sum(pred == y))}/{len(y)})")
    out()
    out(
        classification_report(
            y, pred, labels=classes, target_names=labels, digits=4, zero_division=0
        )
    )
    return acc


def confusion_text(model, X, y, names) -> None:
    """Print the confusion matrix as a text table."""
    from sklearn.metrics import confusion_matrix

    classes = final_estimator(model).classes_
    cm = confusion_matrix(y, model.predict(X), labels=classes)
    labels = [label(c, names) for c in classes]
    width = max(max(len(s) for s in labels), len(str(cm.max())), 3)
    out("Confusion matrix (rows: true class, columns: predicted class)")
    out(" " * (width + 1) + " ".join(f"{s:>{width}}" for s in labels))
    for name, row in zip(labels, cm, strict=True):
        out(f"{name:>{width}} " + " ".join(f"{v:>{width}}" for v in row))
    out()


def figures(
    output_dir: str, kinds: Sequence[str], model, X, y, names, stem: str
) -> None:
    """Save the figures ``kinds`` as ``output_dir/stem_KIND.png``.

    Without matplotlib, says so on standard error and saves nothing.
    """
    from sk_lenet import plotting

    try:
        plotting._matplotlib()
    except ImportError as exc:
        note(f"sk-lenet: figures skipped: {exc}")
        return
    os.makedirs(output_dir, exist_ok=True)
    for kind in kinds:
        path = os.path.join(output_dir, f"{stem}_{kind}.png")
        if kind == "learning_curves":
            plotting.plot_learning_curves(model, path=path)
        elif kind == "confusion_matrix":
            plotting.plot_confusion_matrix(model, X, y, target_names=names, path=path)
        elif kind == "predictions":
            plotting.plot_predictions(model, X, y, n=16, target_names=names, path=path)
        else:  # pragma: no cover - a programming error
            raise ValueError(f"unknown figure kind {kind!r}")
        out(f"Saved figure: {path}")


def format_cv_results(cv_results: dict, *, prefix: str = "clf__") -> str:
    """Format a search's ``cv_results_`` as a text table ranked by score.

    Parameters
    ----------
    cv_results : dict
        ``cv_results_`` of a :class:`~sklearn.model_selection.GridSearchCV`.
    prefix : str, optional
        Step prefix stripped from the parameter names; default ``"clf__"``,
        the classifier step of the pipelines ``sk-lenet`` builds.

    Returns
    -------
    str
        One line per candidate: rank, mean ± std test score, mean fit time,
        parameters; best first.

    Examples
    --------
    >>> res = {"rank_test_score": [2, 1], "mean_test_score": [0.5, 0.9],
    ...        "std_test_score": [0.1, 0.02], "mean_fit_time": [1.0, 2.0],
    ...        "params": [{"clf__epochs": 1}, {"clf__epochs": 5}]}
    >>> print(format_cv_results(res))
    rank  mean test score  fit time  params
       1  0.9000 ± 0.0200      2.0s  epochs=5
       2  0.5000 ± 0.1000      1.0s  epochs=1
    """
    rows = []
    for i in np.argsort(cv_results["rank_test_score"], kind="stable"):
        params = ", ".join(
            f"{k.removeprefix(prefix)}={v!r}"
            for k, v in cv_results["params"][i].items()
        )
        rows.append(
            f"{int(cv_results['rank_test_score'][i]):>4}  "
            f"{cv_results['mean_test_score'][i]:.4f} ± "
            f"{cv_results['std_test_score'][i]:.4f}  "
            f"{cv_results['mean_fit_time'][i]:>7.1f}s  {params}"
        )
    return "\n".join(["rank  mean test score  fit time  params", *rows])
