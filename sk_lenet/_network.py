"""The network of an estimator: its layers between the shared input scaling
(and padding, for images too small for it) and softmax head, its optimizer
and its compile step."""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import keras
from keras import layers

__all__ = [
    "LOSS",
    "build",
    "check_policy",
    "check_schedule_clash",
    "compile_kwargs",
]

LOSS = "sparse_categorical_crossentropy"
# Training steps per call into the compiled graph: Keras dispatches each call
# from Python, a large share of a small network's step on CPU.  Same weights,
# bit for bit (LeNet-5 epoch 0.77x).  Batch-level callback hooks fire every N
# steps; epoch-level ones are unchanged.
STEPS_PER_EXECUTION = 32


def compile_kwargs(estimator) -> dict:
    """The arguments of :meth:`keras.Model.compile` for ``estimator``."""
    return {
        "optimizer": make_optimizer(estimator),
        "loss": LOSS,
        # An explicit metric object: the "accuracy" string compiles to a
        # wrapper whose tf.cond branches stay registered in TensorFlow's
        # context after the network is gone, leaking ~2 MB per fit.
        "metrics": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        "steps_per_execution": STEPS_PER_EXECUTION,
    }


def build(estimator, body: list, compile_kwargs: dict) -> keras.Model:
    """The compiled network: input, scaling, (padding,) ``body``, softmax.

    Parameters
    ----------
    estimator : ImageClassifierBase
        Gives ``image_shape_``, ``pixel_scale_``, ``n_classes_`` and
        ``dtype_policy``.
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
    x = inputs
    for layer in body:
        layer.dtype_policy = estimator.dtype_policy
        x = layer(x)
    # float32 probabilities (and loss) whatever the hidden layers compute in.
    outputs = layers.Dense(
        estimator.n_classes_, activation="softmax", dtype="float32", name="classes"
    )(x)
    model = keras.Model(inputs, outputs, name=type(estimator).__name__)
    model.compile(**compile_kwargs)
    return model


def make_optimizer(estimator) -> keras.optimizers.Optimizer:
    """A new optimizer for one fit (the parameters are already validated).

    An instance is copied, never shared between fits; ``learning_rate``
    replaces its rate unless None; a schedule is copied too.  Loss scaling
    wraps it for ``mixed_float16``: float16 gradients underflow without it
    (bfloat16 has float32's exponent range and needs none).
    """
    optimizer, learning_rate = estimator.optimizer, estimator.learning_rate
    kwargs = {}
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
        optimizer = optimizer(**kwargs)
    if estimator.dtype_policy == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def check_schedule_clash(optimizer, learning_rate) -> None:
    """Refuse a ``learning_rate`` that would replace an optimizer instance's
    own schedule."""
    if learning_rate is None or not isinstance(optimizer, keras.optimizers.Optimizer):
        return
    own = optimizer.get_config().get("learning_rate")
    if isinstance(own, dict):
        raise ValueError(
            f"The optimizer has its own learning-rate schedule "
            f"({own.get('class_name', 'a schedule')}), which "
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
