"""The one helper for "a bare estimator or a Pipeline ending in one".

Plotting, persistence and the ``sk-lenet`` command all accept either; they
reach the classifier (its ``classes_``, ``history_``, ``image_shape_``)
through :func:`final_estimator`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["final_estimator"]


def final_estimator(model: Any) -> Any:
    """The last step of a :class:`~sklearn.pipeline.Pipeline`, else ``model``.

    Parameters
    ----------
    model : estimator or Pipeline
        A bare estimator, or a Pipeline (anything with ``steps``).

    Returns
    -------
    estimator
        ``model.steps[-1][1]`` for a Pipeline, ``model`` itself otherwise.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> final_estimator(make_pipeline(StandardScaler(), LogisticRegression()))
    LogisticRegression()
    >>> final_estimator(LogisticRegression())
    LogisticRegression()
    """
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model
