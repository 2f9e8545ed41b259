"""Checks of the data handed to ``fit`` and ``predict``, with errors that say
what to do: flat rows or image batches, integer or float pixels, string or
integer labels; the checks of parameters that depend on each other when
training starts; and the hold-out split for validation and early stopping."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_feature_names,
    check_array,
    check_is_fitted,
    column_or_1d,
)

from sk_lenet import _network, _policies
from sk_lenet._tf import warn_if_onednn_missed
from sk_lenet.preprocessing import resolve_image_shape, rows_to_images

__all__ = [
    "check_target",
    "hold_out",
    "pixel_scale",
    "validate_data",
    "validate_images",
]


def validate_data(estimator, X, y, reset: bool, validate_y):
    """``X`` as images and ``y`` as labels, checked against each other.

    ``validate_y(X=None, y=y, reset=reset)`` is scikeras' own check of ``y``
    (it records the target's dtype and shape when ``reset``).
    """
    if not reset:
        check_is_fitted(estimator)
    if X is not None:
        X = validate_images(estimator, X, reset=reset)
    if y is not None:
        y = np.asarray(y) if not hasattr(y, "iloc") else y.to_numpy()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if reset:
            check_target(estimator, y)
        _, y = validate_y(X=None, y=y, reset=reset)
    elif reset:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target "
            "y is None. Pass the class labels as fit(X, y)."
        )
    if X is not None and y is not None and len(X) != len(y):
        raise ValueError(
            f"X and y have different numbers of samples: {len(X)} and {len(y)}."
        )
    return X, y


def check_target(estimator, y: np.ndarray) -> None:
    """Refuse targets a classifier cannot learn from (empty, continuous,
    multi-label, a single class)."""
    name = type(estimator).__name__
    if y.size == 0:
        raise ValueError(f"{name}: y is empty; fit needs labelled samples.")
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {kind}. {name} needs one class label per "
            "sample (ints or strings); for numbers like 0.37 use a regressor, "
            "for several labels per sample one classifier per label."
        )
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"{name} needs at least two classes to learn, but y has only one "
            f"class: {classes[0]!r}. Check how the training labels were "
            "selected (e.g. stratify your split)."
        )


def pixel_scale(setting, X: np.ndarray) -> float:
    """The factor the network applies to its input, from ``pixel_scale``.

    ``"auto"`` divides by the largest pixel when pixels are non-negative with
    some above 1, else 1; ``None`` means 1; a number is itself.
    """
    if setting is None:
        return 1.0
    if isinstance(setting, str):  # "auto"
        lo, hi = float(X.min()), float(X.max())
        return 1.0 / hi if lo >= 0 and hi > 1 else 1.0
    return float(setting)


def validate_images(estimator, X, reset: bool) -> np.ndarray:
    """``X`` as a channels-last image batch, uint8 or float32.

    With ``reset`` (fit) it records ``image_shape_``, ``n_features_in_`` and
    ``pixel_scale_`` on ``estimator``; without, it checks ``X`` against them.
    """
    name = type(estimator).__name__
    if hasattr(X, "iloc") or hasattr(X, "columns"):
        _check_feature_names(estimator, X, reset=reset)
    X = check_array(
        X,
        accept_sparse=False,
        dtype="numeric",
        allow_nd=True,
        ensure_all_finite=True,
        estimator=estimator,
        input_name="X",
    )
    if X.ndim not in (2, 4):
        fix = (
            " For a stack of grey images add a channel axis: X[..., np.newaxis]."
            if X.ndim == 3
            else ""
        )
        raise ValueError(
            f"{name} takes X as flat pixel rows (n_samples, n_pixels) or images "
            f"(n_samples, height, width, channels); got a {X.ndim}-D array of "
            f"shape {X.shape}.{fix}"
        )
    if X.dtype != np.uint8:
        X = X.astype(np.float32, copy=False)
    if reset:
        shape = (
            X.shape[1:]
            if X.ndim == 4
            else resolve_image_shape(estimator.image_shape, X.shape[1])
        )
        estimator.image_shape_ = tuple(int(d) for d in shape)
        estimator.n_features_in_ = int(np.prod(estimator.image_shape_))
        estimator.pixel_scale_ = pixel_scale(estimator.pixel_scale, X)
    elif X.ndim == 2 and X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} is expecting "
            f"{estimator.n_features_in_} features as input (images of shape "
            f"{estimator.image_shape_})."
        )
    elif X.ndim == 4 and X.shape[1:] != estimator.image_shape_:
        raise ValueError(
            f"X holds images of shape {X.shape[1:]}, but {name} was fitted on "
            f"images of shape {estimator.image_shape_}. Resize or reshape the input."
        )
    if X.ndim == 2:
        X = rows_to_images(X, estimator.image_shape_, "channels_last")
    return X


def hold_out(estimator, X, y, sample_weight, fit_kwargs: dict):
    """The validation hold-out and early stopping of one fit.

    Splits off ``validation_fraction`` of the samples (None: 0.1 with early
    stopping, else nothing), stratified where every class fits in both parts
    and seeded by the network's seed, into ``fit_kwargs["validation_data"]``.

    Returns
    -------
    tuple
        ``(X_train, y_train, sample_weight_train, callbacks)``: the
        ``EarlyStopping`` callback (restoring the best weights) when
        ``early_stopping`` is on.
    """
    import keras

    fraction = estimator.validation_fraction
    if fraction is None:
        fraction = 0.1 if estimator.early_stopping else 0.0
    if fraction:
        n_classes = len(np.unique(y))
        n_val = int(np.ceil(fraction * len(y)))
        stratify = y if n_classes <= n_val and len(y) - n_val >= n_classes else None
        idx_train, idx_val = train_test_split(
            np.arange(len(y)),
            test_size=fraction,
            stratify=stratify,
            random_state=estimator._seed_,
        )
        val = (X[idx_val], y[idx_val])
        if sample_weight is not None:
            val = (*val, sample_weight[idx_val])
            sample_weight = sample_weight[idx_train]
        X, y, fit_kwargs["validation_data"] = X[idx_train], y[idx_train], val
    if not estimator.early_stopping:
        return X, y, sample_weight, []
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss",
        min_delta=estimator.tol,
        patience=estimator.n_iter_no_change,
        restore_best_weights=True,
    )
    return X, y, sample_weight, [stop]


def check_training(estimator, sample_weight, continuing: bool):
    """The checks of parameters that depend on each other (or on the fitted
    network) when training starts, and the warnings of slow settings.

    Returns ``sample_weight``, copied where scikeras would scale the caller's
    array in place.
    """
    if estimator.early_stopping and estimator.validation_fraction == 0:
        raise ValueError(
            "early_stopping=True needs held-out data: set validation_fraction "
            "> 0 (or None for 0.1)."
        )
    _network.check_schedule_clash(
        estimator.optimizer, estimator.learning_rate, estimator.lr_schedule
    )
    if (continuing or estimator.warm_start) and estimator.initialized_:
        _network.check_policy(estimator.model_, estimator.dtype_policy)
    warn_if_onednn_missed(stacklevel=4)
    _policies.warn_if_emulated(estimator.dtype_policy, stacklevel=4)
    if sample_weight is not None and estimator.class_weight is not None:
        # scikeras multiplies the class weights into sample_weight in
        # place: a copy keeps the caller's array as it was.
        sample_weight = np.array(sample_weight, dtype=np.float64)
    return sample_weight
