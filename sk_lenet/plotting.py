"""Figures for fitted sk_lenet classifiers: learning curves, confusion
matrices and sample predictions.

Matplotlib is an optional dependency (``pip install "sk-lenet[plot]"``),
imported only when a function here is called.  The figures are plain
:class:`matplotlib.figure.Figure` objects built without :mod:`matplotlib.pyplot`:
no GUI backend is involved, nothing piles up in pyplot's figure list, and in a
notebook a returned figure displays as the cell's value.  Pass ``path=`` to
save a PNG.

Every function accepts a bare estimator or a :class:`~sklearn.pipeline.Pipeline`
ending in one (as saved by ``sk-lenet train``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sk_lenet._pipeline import final_estimator
from sk_lenet.preprocessing import ImageReshaper, rows_to_images

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

__all__ = ["plot_confusion_matrix", "plot_learning_curves", "plot_predictions"]

_MISTAKE = "tab:red"
_CORRECT = "black"


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "sk_lenet.plotting needs matplotlib, an optional dependency: "
            'pip install "sk-lenet[plot]"'
        ) from None
    return matplotlib, Figure


def _save(fig: Figure, path: str | os.PathLike | None, dpi: int) -> None:
    if path is not None:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")


def _label(value: Any, target_names: Sequence[str] | None) -> str:
    if target_names is not None and isinstance(value, (int, np.integer)):
        if 0 <= int(value) < len(target_names):
            return str(target_names[int(value)])
    return str(value)


def plot_learning_curves(
    estimator_or_history: Any,
    *,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """Plot loss and accuracy per epoch, training and validation.

    Parameters
    ----------
    estimator_or_history : estimator, Pipeline or dict
        A fitted sk_lenet classifier (or a Pipeline ending in one), whose
        ``history_`` is plotted, or such a history dict itself: lists of
        per-epoch values under ``"loss"``, ``"accuracy"`` and optionally
        ``"val_loss"``, ``"val_accuracy"``.
    title : str, default=None
        Figure title; ``None`` uses the estimator's class name.
    path : str or path-like, default=None
        If given, save the figure there as PNG.
    dpi : int, default=100
        Resolution of the saved PNG.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with two axes: loss (left) and accuracy (right).

    Raises
    ------
    ValueError
        If there is no history (the estimator is not fitted) or it is empty.

    Examples
    --------
    >>> from sk_lenet import LeNetClassifier
    >>> from sk_lenet.datasets import load_digits
    >>> from sk_lenet.plotting import plot_learning_curves
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LeNetClassifier(epochs=2, validation_fraction=0.2,
    ...                       random_state=0).fit(X, y)
    >>> fig = plot_learning_curves(clf)
    >>> [ax.get_title() for ax in fig.axes]
    ['Loss', 'Accuracy']
    """
    _, Figure = _matplotlib()
    from matplotlib.ticker import MaxNLocator

    if isinstance(estimator_or_history, Mapping):
        history, name = estimator_or_history, None
    else:
        final = final_estimator(estimator_or_history)
        history = getattr(final, "history_", None)
        name = type(final).__name__
        if history is None:
            raise ValueError(
                f"{name} has no history_: fit it first, or pass its history dict."
            )
    if not history or not history.get("loss"):
        raise ValueError("The training history is empty: nothing to plot.")
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, key, label in ((ax_loss, "loss", "Loss"), (ax_acc, "accuracy", "Accuracy")):
        for prefix, what, style in (("", "train", "o-"), ("val_", "validation", "s--")):
            values = history.get(prefix + key)
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, label=what, markersize=3)
        ax.set_title(label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label.lower())
        ax.grid(True, alpha=0.3)
        ax.legend()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(history["loss"]) == 1:
            ax.set_xlim(0.5, 1.5)
            ax.set_xticks([1])
    fig.suptitle(title if title is not None else f"{name or 'Training'} history")
    _save(fig, path, dpi)
    return fig


def plot_confusion_matrix(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    target_names: Sequence[str] | None = None,
    normalize: str | None = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> ConfusionMatrixDisplay:
    """Plot the confusion matrix of ``estimator`` on ``X``, ``y``.

    A thin layer over
    :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_estimator` that names
    the classes and can save the figure.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted classifier.
    X : array-like
        Test images, in the form ``estimator`` takes.
    y : array-like of shape (n_samples,)
        True labels.
    target_names : sequence of str, default=None
        Display names of integer classes (``target_names[k]`` for class
        ``k``), e.g. a dataset Bunch's ``target_names``.
    normalize : {"true", "pred", "all"}, default=None
        Normalise counts over the true rows, predicted columns or all cells.
    title : str, default=None
        Axes title; ``None`` gives ``"Confusion matrix"``.
    path : str or path-like, default=None
        If given, save the figure there as PNG.
    dpi : int, default=100
        Resolution of the saved PNG.

    Returns
    -------
    sklearn.metrics.ConfusionMatrixDisplay
        The display; its figure is ``display.figure_``.

    Examples
    --------
    >>> from sk_lenet import LeNetClassifier
    >>> from sk_lenet.datasets import load_digits
    >>> from sk_lenet.plotting import plot_confusion_matrix
    >>> digits = load_digits()
    >>> clf = LeNetClassifier(epochs=1, random_state=0)
    >>> clf = clf.fit(digits.data, digits.target)
    >>> disp = plot_confusion_matrix(clf, digits.data, digits.target,
    ...                              target_names=digits.target_names)
    >>> disp.confusion_matrix.shape
    (10, 10)
    """
    _, Figure = _matplotlib()
    from sklearn.metrics import ConfusionMatrixDisplay

    classes = final_estimator(estimator).classes_
    display_labels = [_label(c, target_names) for c in classes]
    n = len(classes)
    size = max(5.0, 0.5 * n + 2)
    fig = Figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.add_subplot()
    disp = ConfusionMatrixDisplay.from_estimator(
        estimator,
        X,
        y,
        labels=classes,
        display_labels=display_labels,
        normalize=normalize,
        cmap="Blues",
        ax=ax,
        colorbar=True,
        values_format=".2f" if normalize else "d",
        xticks_rotation="vertical" if max(map(len, display_labels)) > 3 else 0,
    )
    ax.set_title(title if title is not None else "Confusion matrix")
    _save(fig, path, dpi)
    return disp


def _images_for_display(estimator: Any, X: np.ndarray, image_shape) -> np.ndarray:
    """Channels-last images from ``X`` as the estimator sees them."""
    if X.ndim == 4:
        return X
    if X.ndim == 3:
        return X[..., np.newaxis]
    for _, step in getattr(estimator, "steps", [])[:-1]:
        if isinstance(step, ImageReshaper) and hasattr(step, "image_shape_"):
            return rows_to_images(X, step.image_shape_, step.data_format)
    shape = image_shape or getattr(final_estimator(estimator), "image_shape_", None)
    if shape is None:
        raise ValueError(
            "Cannot tell the image shape of flat rows: fit the estimator or pass "
            "image_shape=(height, width, channels)."
        )
    return rows_to_images(X, tuple(shape), "channels_last")


def plot_predictions(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    n: int = 16,
    ncols: int | None = None,
    target_names: Sequence[str] | None = None,
    image_shape: tuple[int, int, int] | None = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """Show sample images with the predicted (and true) labels.

    Each panel's title gives the predicted class and its probability, plus
    the true class when ``y`` is given; mistakes are titled in red.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted classifier with ``predict_proba``.
    X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w, c)
        Images, in the form ``estimator`` takes; the first ``n`` are shown.
        Flat rows are displayed through the Pipeline's
        :class:`~sk_lenet.ImageReshaper` (so OpenML's planar CIFAR-10 rows
        show their true colours), else with the estimator's ``image_shape_``.
    y : array-like of shape (n_samples,), default=None
        True labels, if known.
    n : int, default=16
        Number of images to show.
    ncols : int, default=None
        Panels per row; ``None`` makes the grid about square.
    target_names : sequence of str, default=None
        Display names of integer classes (``target_names[k]`` for class
        ``k``).
    image_shape : tuple of int, default=None
        ``(height, width, channels)`` of flat rows, when the estimator cannot
        tell.
    title : str, default=None
        Figure title; ``None`` summarises the accuracy on the panels shown
        when ``y`` is given.
    path : str or path-like, default=None
        If given, save the figure there as PNG.
    dpi : int, default=100
        Resolution of the saved PNG.

    Returns
    -------
    matplotlib.figure.Figure
        One image axes per sample shown.

    Examples
    --------
    >>> from sk_lenet import LeNetClassifier
    >>> from sk_lenet.datasets import load_digits
    >>> from sk_lenet.plotting import plot_predictions
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> fig = plot_predictions(clf, X, y, n=8)
    >>> len(fig.axes)
    8
    """
    _, Figure = _matplotlib()
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int; got {n!r}.")
    X = np.asarray(X)[:n]
    n = len(X)
    if n == 0:
        raise ValueError("X holds no images: nothing to plot.")
    # reshape: scikeras returns shape (n_classes,) for a single sample
    proba = np.asarray(estimator.predict_proba(X)).reshape(n, -1)
    classes = final_estimator(estimator).classes_
    best = proba.argmax(axis=1)
    pred = classes[best]
    truth = None if y is None else np.asarray(y)[:n]
    images = _images_for_display(estimator, X, image_shape).astype(np.float32)
    top = float(images.max()) if images.size else 1.0
    if top > 1:
        images = images / (255.0 if top <= 255 else top)
    images = np.clip(images, 0.0, 1.0)

    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(1.6 * ncols, 1.9 * nrows), layout="constrained")
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        img = images[i]
        if img.shape[-1] == 1:
            ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=1)
        else:
            ax.imshow(img)
        text = f"{_label(pred[i], target_names)} ({proba[i, best[i]]:.2f})"
        color = _CORRECT
        if truth is not None:
            text += f"\ntrue {_label(truth[i], target_names)}"
            if pred[i] != truth[i]:
                color = _MISTAKE
        ax.set_title(text, fontsize=9, color=color)
        ax.set_xticks([])
        ax.set_yticks([])
        if color == _MISTAKE:
            for spine in ax.spines.values():
                spine.set_edgecolor(_MISTAKE)
                spine.set_linewidth(2)
    if title is None and truth is not None:
        wrong = int(np.sum(pred != truth))
        title = f"Predictions: {n - wrong}/{n} right (mistakes in red)"
    if title:
        fig.suptitle(title)
    _save(fig, path, dpi)
    return fig
