"""The one base class every sk_lenet estimator stands on.

:class:`ImageClassifierBase` holds every mechanic the architectures share, so
that each network file is only its layer diagram:

* scikit-learn tags that make it a real classifier on scikit-learn 1.7-1.9
  (scikeras 0.13 is not one there: its ``__sklearn_tags__`` never reaches
  :class:`~sklearn.base.ClassifierMixin`);
* input checks with errors that say what to do, flat rows or image batches,
  integer or float pixels, string or integer labels;
* ``random_state`` seeding that gives bit-identical fits on CPU without
  switching TensorFlow's global op determinism on (scikeras does, and a later
  unseeded fit then crashes);
* a validation split, early stopping and ``history_``;
* the softmax head, the optimizer and the compile step.

A subclass writes ``__init__`` (its hyperparameters and its tutorial's
training defaults) and ``_layers`` (the network between the input and the
softmax classifier).
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import inspect
import random
import re
import textwrap
import warnings
import weakref
from collections import defaultdict
from contextlib import contextmanager
from numbers import Integral, Real

import keras
import numpy as np
import tensorflow as tf
from keras import layers
from numpy.typing import ArrayLike
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._tags import ClassifierTags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_feature_names,
    check_array,
    check_is_fitted,
    column_or_1d,
)
from tensorflow.python.eager import context as tf_context

from sk_lenet import _policies
from sk_lenet._batches import GraphBatches, has_runner
from sk_lenet._optimizers import fuse_adam_updates
from sk_lenet._policies import DTYPE_POLICIES
from sk_lenet._tf import warn_if_onednn_missed
from sk_lenet.preprocessing import resolve_image_shape, rows_to_images

__all__ = ["ImageClassifierBase"]

_LOSS = "sparse_categorical_crossentropy"
_PREDICT_CHUNK = 2048  # images per forward pass in predict
# Predict calls of at least this many images run through a traced graph (one
# ~0.08 s trace per network and input type), smaller ones eagerly: the graph
# is 1.4x (LeNet) to 2.5x (LeNet-5) faster on 10000 MNIST images, the same up
# to float round-off (benchmarks/_predict.py).
_TRACE_MIN_IMAGES = 2048
_EAGER_MAX_STEPS = 8  # fits of at most this many steps skip graph tracing
# Training steps per call into the compiled graph: Keras dispatches each call
# from Python, a large share of a small network's step on CPU.  Same weights,
# bit for bit (benchmarks/_candidates.py: LeNet-5 epoch 0.77x).  Batch-level
# callback hooks fire every N steps; epoch-level ones are unchanged.
_STEPS_PER_EXECUTION = 32


# Documentation of the parameters and fitted attributes every estimator shares,
# written once: each class docstring's {shared_parameters} and
# {fitted_attributes} are filled in from here (see _fill_docstring).
_SHARED_PARAMETERS_DOC = """\
optimizer : str or keras.optimizers.Optimizer, default="sgd"
    Optimizer name (``"sgd"``, ``"adam"``, ``"rmsprop"``, ... any name
    :func:`keras.optimizers.get` knows), an optimizer class, or an
    instance (copied, never shared between fits).
learning_rate : float, LearningRateSchedule or None, default=0.01
    Step size, or a schedule of it over the training steps (for example
    ``keras.optimizers.schedules.CosineDecay(3e-3, decay_steps)``).  It
    replaces an optimizer instance's own rate.  ``None`` keeps the
    optimizer's own: its default for a name or class, its rate or schedule
    for an instance.
momentum : float, default=0.0
    Momentum for ``optimizer="sgd"``; ignored by other optimizers.
epochs : int, default=10
    Passes over the training data.
batch_size : int, default=128
    Samples per gradient step (also used for prediction).
validation_fraction : float or None, default=None
    Fraction of the training data held out (stratified) to report
    ``val_loss`` / ``val_accuracy`` in ``history_`` and for early stopping.
    ``None``: 0.1 when ``early_stopping`` is on, else no hold-out.
early_stopping : bool, default=False
    Stop when ``val_loss`` has not improved by ``tol`` for
    ``n_iter_no_change`` epochs and restore the best weights.
n_iter_no_change : int, default=10
    Patience of early stopping, in epochs.
tol : float, default=1e-4
    Smallest ``val_loss`` improvement that counts for early stopping.
image_shape : tuple of int or None, default=None
    Shape ``(height, width, channels)`` of one image when ``X`` holds flat
    rows; one entry may be ``-1``.  ``None`` infers it (784 → 28×28×1,
    3072 → 32×32×3).  Ignored for 4-D ``X``, which carries its shape.
    Flat colour rows are read channels-last; use
    :class:`~sk_lenet.ImageReshaper` for OpenML's channel-planar CIFAR_10.
pixel_scale : "auto", float or None, default="auto"
    Factor applied to pixels inside the network.  ``"auto"`` divides by
    the largest training pixel when pixels are non-negative with some
    above 1 (raw 8-bit images: 1/255; scikit-learn's 0-16 digits: 1/16)
    and leaves pixels already in ``[0, 1]`` alone.  ``None`` means 1.
dtype_policy : {"float32", "mixed_bfloat16", "mixed_float16"}, default="float32"
    Keras mixed precision for the hidden layers: ``"mixed_bfloat16"``
    computes them in bfloat16 with float32 weights, which trains the larger
    networks faster on CPUs with native bfloat16 (AVX512-BF16 or AMX: AMD
    Zen 4 and later, Intel Xeon since Cooper Lake); others emulate it,
    slower than float32 (a CIFAR-10 MLP epoch took 1.8x as long on an
    AVX2-only AMD Zen 3), and ``fit`` warns where Linux reports no such CPU
    and no GPU is visible; ``"mixed_float16"`` is for GPUs (with loss
    scaling).  The softmax layer
    stays float32.  Results differ from float32 beyond round-off: check
    the accuracy.  Set per estimator: Keras' global dtype policy
    (``keras.mixed_precision.set_global_policy``) is not used.
shuffle : bool, default=True
    Shuffle the training data before each epoch.
class_weight : dict, "balanced" or None, default=None
    Weights of the classes in the loss, as in scikit-learn.
callbacks : list of keras.callbacks.Callback or None, default=None
    Extra Keras callbacks for ``fit``.
warm_start : bool, default=False
    When True, ``fit`` continues training the existing network.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, dropout and the validation
    split.  An int gives bit-identical results on CPU.
verbose : int, default=0
    0 is silent, 1 shows a progress bar per epoch, 2 one line per epoch.
"""

_FITTED_ATTRIBUTES_DOC = """\
model_ : keras.Model
    The fitted network.
classes_ : ndarray of shape (n_classes,)
    Class labels seen in ``fit``.
n_classes_ : int
    Number of classes.
image_shape_ : tuple of int
    ``(height, width, channels)`` of the images the network takes.
pixel_scale_ : float
    Factor the network applies to its input pixels.
n_features_in_ : int
    Pixels per image, ``height * width * channels``.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Column names, when ``X`` was a DataFrame with string column names.
history_ : dict of str to list of float
    Per-epoch ``loss`` and ``accuracy`` (plus ``val_loss`` and
    ``val_accuracy`` when a validation fraction is used).
"""


def _fill_docstring(cls, own: set) -> None:
    """Write the shared parameters and fitted attributes into ``cls.__doc__``.

    ``own`` names the parameters the class documents itself.
    """
    if not cls.__doc__:
        return
    entries = re.split(r"\n(?=\S)", _SHARED_PARAMETERS_DOC.strip())
    shared = "\n".join(e for e in entries if e.split(" :")[0] not in own)
    for token, text in (
        ("{shared_parameters}", shared),
        ("{fitted_attributes}", _FITTED_ATTRIBUTES_DOC.strip()),
    ):
        cls.__doc__ = cls.__doc__.replace(token, textwrap.indent(text, "    ").lstrip())


def _draw_seed(random_state) -> int | None:
    """An int seed from ``random_state`` (None stays None)."""
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _set_tf_global_seed(seed: int | None) -> None:
    """``tf.random.set_seed(seed)`` without its flush of the kernel cache.

    ``tf.random.set_seed`` also empties TensorFlow's eager kernel cache, so
    every traced function (the training step, the forward pass of predict)
    is instantiated and optimized again on its next call: ~0.1-0.2 s per
    seeded fit, more than a one-batch ``partial_fit`` itself takes.  The
    flush only restarts eager *stateful* random ops, which a fit does not
    use (Keras draws with stateless ops; sample orders come from NumPy,
    seeded per fit in ``_batch_feed``, or where Keras' own feed is used, from
    a ``tf.data`` shuffle seeded when it is built), so the seeds ops
    get are the same as with ``tf.random.set_seed``.  The cache is emptied
    where a new network is built instead (``_build_keras_model``), which
    keeps memory flat over many fits.  Falls back to ``tf.random.set_seed``
    outside eager mode, or where TensorFlow's eager context lacks the
    attributes set here.
    """
    ctx = tf_context.context()
    if not (tf.executing_eagerly() and hasattr(ctx, "_seed") and hasattr(ctx, "_rng")):
        tf.random.set_seed(seed)
        return
    # What Context._set_global_seed does, less the flush.
    ctx._seed = seed
    ctx._rng = random.Random(seed)


@contextmanager
def _seeded(seed: int | None):
    """Seed Python, NumPy, TensorFlow and Keras for a block, then restore.

    What ``keras.utils.set_random_seed`` does, with two differences.  Unlike
    scikeras' ``tensorflow_random_state`` it leaves TensorFlow's op
    determinism alone (CPU kernels are deterministic already), so a later
    unseeded fit in the same process keeps working; and it sets TensorFlow's
    global seed through :func:`_set_tf_global_seed`, which keeps TensorFlow's
    kernel cache.  The caller's Python and NumPy global random states are
    restored afterwards.
    """
    if seed is None:
        yield
        return
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator

    def set_keras_and_tf_seed(value):
        # Keras' global seed (its SeedGenerator rebuilt from it) and TF's.
        global_state.set_global_attribute("global_random_seed", value)
        global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
        _set_tf_global_seed(value)

    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002
    set_keras_and_tf_seed(seed)
    # Keras draws layer seeds from the global `random` module, which other
    # threads may draw from meanwhile (a Dask worker's event loop does): give
    # Keras a generator of its own for the block.
    shared_random = getattr(seed_generator, "python_random", None)
    if shared_random is not None:
        seed_generator.python_random = random.Random(seed)
    try:
        yield
    finally:
        if shared_random is not None:
            seed_generator.python_random = shared_random
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
        set_keras_and_tf_seed(None)


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
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------
    # What a subclass provides
    # ------------------------------------------------------------------
    def _layers(self) -> list:
        """Layers from the scaled input image to the last hidden layer."""
        raise NotImplementedError

    # ------------------------------------------------------------------
    # scikit-learn protocol: parameters, tags, repr, fitted state
    # ------------------------------------------------------------------
    def __init_subclass__(cls, **kwargs):
        # A subclass __init__ lists its own hyperparameters and forwards the
        # shared ones through **kwargs.  Publish the merged signature, so that
        # scikit-learn (get_params, clone, repr) and help() see every
        # parameter with its default, exactly as if it were spelled out.
        super().__init_subclass__(**kwargs)
        own = inspect.signature(cls.__init__)
        _fill_docstring(cls, set(own.parameters))
        if not any(p.kind is p.VAR_KEYWORD for p in own.parameters.values()):
            return
        params = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
        names = {p.name for p in params}
        shared = inspect.signature(ImageClassifierBase.__init__).parameters.values()
        params += [p for p in shared if p.name not in names and p.name != "self"]
        cls.__init__.__signature__ = own.replace(parameters=params)

    # scikeras replaces these with versions that read every instance attribute
    # as a parameter; scikit-learn's read the __init__ signature.
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    __repr__ = BaseEstimator.__repr__

    def set_params(self, **params) -> ImageClassifierBase:
        """Set parameters, as :meth:`sklearn.base.BaseEstimator.set_params`.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        return BaseEstimator.set_params(self, **params)

    def __sklearn_tags__(self):
        # BaseEstimator's tags, made a classifier's: scikeras' own chain stops
        # at BaseEstimator and never reaches ClassifierMixin on sklearn >= 1.7.
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_label=False, poor_score=True)
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return self.initialized_

    # ------------------------------------------------------------------
    # Input validation
    # ------------------------------------------------------------------
    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        name = type(self).__name__
        if not reset:
            check_is_fitted(self)
        if X is not None:
            X = self._validate_X(X, reset=reset)
        if y is not None:
            y = np.asarray(y) if not hasattr(y, "iloc") else y.to_numpy()
            if y.ndim == 2 and y.shape[1] == 1:
                y = column_or_1d(y, warn=True)
            if reset:
                self._check_target(y)
            _, y = super()._validate_data(X=None, y=y, reset=reset)
        elif reset:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None. "
                "Pass the class labels as fit(X, y)."
            )
        if X is not None and y is not None and len(X) != len(y):
            raise ValueError(
                f"X and y have different numbers of samples: {len(X)} and {len(y)}."
            )
        return X, y

    def _check_target(self, y: np.ndarray) -> None:
        name = type(self).__name__
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

    def _validate_X(self, X, reset: bool) -> np.ndarray:
        name = type(self).__name__
        if hasattr(X, "iloc") or hasattr(X, "columns"):
            _check_feature_names(self, X, reset=reset)
        X = check_array(
            X,
            accept_sparse=False,
            dtype="numeric",
            allow_nd=True,
            ensure_all_finite=True,
            estimator=self,
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
                else resolve_image_shape(self.image_shape, X.shape[1])
            )
            self.image_shape_ = tuple(int(d) for d in shape)
            self.n_features_in_ = int(np.prod(self.image_shape_))
            self.pixel_scale_ = self._resolve_pixel_scale(X)
        elif X.ndim == 2 and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {name} is expecting "
                f"{self.n_features_in_} features as input (images of shape "
                f"{self.image_shape_})."
            )
        elif X.ndim == 4 and X.shape[1:] != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {X.shape[1:]}, but {name} was fitted on "
                f"images of shape {self.image_shape_}. Resize or reshape the input."
            )
        if X.ndim == 2:
            X = rows_to_images(X, self.image_shape_, "channels_last")
        return X

    def _resolve_pixel_scale(self, X: np.ndarray) -> float:
        scale = self.pixel_scale
        if scale is None:
            return 1.0
        if isinstance(scale, str):
            if scale != "auto":
                raise ValueError(
                    f"pixel_scale must be 'auto', a positive number or None; "
                    f"got {scale!r}."
                )
            lo, hi = float(X.min()), float(X.max())
            return 1.0 / hi if lo >= 0 and hi > 1 else 1.0
        if not isinstance(scale, Real) or not scale > 0:
            raise ValueError(
                f"pixel_scale must be 'auto', a positive number or None; got {scale!r}."
            )
        return float(scale)

    @property
    def target_encoder(self):
        categories = "auto" if self.classes_ is None else [self.classes_]
        return ClassifierLabelEncoder(loss=_LOSS, categories=categories)

    # ------------------------------------------------------------------
    # Building the network
    # ------------------------------------------------------------------
    def _check_model_param(self):
        return self._keras_build_fn

    def _make_optimizer(self) -> keras.optimizers.Optimizer:
        opt, lr = self.optimizer, self.learning_rate
        kwargs = {}
        if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
            # A copy per fit, like the optimizer itself.
            kwargs["learning_rate"] = type(lr).from_config(lr.get_config())
        elif lr is not None:
            if not isinstance(lr, Real) or lr <= 0:
                raise ValueError(
                    f"learning_rate must be a positive number, a "
                    f"keras.optimizers.schedules.LearningRateSchedule or None; "
                    f"got {lr!r}."
                )
            kwargs["learning_rate"] = float(lr)
        if isinstance(opt, keras.optimizers.Optimizer):
            config = opt.get_config()
            own = config.get("learning_rate")
            if lr is not None and isinstance(own, dict):
                raise ValueError(
                    f"The optimizer has its own learning-rate schedule "
                    f"({own.get('class_name', 'a schedule')}), which "
                    f"learning_rate={lr!r} would replace. Pass learning_rate=None "
                    "to train with the optimizer's schedule, or give the schedule "
                    "as learning_rate with a plain optimizer "
                    "(optimizer='adam', learning_rate=schedule)."
                )
            config.update(kwargs)
            return type(opt).from_config(config)
        if isinstance(opt, str):
            try:
                opt = type(keras.optimizers.get(opt))
            except ValueError:
                raise ValueError(
                    f"Unknown optimizer {self.optimizer!r}. Use a name such as 'sgd', "
                    "'adam' or 'rmsprop', or a keras.optimizers.Optimizer."
                ) from None
        if not (isinstance(opt, type) and issubclass(opt, keras.optimizers.Optimizer)):
            raise TypeError(
                "optimizer must be a name, a keras.optimizers.Optimizer class or "
                f"instance; got {self.optimizer!r}."
            )
        if issubclass(opt, keras.optimizers.SGD):
            kwargs["momentum"] = float(self.momentum)
        return opt(**kwargs)

    def _compile_optimizer(self) -> keras.optimizers.Optimizer:
        optimizer = self._make_optimizer()
        if self.dtype_policy == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            # float16 gradients underflow without loss scaling (bfloat16 has
            # float32's exponent range and needs none).
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def _get_compile_kwargs(self) -> dict:
        return {
            "optimizer": self._compile_optimizer(),
            "loss": _LOSS,
            # An explicit metric object: the "accuracy" string compiles to a
            # wrapper whose tf.cond branches stay registered in TensorFlow's
            # context after the network is gone, leaking ~2 MB per fit.
            "metrics": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            "steps_per_execution": _STEPS_PER_EXECUTION,
        }

    def _keras_build_fn(self, compile_kwargs: dict) -> keras.Model:
        inputs = keras.Input(shape=self.image_shape_, name="image")
        body = self._layers()
        pad = _padding_to_fit(body, self.image_shape_)
        if pad is not None:
            body.insert(0, layers.ZeroPadding2D(pad, name="pad_to_minimum_size"))
        body.insert(0, layers.Rescaling(self.pixel_scale_, name="pixel_scale"))
        x = inputs
        for layer in body:
            layer.dtype_policy = self.dtype_policy
            x = layer(x)
        # float32 probabilities (and loss) whatever the hidden layers compute in.
        outputs = layers.Dense(
            self.n_classes_, activation="softmax", dtype="float32", name="classes"
        )(x)
        model = keras.Model(inputs, outputs, name=type(self).__name__)
        model.compile(**compile_kwargs)
        return model

    def _initialize(self, X, y=None):
        # One seed per network: drawn when it is built, reused by warm starts.
        self._seed_ = _draw_seed(self.random_state)
        return super()._initialize(X, y)

    def _build_keras_model(self):
        self._random_state = None  # seeding is ours: see _seeded
        # A new network: let TensorFlow drop the kernels it instantiated for
        # earlier ones (their traced functions), so that memory stays flat
        # over a grid search.  Only here: continuing to train a network
        # (partial_fit, warm_start) keeps its kernels (_set_tf_global_seed).
        tf_context.context().clear_kernel_cache()
        with _seeded(self._seed_):
            return super()._build_keras_model()

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
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
            Weights of the samples in the loss.
        **kwargs : dict
            Extra arguments for :meth:`keras.Model.fit`.

        Returns
        -------
        self : estimator instance
            The fitted estimator.
        """
        self._check_training_params()
        if not (self.warm_start and self.initialized_):
            return super().fit(X, y, sample_weight=sample_weight, **kwargs)
        self._check_network_policy()
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
            Weights of the samples in the loss.
        **kwargs : dict
            Extra arguments for :meth:`keras.Model.fit`.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        self._check_training_params()
        if self.initialized_:
            self._check_network_policy()
        return super().partial_fit(
            X, y, classes=classes, sample_weight=sample_weight, **kwargs
        )

    def _check_training_params(self) -> None:
        checks = {
            "epochs": (self.epochs, Integral, 1),
            "batch_size": (self.batch_size, Integral, 1),
            "n_iter_no_change": (self.n_iter_no_change, Integral, 1),
            "momentum": (self.momentum, Real, 0),
            "tol": (self.tol, Real, 0),
        }
        if not isinstance(self.dtype_policy, str) or (
            self.dtype_policy not in DTYPE_POLICIES
        ):
            raise ValueError(
                f"dtype_policy must be one of {', '.join(map(repr, DTYPE_POLICIES))}; "
                f"got {self.dtype_policy!r}."
            )
        warn_if_onednn_missed(stacklevel=3)
        if (
            self.dtype_policy == "mixed_bfloat16"
            and _policies.cpu_has_native_bf16() is False
            and not tf.config.list_logical_devices("GPU")
        ):
            warnings.warn(
                "dtype_policy='mixed_bfloat16' on a CPU without native bfloat16 "
                "(AVX512-BF16 or AMX): TensorFlow emulates it, which trains "
                "slower than float32 (a CIFAR-10 MLP epoch took 1.8x as long on "
                "an AVX2-only CPU). Use dtype_policy='float32' on this machine.",
                UserWarning,
                stacklevel=3,
            )
        for name, (value, kind, low) in checks.items():
            if isinstance(value, bool) or not isinstance(value, kind) or value < low:
                what = "an int" if kind is Integral else "a number"
                raise ValueError(f"{name} must be {what} >= {low}; got {value!r}.")

    def _check_network_policy(self) -> None:
        # Training on reuses the network, which keeps the policy it was built with.
        built = self.model_.get_layer("pixel_scale").dtype_policy.name
        if built != self.dtype_policy:
            raise ValueError(
                f"The network was built with dtype_policy={built!r}; training it "
                f"on cannot switch it to {self.dtype_policy!r}. Set "
                f"dtype_policy={built!r} to continue training, or "
                "warm_start=False to build a new network."
            )

    def _validation_split(self) -> float:
        frac = self.validation_fraction
        if frac is None:
            return 0.1 if self.early_stopping else 0.0
        if not isinstance(frac, Real) or not 0 <= frac < 1:
            raise ValueError(
                f"validation_fraction must be in [0, 1) or None; got {frac!r}."
            )
        if self.early_stopping and frac == 0:
            raise ValueError(
                "early_stopping=True needs held-out data: set validation_fraction "
                "> 0 (or None for 0.1)."
            )
        return float(frac)

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        self._random_state = None  # seeding is ours: see _seeded
        callbacks = list(self._fit_callbacks)
        frac = self._validation_split()
        if frac:
            X, y, sample_weight, kwargs["validation_data"] = self._hold_out(
                X, y, sample_weight, frac
            )
        if self.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    min_delta=self.tol,
                    patience=self.n_iter_no_change,
                    restore_best_weights=True,
                )
            )
        steps = epochs * -(-len(y) // self.batch_size)  # checked in fit
        self._choose_execution(steps)
        # Before the first trace, and again after unpickling or loading (which
        # rebuild Keras' own optimizer): same arithmetic, fewer ops per step.
        fuse_adam_updates(self.model_.optimizer)
        saved, self._fit_callbacks = self._fit_callbacks, callbacks
        try:
            seed = None if self._seed_ is None else self._seed_ + initial_epoch
            with _seeded(seed):
                feed = self._batch_feed(X, y, sample_weight, kwargs, seed)
                if feed is not None:
                    X, y, sample_weight = feed.placeholder_dataset(), None, None
                    kwargs["shuffle"] = False
                    keras_function, self.model_.train_function = (
                        self.model_.train_function,
                        feed,
                    )
                try:
                    super()._fit_keras_model(
                        X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
                    )
                finally:
                    if feed is not None:
                        self.model_.train_function = keras_function
        except KeyboardInterrupt:
            # Ctrl-C mid-fit: keep the network with the weights so far and the
            # epochs it completed in history_, so the estimator stays usable.
            self._record_history(self.model_.history, warm_start, initial_epoch)
            raise
        finally:
            self._fit_callbacks = saved
        return self

    def _batch_feed(
        self, X, y, sample_weight, fit_kwargs: dict, seed: int | None
    ) -> GraphBatches | None:
        """Batches gathered inside the traced step, or None for Keras' feed.

        The training arrays go into the graph once per fit and each step
        cuts its batch from them by index (:mod:`sk_lenet._batches`): no
        ``tf.data`` hand-over per step.  The sample order is drawn anew
        every epoch, reproducibly from ``seed`` (under a global seed Keras'
        own array shuffle repeats the first epoch's order in every later
        epoch).  Keras' own feed where it is asked for: ``shuffle`` other
        than True or False, Keras' ``class_weight``, ``validation_split`` or
        ``steps_per_epoch`` passed to ``fit``, or ``jit_compile``.
        """
        shuffle = fit_kwargs.get("shuffle", self.shuffle)
        keras_only = {"class_weight", "validation_split", "steps_per_epoch"}
        if (
            keras_only & fit_kwargs.keys()
            or not isinstance(shuffle, bool | np.bool_)
            or self.model_.jit_compile is True
        ):
            return None
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        return GraphBatches(self.model_, arrays, self.batch_size, bool(shuffle), seed)

    def _choose_execution(self, steps: int) -> None:
        """Train eagerly or through a traced graph, with the same arithmetic.

        Tracing a new network's training step costs ~0.2-0.8 s, so its first
        fit of a few steps (tiny data) runs faster eagerly.  Every later fit
        of that network (``partial_fit``, ``warm_start``) traces: Keras keeps
        a network's training and evaluation functions for every later fit,
        and with the network's variables and kernels in place the trace
        costs about one eager call, while each traced call after it is
        faster (a one-batch LeNet-5 ``partial_fit`` through Keras' array
        pipeline: ~75 ms traced, ~110 ms eager).  A traced network stays
        traced.
        """
        model = self.model_
        if model.train_function is None and not has_runner(model):
            model.run_eagerly = steps <= _EAGER_MAX_STEPS
        elif model.run_eagerly:
            model.run_eagerly = False
            model.train_function = model.test_function = None

    def _record_history(self, keras_history, warm_start, initial_epoch) -> None:
        # What scikeras does after a completed Model.fit, for an interrupted one.
        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in getattr(keras_history, "history", {}).items():
            self.history_[key] += values

    def _hold_out(self, X, y, sample_weight, frac):
        n_classes = len(np.unique(y))
        n_val = int(np.ceil(frac * len(y)))
        stratify = y if n_classes <= n_val and len(y) - n_val >= n_classes else None
        idx_train, idx_val = train_test_split(
            np.arange(len(y)),
            test_size=frac,
            stratify=stratify,
            random_state=self._seed_,
        )
        val = (X[idx_val], y[idx_val])
        if sample_weight is not None:
            val = (*val, sample_weight[idx_val])
            sample_weight = sample_weight[idx_train]
        return X[idx_train], y[idx_train], sample_weight, val

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _predict_raw(self, X, **kwargs):
        # Call the network on chunks directly: Model.predict builds a data
        # pipeline and traces a function on every call (~0.2 s), which
        # dominates predicting a few images.
        X, _ = self._validate_data(X=X)  # raises NotFittedError first
        X = self.feature_encoder_.transform(X)
        if kwargs:
            return self.model_.predict(X, verbose=self.verbose, **kwargs)
        forward = _forward_pass(self.model_, X)
        return np.concatenate(
            [
                keras.ops.convert_to_numpy(forward(chunk))
                for chunk in self._predict_chunks(X)
            ]
        )

    def _predict_chunks(self, X) -> list:
        """``X`` cut into the batches the network predicts on.

        Chunks of (nearly) equal size, at most ``max(batch_size, 2048)``:
        each new batch shape costs oneDNN a new set of kernels on its first
        call.
        """
        step = max(int(self.batch_size or 0), _PREDICT_CHUNK)
        return np.array_split(X, -(-len(X) // step))

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
        # Overridden for this docstring: scikeras' says no scorer is defined.
        return super().score(X, y, sample_weight=sample_weight)


_fill_docstring(ImageClassifierBase, set())


def _padding_to_fit(body: list, image_shape: tuple) -> tuple | None:
    """Zero padding that lets ``body`` take images of ``image_shape``.

    Images smaller than the network's smallest input (LeNet-5 needs 16×16,
    say, for the bundled 8×8 digits) are centred on a zero canvas of that
    size, as the 1998 LeNet-5 paper did to MNIST.  Returns None when the
    images are big enough.
    """
    h, w, c = image_shape

    def fits(height: int, width: int) -> bool:
        shape = (None, height, width, c)
        for layer in body:
            if isinstance(layer, layers.Flatten):
                return True
            try:
                shape = layer.compute_output_shape(shape)
            except ValueError:
                return False
            if any(d is not None and d <= 0 for d in shape[1:3]):
                return False
        return True

    if fits(h, w):
        return None
    big = 4 * max(h, w, 64)
    need_h = next(s for s in range(h, big) if fits(s, big))
    need_w = next(s for s in range(w, big) if fits(big, s))
    ph, pw = need_h - h, need_w - w
    return ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))


# keras.Model -> {(dtype, image shape): traced inference graph}, alive as long
# as the network is.
_TRACED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _forward_pass(model: keras.Model, X: np.ndarray):
    """The fastest inference call of ``model`` for a batch like ``X``.

    Eager below ``_TRACE_MIN_IMAGES`` images, else a traced graph, one per
    network, input dtype and image shape.  The choice depends on the call
    alone, so the same images always get the same probabilities, whatever was
    predicted before.  Fitted networks are rebuilt (fit, unpickling,
    load_model) rather than changed in place, so the cache needs no
    invalidation; a warm start trains the same variables, which a traced
    graph reads on every call.
    """
    if len(X) < _TRACE_MIN_IMAGES:
        return lambda chunk: model(chunk, training=False)
    traced = _TRACED.setdefault(model, {})
    key = (X.dtype.str, X.shape[1:])
    if key not in traced:
        network = weakref.ref(model)  # the cache must not keep its key alive
        traced[key] = tf.function(
            lambda chunk: network()(chunk, training=False),
            input_signature=[tf.TensorSpec((None, *X.shape[1:]), X.dtype)],
        )
    return traced[key]
