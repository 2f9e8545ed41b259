"""The network of an estimator: its layers between the shared input
augmentation, scaling (and padding, for images too small for it) and softmax
head, its optimizer, learning-rate schedule, loss and compile step."""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import keras
from keras import layers

from sk_lenet import _batches

__all__ = [
    "AUGMENT_PRESETS",
    "LOSS",
    "LR_SCHEDULES",
    "MIRRORING_PRESETS",
    "SmoothedSparseCategoricalCrossentropy",
    "TriangularSchedule",
    "augmentation",
    "build",
    "check_policy",
    "check_schedule_clash",
    "compile_kwargs",
    "conv",
    "install_schedule",
    "named_schedule",
]

LOSS = "sparse_categorical_crossentropy"
#: ``augment``'s named presets (see :func:`augmentation`).
AUGMENT_PRESETS = ("digits", "colour", "airbench")
#: The presets that mirror images: for photographs, not for digits.
MIRRORING_PRESETS = ("colour", "airbench")
#: ``lr_schedule``'s names (see :func:`named_schedule`).
LR_SCHEDULES = ("constant", "cosine", "onecycle", "triangular")
# "onecycle": the share of the steps spent warming up, and the rate it starts
# from as a fraction of learning_rate (PyTorch's OneCycleLR: 0.3 and 1/25).
ONECYCLE_WARMUP = 0.25
ONECYCLE_START = 1 / 25
# "triangular" (airbench94's): the share of the steps spent warming up, and the
# start and end rates as fractions of learning_rate, both ends linear.
TRIANGULAR_WARMUP = 0.23
TRIANGULAR_START = 0.2
TRIANGULAR_END = 0.07
# Training steps per call into the compiled graph: Keras dispatches each call
# from Python, a large share of a small network's step on CPU.  Same weights,
# bit for bit (LeNet-5 epoch 0.77x).  Batch-level callback hooks fire every N
# steps; epoch-level ones are unchanged.
STEPS_PER_EXECUTION = 32


def compile_kwargs(estimator) -> dict:
    """The arguments of :meth:`keras.Model.compile` for ``estimator``."""
    smoothing = estimator.label_smoothing
    return {
        "optimizer": make_optimizer(estimator),
        "loss": SmoothedSparseCategoricalCrossentropy(smoothing) if smoothing else LOSS,
        # An explicit metric object: the "accuracy" string compiles to a
        # wrapper whose tf.cond branches stay registered in TensorFlow's
        # context after the network is gone, leaking ~2 MB per fit.
        "metrics": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        "steps_per_execution": STEPS_PER_EXECUTION,
    }


def build(estimator, body: list, compile_kwargs: dict) -> keras.Model:
    """The compiled network: input, (augmentation,) scaling, (padding,)
    ``body``, softmax.

    Parameters
    ----------
    estimator : ImageClassifierBase
        Gives ``image_shape_``, ``pixel_scale_``, ``n_classes_``,
        ``augment`` and ``dtype_policy``.
    body : list of keras.layers.Layer
        The network's own layers (its ``_layers()``).
    compile_kwargs : dict
        For :meth:`keras.Model.compile`.

    Returns
    -------
    keras.Model
        The compiled network.
    """
    inputs = keras.Input(shape=estimator.image_shape_, name="image")
    pad = padding_to_fit(body, estimator.image_shape_)
    if pad is not None:
        body.insert(0, layers.ZeroPadding2D(pad, name="pad_to_minimum_size"))
    body.insert(0, layers.Rescaling(estimator.pixel_scale_, name="pixel_scale"))
    # float32 probabilities (and loss) whatever the hidden layers compute in.
    head = layers.Dense(
        estimator.n_classes_, activation="softmax", dtype="float32", name="classes"
    )
    # Made after the layers with weights, so that their initial weights for a
    # seed are the same with and without augmentation.  They act on the raw
    # pixels, only while training (training=True); the presets in float32
    # whatever the policy.
    x = inputs
    for layer in augmentation(estimator.augment):
        x = layer(x)
    for layer in body:
        layer.dtype_policy = estimator.dtype_policy
        x = layer(x)
    outputs = head(x)
    model = keras.Model(inputs, outputs, name=type(estimator).__name__)
    model.compile(**compile_kwargs)
    return model


def augmentation(augment) -> list:
    """New random-augmentation layers for one network, from ``augment``.

    Keras' random preprocessing layers transform images only when called
    with ``training=True``: while fitting, never in ``predict``.  Each network
    gets new layers (a list given is copied from its layers' configs, never
    shared between fits or clones); under ``random_state`` they draw their
    seeds from the seeded network build.

    Parameters
    ----------
    augment : None, "digits", "colour", "airbench" or list of keras.layers.Layer
        The estimator's parameter (already validated).

    Returns
    -------
    list of keras.layers.Layer
        The layers, in order; empty for None.
    """
    if augment is None:
        return []
    if augment == "digits":  # small distortions of a centred digit
        fill = {"fill_mode": "constant", "dtype": "float32"}
        return [
            layers.RandomRotation(10 / 360, **fill, name="augment_rotate"),
            layers.RandomTranslation(0.1, 0.1, **fill, name="augment_shift"),
            layers.RandomZoom(0.1, **fill, name="augment_zoom"),
        ]
    if augment in MIRRORING_PRESETS:  # mirror, shift whole pixels (pad-crop)
        shift = 4 / 32 if augment == "colour" else 2 / 32
        return [
            layers.RandomFlip("horizontal", dtype="float32", name="augment_flip"),
            layers.RandomTranslation(
                shift,
                shift,
                fill_mode="reflect",
                interpolation="nearest",
                dtype="float32",
                name="augment_shift",
            ),
        ]
    return [type(layer).from_config(layer.get_config()) for layer in augment]


def conv(
    filters: int,
    kernel_size,
    activation,
    batch_norm: bool,
    *,
    separate_activation: bool = False,
    **conv_kwargs,
) -> list:
    """A convolution and its activation, batch-normalized between the two
    when ``batch_norm``.

    Without ``batch_norm`` these are the tutorials' own layers: the activation
    inside the ``Conv2D``, or an ``Activation`` layer after it with
    ``separate_activation``.  With it: ``Conv2D`` (no bias: the normalization
    has its own offset), ``BatchNormalization``, ``Activation``.

    Parameters
    ----------
    filters : int
        Filters of the convolution.
    kernel_size : int or tuple of int
        Its kernel size.
    activation : str or callable
        The activation.
    batch_norm : bool
        Insert ``BatchNormalization`` before the activation.
    separate_activation : bool, default=False
        Without ``batch_norm``: the activation as a layer of its own.
    **conv_kwargs : dict
        More arguments of ``Conv2D`` (``padding``, ...).

    Returns
    -------
    list of keras.layers.Layer
        The layers, in order.
    """
    if batch_norm:
        return [
            layers.Conv2D(filters, kernel_size, use_bias=False, **conv_kwargs),
            layers.BatchNormalization(),
            layers.Activation(activation),
        ]
    if separate_activation:
        return [
            layers.Conv2D(filters, kernel_size, **conv_kwargs),
            layers.Activation(activation),
        ]
    return [layers.Conv2D(filters, kernel_size, activation=activation, **conv_kwargs)]


@keras.saving.register_keras_serializable(package="sk_lenet")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer labels with label smoothing.

    Keras' ``SparseCategoricalCrossentropy`` has no ``label_smoothing``: the
    labels are one-hot encoded for
    :func:`keras.losses.categorical_crossentropy`, which has.  Registered, so
    networks compiled with it load back (pickle, ``load_model``).

    Parameters
    ----------
    label_smoothing : float in [0, 1)
        Share of each label's weight spread evenly over all classes.
    name : str, default="smoothed_sparse_categorical_crossentropy"
        The loss's name.
    reduction : str, default="sum_over_batch_size"
        Keras' reduction of the per-sample losses.
    dtype : str or None, default=None
        Keras' dtype of the loss computation.
    """

    def __init__(
        self,
        label_smoothing: float = 0.0,
        name: str = "smoothed_sparse_categorical_crossentropy",
        reduction: str = "sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        labels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1,))
        one_hot = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(
            keras.ops.cast(one_hot, y_pred.dtype),
            y_pred,
            label_smoothing=self.label_smoothing,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def named_schedule(
    name: str, learning_rate: float, total_steps: int
) -> keras.optimizers.schedules.LearningRateSchedule | None:
    """The Keras schedule ``lr_schedule=name`` means over ``total_steps``.

    Parameters
    ----------
    name : {"constant", "cosine", "onecycle", "triangular"}
        ``"constant"``: None (the rate stays as it is).  ``"cosine"``: cosine
        decay from ``learning_rate`` to 0 over all steps.  ``"onecycle"``: a
        linear warm-up over the first quarter of the steps from
        ``learning_rate / 25`` to ``learning_rate``, then cosine decay to 0.
        ``"triangular"``: :class:`TriangularSchedule`.
    learning_rate : float
        The peak rate.
    total_steps : int
        Gradient steps of the whole training.

    Returns
    -------
    keras.optimizers.schedules.LearningRateSchedule or None
        The schedule, or None for ``"constant"``.
    """
    if name == "constant":
        return None
    total = max(int(total_steps), 1)
    if name == "triangular":
        return TriangularSchedule(learning_rate, total)
    if name == "cosine":
        return keras.optimizers.schedules.CosineDecay(learning_rate, total)
    warmup = max(1, round(ONECYCLE_WARMUP * total))
    return keras.optimizers.schedules.CosineDecay(
        learning_rate * ONECYCLE_START,
        decay_steps=max(total - warmup, 1),
        warmup_target=learning_rate,
        warmup_steps=warmup,
    )


@keras.saving.register_keras_serializable(package="sk_lenet")
class TriangularSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """airbench94's learning rate: linear up, then linear down.

    From ``0.2 * peak`` to ``peak`` over the first 23% of ``total_steps``,
    then down to ``0.07 * peak`` at ``total_steps``, where it stays.
    Registered, so networks trained with it load back.

    Parameters
    ----------
    peak : float
        The highest rate.
    total_steps : int
        Gradient steps of the whole training.
    """

    def __init__(self, peak: float, total_steps: int):
        self.peak, self.total_steps = float(peak), int(total_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warmup = max(1.0, round(TRIANGULAR_WARMUP * self.total_steps))
        down = max(self.total_steps - warmup, 1.0)
        up = keras.ops.minimum(step / warmup, 1.0)
        past = keras.ops.clip((step - warmup) / down, 0.0, 1.0)
        fraction = (
            TRIANGULAR_START + (1 - TRIANGULAR_START) * up - (1 - TRIANGULAR_END) * past
        )
        return self.peak * fraction

    def get_config(self) -> dict:
        return {"peak": self.peak, "total_steps": self.total_steps}


def install_schedule(estimator, n_samples: int) -> None:
    """Lay ``estimator.lr_schedule`` over the training of a new network.

    Sized from ``epochs`` and the steps per epoch of ``n_samples`` training
    samples (after the validation hold-out), when the network's optimizer has
    taken no step yet: a warm start or a later ``partial_fit`` continues
    along the schedule of the network's first fit.  The peak rate is the
    optimizer's rate (``learning_rate``, or the optimizer's own when None).

    Parameters
    ----------
    estimator : ImageClassifierBase
        Its ``model_`` is compiled; gives ``lr_schedule``, ``epochs`` and
        ``batch_size``.
    n_samples : int
        Training samples of the first fit.
    """
    optimizer = estimator.model_.optimizer
    if estimator.lr_schedule == "constant" or int(optimizer.iterations):
        return
    rate = estimator.learning_rate  # a number here: check_schedule_clash
    if rate is None:  # the optimizer's own, as its float32 variable holds it
        rate = keras.ops.convert_to_numpy(optimizer.learning_rate)
    steps = estimator.epochs * _batches.steps_per_epoch(
        n_samples, estimator.batch_size, estimator._drop_partial_batch
    )
    optimizer.learning_rate = named_schedule(estimator.lr_schedule, float(rate), steps)


def make_optimizer(estimator) -> keras.optimizers.Optimizer:
    """A new optimizer for one fit (the parameters are already validated).

    An instance is copied, never shared between fits; ``learning_rate``
    replaces its rate unless None; a schedule is copied too.
    ``"nesterov"`` is SGD with Nesterov momentum.  An estimator with a
    ``weight_decay`` parameter (not None) sets the optimizer's decoupled
    weight decay.  Loss scaling wraps it for ``mixed_float16``: float16
    gradients underflow without it (bfloat16 has float32's exponent range
    and needs none).
    """
    optimizer, learning_rate = estimator.optimizer, estimator.learning_rate
    nesterov = optimizer == "nesterov"
    if nesterov:
        optimizer = "sgd"
    kwargs = {}
    if getattr(estimator, "weight_decay", None) is not None:
        kwargs["weight_decay"] = float(estimator.weight_decay)
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        kwargs["learning_rate"] = type(learning_rate).from_config(
            learning_rate.get_config()
        )
    elif learning_rate is not None:
        kwargs["learning_rate"] = float(learning_rate)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        config = {**optimizer.get_config(), **kwargs}
        optimizer = type(optimizer).from_config(config)
    else:
        if isinstance(optimizer, str):
            optimizer = type(keras.optimizers.get(optimizer))
        if issubclass(optimizer, keras.optimizers.SGD):
            kwargs["momentum"] = float(estimator.momentum)
            kwargs["nesterov"] = nesterov
        optimizer = optimizer(**kwargs)
    if estimator.dtype_policy == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def check_schedule_clash(optimizer, learning_rate, lr_schedule="constant") -> None:
    """Refuse two schedules at once: a ``learning_rate`` that would replace
    an optimizer instance's own schedule, or a named ``lr_schedule`` beside a
    schedule object."""
    schedule = keras.optimizers.schedules.LearningRateSchedule
    own = None
    if isinstance(optimizer, keras.optimizers.Optimizer):
        own = optimizer.get_config().get("learning_rate")
        own = own.get("class_name", "a schedule") if isinstance(own, dict) else None
    given = None
    if lr_schedule != "constant" and isinstance(learning_rate, schedule):
        given = f"learning_rate={type(learning_rate).__name__}(...)"
    elif lr_schedule != "constant" and learning_rate is None and own:
        given = f"the optimizer's own {own}"
    if given:
        raise ValueError(
            f"lr_schedule={lr_schedule!r} and {given} are two learning-rate "
            f"schedules. Use lr_schedule='constant' to train with the schedule "
            f"object, or give a float learning_rate (the peak rate) with "
            f"lr_schedule={lr_schedule!r}."
        )
    if learning_rate is None or not own:
        return
    raise ValueError(
        f"The optimizer has its own learning-rate schedule ({own}), which "
        f"learning_rate={learning_rate!r} would replace. Pass "
        "learning_rate=None to train with the optimizer's schedule, or give "
        "the schedule as learning_rate with a plain optimizer "
        "(optimizer='adam', learning_rate=schedule)."
    )


def check_policy(model: keras.Model, dtype_policy: str) -> None:
    """Refuse to train a network on under another dtype policy: it keeps the
    one it was built with."""
    built = model.get_layer("pixel_scale").dtype_policy.name
    if built != dtype_policy:
        raise ValueError(
            f"The network was built with dtype_policy={built!r}; training it on "
            f"cannot switch it to {dtype_policy!r}. Set dtype_policy={built!r} "
            "to continue training, or warm_start=False to build a new network."
        )


def padding_to_fit(body: list, image_shape: tuple) -> tuple | None:
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
