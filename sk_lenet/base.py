"""The one base class every sk_lenet estimator stands on: the scikit-learn and
scikeras contract.

A subclass writes ``__init__`` (its hyperparameters and its tutorial's
training defaults), ``_parameter_constraints`` (its own, merged with the
shared ones) and ``_layers`` (the network between the input and the softmax
classifier).  The mechanics live in private modules named for what they do:
:mod:`sk_lenet._seeding`, :mod:`sk_lenet._inference`,
:mod:`sk_lenet._batches`, :mod:`sk_lenet._network`, :mod:`sk_lenet._validation`,
:mod:`sk_lenet._constraints` and :mod:`sk_lenet._docstrings`.

The scikeras ``KerasClassifier`` methods overridden here, and why (in
brackets, the private module doing the work):

===========================  ===============================================
scikeras method              why
===========================  ===============================================
``__init_subclass__``        publish a network's merged signature (its own
                             and the shared parameters) and fill its
                             docstring
``_get_param_names``         scikit-learn's, which reads the ``__init__``
                             signature (scikeras' reads every instance
                             attribute)
``__repr__``                 scikit-learn's, for the same reason
``set_params``               scikit-learn's, for the same reason
``__sklearn_tags__``         a real classifier on scikit-learn 1.7-1.9
                             (scikeras' tags never reach
                             ``ClassifierMixin``)
``__sklearn_is_fitted__``    fitted means a network was built
``_validate_data``           images or flat rows, errors that say what to do
                             (_validation)
``_validate_sample_weight``  refuse negative weights, as scikit-learn does
``target_encoder``           keep the classes given to ``partial_fit``
``_check_model_param``       the network comes from ``_layers`` (_network)
``_keras_build_fn``          shared input scaling, padding and softmax head
                             (_network)
``_get_compile_kwargs``      optimizer, loss, metric, steps per execution
                             (_network)
``_initialize``              draw the network's seed from ``random_state``
                             (_seeding); then ``_init_from_data``, the
                             hook for weights set from the training images
``_build_keras_model``       build under that seed without switching
                             TensorFlow's op determinism on, as scikeras
                             does (a later unseeded fit then crashes)
``fit``                      check the parameters when training starts;
                             ``warm_start`` continues the epoch count
``partial_fit``              check the parameters when training starts
``_fit_keras_model``         validation split and early stopping
                             (_validation), a named ``lr_schedule``
                             sized from the steps (_network), batch
                             feed and eager or traced execution
                             (_batches); Ctrl-C keeps the network
``_predict_raw``             call the network on chunks, not
                             ``Model.predict``, averaged with the mirrored
                             images under ``tta`` (_inference)
``predict_proba``            one sample gives one row, not a squeezed vector
``score``                    its docstring (scikeras' says no scorer is set)
===========================  ===============================================
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import functools
import inspect
from collections import defaultdict
from numbers import Integral, Real

import keras
import numpy as np
from numpy.typing import ArrayLike
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._tags import ClassifierTags
from sklearn.utils.validation import (
    _check_sample_weight,
)
from tensorflow.python.eager import context as tf_context

from sk_lenet import _batches, _inference, _network, _seeding, _validation
from sk_lenet._constraints import Callbacks, ImageShapes, KerasLayers, Optimizers
from sk_lenet._docstrings import fill_docstring
from sk_lenet._policies import DTYPE_POLICIES

__all__ = ["ImageClassifierBase"]

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")


class ImageClassifierBase(KerasClassifier):
    """Base class of the sk_lenet image classifiers; not used directly.

    Subclasses define ``__init__`` with their architecture's hyperparameters
    (forwarding the rest to this class) and ``_layers``, the list of Keras
    layers between the (scaled) input image and the softmax classifier.

    Parameters
    ----------
    {shared_parameters}

    Attributes
    ----------
    {fitted_attributes}
    """

    #: Train on whole batches only, leaving each epoch's partial batch out
    #: (a different few samples every epoch): for networks whose batch norms
    #: keep a short memory, where a small last batch would skew the running
    #: statistics (``_batches.steps_per_epoch``).
    _drop_partial_batch: bool = False

    _parameter_constraints: dict = {
        "optimizer": [Optimizers()],
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            keras.optimizers.schedules.LearningRateSchedule,
            None,
        ],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "epochs": [_POSITIVE_INT],
        "batch_size": [_POSITIVE_INT],
        "validation_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [_POSITIVE_INT],
        "tol": [Interval(Real, 0, None, closed="left")],
        "image_shape": [ImageShapes(), None],
        "pixel_scale": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
            None,
        ],
        "dtype_policy": [StrOptions(set(DTYPE_POLICIES))],
        "shuffle": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "augment": [StrOptions(set(_network.AUGMENT_PRESETS)), KerasLayers(), None],
        "lr_schedule": [StrOptions(set(_network.LR_SCHEDULES))],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "tta": ["boolean"],
        "callbacks": [Callbacks(), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        optimizer="sgd",
        learning_rate=0.01,
        momentum=0.0,
        epochs=10,
        batch_size=128,
        validation_fraction=None,
        early_stopping=False,
        n_iter_no_change=10,
        tol=1e-4,
        image_shape=None,
        pixel_scale="auto",
        dtype_policy="float32",
        shuffle=True,
        class_weight=None,
        augment=None,
        lr_schedule="constant",
        label_smoothing=0.0,
        tta=False,
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.dtype_policy = dtype_policy
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.augment = augment
        self.lr_schedule = lr_schedule
        self.label_smoothing = label_smoothing
        self.tta = tta
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _layers(self) -> list:
        """Layers from the scaled input image to the last hidden layer."""
        raise NotImplementedError

    def _init_from_data(self, X: np.ndarray) -> None:
        """Set data-dependent initial weights of a new ``model_`` from its
        training images ``X`` (n, h, w, c); nothing here.  Called once per
        network, when ``fit`` or the first ``partial_fit`` builds it, never
        when training continues (``warm_start``, ``partial_fit``)."""

    # ---- scikit-learn protocol: parameters, tags, repr, fitted state ----
    def __init_subclass__(cls, **kwargs):
        # A subclass __init__ lists its own hyperparameters and forwards the
        # shared ones through **kwargs.  Publish the merged signature, so that
        # scikit-learn (get_params, clone, repr) and help() see every
        # parameter with its default, exactly as if it were spelled out.
        super().__init_subclass__(**kwargs)
        own = inspect.signature(cls.__init__)
        if any(p.kind is p.VAR_KEYWORD for p in own.parameters.values()):
            params = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
            names = {p.name for p in params}
            shared = inspect.signature(ImageClassifierBase.__init__).parameters
            params += [p for n, p in shared.items() if n not in names | {"self"}]
            cls.__init__.__signature__ = own.replace(parameters=params)
        fill_docstring(cls)

    # scikeras replaces these with versions that read every instance attribute
    # as a parameter; scikit-learn's read the __init__ signature.
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    __repr__ = BaseEstimator.__repr__
    set_params = BaseEstimator.set_params

    def __sklearn_tags__(self):
        # BaseEstimator's tags, made a classifier's: scikeras' own chain stops
        # at BaseEstimator and never reaches ClassifierMixin on sklearn >= 1.7.
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_label=False, poor_score=False)
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return self.initialized_

    # ---- Input validation ----
    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        return _validation.validate_data(self, X, y, reset, super()._validate_data)

    @staticmethod
    def _validate_sample_weight(X, y, sample_weight):
        # scikeras' check, less its acceptance of negative weights.
        _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        return KerasClassifier._validate_sample_weight(X, y, sample_weight)

    @property
    def target_encoder(self):
        categories = "auto" if self.classes_ is None else [self.classes_]
        return ClassifierLabelEncoder(loss=_network.LOSS, categories=categories)

    # ---- Building the network ----
    def _check_model_param(self):
        return self._keras_build_fn

    def _get_compile_kwargs(self) -> dict:
        return _network.compile_kwargs(self)

    def _keras_build_fn(self, compile_kwargs: dict) -> keras.Model:
        return _network.build(self, self._layers(), compile_kwargs)

    def _initialize(self, X, y=None):
        # One seed per network: drawn when it is built, reused by warm starts.
        self._seed_ = _seeding.draw_seed(self.random_state)
        X, y = super()._initialize(X, y)
        self._init_from_data(X)
        return X, y

    def _build_keras_model(self):
        self._random_state = None  # seeding is ours: see _seeding
        # A new network: let TensorFlow drop the kernels it instantiated for
        # earlier ones (their traced functions), so that memory stays flat
        # over a grid search.  Only here: continuing to train a network
        # (partial_fit, warm_start) keeps its kernels.
        tf_context.context().clear_kernel_cache()
        with _seeding.seeded(self._seed_):
            return super()._build_keras_model()

    # ---- Training ----
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        **kwargs,
    ) -> ImageClassifierBase:
        """Build the network for ``X`` and ``y`` and train it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w, c)
            Training images, as flat rows or as a channels-last batch; integer
            or float pixels.
        y : array-like of shape (n_samples,)
            Class labels (ints or strings), at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        **kwargs : dict
            Extra arguments for :meth:`keras.Model.fit`.

        Returns
        -------
        self : estimator instance
            The fitted estimator.
        """
        sample_weight = self._start_training(sample_weight)
        if not (self.warm_start and self.initialized_):
            return super().fit(X, y, sample_weight=sample_weight, **kwargs)
        # Continue the epoch count, so history_ grows as in MLPClassifier, and
        # keep classes_, which scikeras' fit blanks on a warm start.
        classes = self.classes_
        kwargs.setdefault("initial_epoch", self.current_epoch)
        super().fit(X, y, sample_weight=sample_weight, **kwargs)
        self.classes_ = classes
        return self

    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        **kwargs,
    ) -> ImageClassifierBase:
        """Train for one epoch, keeping the network and its history.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w, c)
            Training images.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole problem; needed on the first call when
            this batch does not contain them all.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        **kwargs : dict
            Extra arguments for :meth:`keras.Model.fit`.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        sample_weight = self._start_training(sample_weight, continuing=True)
        return super().partial_fit(
            X, y, classes=classes, sample_weight=sample_weight, **kwargs
        )

    def _start_training(self, sample_weight, continuing: bool = False):
        """Check each parameter against its constraint, then the few that
        depend on each other; returns the sample weights to train with."""
        self._validate_params()
        return _validation.check_training(self, sample_weight, continuing)

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        self._random_state = None  # seeding is ours: see _seeding
        X, y, sample_weight, held_out = _validation.hold_out(
            self, X, y, sample_weight, kwargs
        )
        _inference.check_tta(self.tta, self.image_shape_)
        _network.install_schedule(self, len(y))
        _batches.choose_execution(
            self.model_,
            epochs
            * _batches.steps_per_epoch(
                len(y), self.batch_size, self._drop_partial_batch
            ),
        )
        saved = self._fit_callbacks
        self._fit_callbacks = [*saved, *held_out]
        try:
            seed = None if self._seed_ is None else self._seed_ + initial_epoch
            with (
                _seeding.seeded(seed),
                _batches.feeding(
                    self.model_,
                    (X, y, sample_weight),
                    self.batch_size,
                    self.shuffle,
                    kwargs,
                    seed,
                    self._drop_partial_batch,
                ) as (X, y, sample_weight),
            ):
                super()._fit_keras_model(
                    X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
                )
        except KeyboardInterrupt:
            # Ctrl-C mid-fit: keep the network with the weights so far and the
            # epochs it completed in history_, so the estimator stays usable.
            if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
                self.history_ = defaultdict(list)
            for key, values in getattr(self.model_.history, "history", {}).items():
                self.history_[key] += values
            raise
        finally:
            self._fit_callbacks = saved
        return self

    # ---- Prediction ----
    def _predict_raw(self, X, **kwargs):
        X, _ = self._validate_data(X=X)  # raises NotFittedError first
        X = self.feature_encoder_.transform(X)
        _inference.check_tta(self.tta, self.image_shape_)
        forward = (
            functools.partial(self.model_.predict, verbose=self.verbose, **kwargs)
            if kwargs
            else functools.partial(
                _inference.predict, self.model_, batch_size=self.batch_size
            )
        )
        return _inference.flip_averaged(forward, X) if self.tta else forward(X)

    def predict_proba(self, X: ArrayLike, **kwargs) -> np.ndarray:
        """Class probabilities for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w, c)
            Images, as flat rows or a channels-last batch.
        **kwargs : dict
            Extra arguments for :meth:`keras.Model.predict`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probability of each class in ``classes_``, rows summing to 1.
        """
        # scikeras squeezes a single sample's row to shape (n_classes,)
        proba = super().predict_proba(X, **kwargs)
        return np.asarray(proba).reshape(-1, len(self.classes_))

    def score(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> float:
        """Accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w, c)
            Test images.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy.
        """
        return super().score(X, y, sample_weight=sample_weight)


fill_docstring(ImageClassifierBase)
