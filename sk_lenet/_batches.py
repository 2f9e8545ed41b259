"""How a fit feeds its batches and whether it runs eagerly or traced.

:func:`batch_feed` picks the feed: :class:`GraphBatches`, training batches cut
from the training arrays inside the traced step, or Keras' own.
:func:`choose_execution` picks eager or traced execution for a network.

Keras feeds ``fit`` through a ``tf.data`` iterator: every training step asks
it for the next batch, and every ``fit`` call builds that pipeline anew.
Here the training arrays go into the graph once per fit, as tensors, and each
step gathers its batch from them by index, inside the same traced loop that
runs ``steps_per_execution`` steps.  The step itself is Keras'
``model.train_step``; Keras' ``fit`` still runs the epochs, callbacks,
progress bar, history and validation, and calls this object where it would
call its own training function.

Private Keras name replaced, for speed: the network's ``train_function``, for
the length of one fit (restored afterwards).  Measured on the 2-core CI
machine (``benchmarks/probes/private_patches.py``, medians of 5, 4 sessions
sharing the cores): 50 seeded one-batch LeNet-5 ``partial_fit`` calls 2.94x
faster (6.6 s against 19.2 s with Keras' feed); a 2-epoch LeNet-5 fit on the
60000 MNIST training images 1.12x and 1.24x (two runs), so the gain that keeps
it is ``partial_fit``'s.
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

from contextlib import contextmanager

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "EAGER_MAX_STEPS",
    "GraphBatches",
    "batch_feed",
    "choose_execution",
    "feeding",
    "steps_per_epoch",
]

EAGER_MAX_STEPS = 8  # a new network's first fit of at most this many steps is eager
# Where a network keeps its step loops, set past Keras' attribute tracking
# (as Keras keeps ``train_function``): they go when the network goes.
_RUNNERS = "_sk_lenet_batch_runners"


def steps_per_epoch(n: int, batch_size: int, drop_partial: bool = False) -> int:
    """Training steps of one epoch over ``n`` samples.

    The last batch takes the rest, unless ``drop_partial``: then only whole
    batches train (at least one), as airbench94's loader does.  The samples
    left out are a different few every epoch, the order being drawn anew.
    """
    if drop_partial and n >= batch_size:
        return n // batch_size
    return -(-n // batch_size)


def has_runner(model: keras.Model) -> bool:
    """Whether ``model`` has trained through a :class:`GraphBatches` loop."""
    return bool(model.__dict__.get(_RUNNERS))


def batch_feed(
    model: keras.Model,
    arrays: tuple,
    batch_size: int,
    shuffle,
    fit_kwargs: dict,
    seed: int | None,
    drop_partial: bool = False,
) -> GraphBatches | None:
    """Batches gathered inside the traced step, or None for Keras' feed.

    The training arrays go into the graph once per fit and each step cuts its
    batch from them by index: no ``tf.data`` hand-over per step.  The sample
    order is drawn anew every epoch, reproducibly from ``seed`` (under a
    global seed Keras' own array shuffle repeats the first epoch's order in
    every later epoch).  Keras' own feed where it is asked for: ``shuffle``
    other than True or False, Keras' ``class_weight``, ``validation_split``
    or ``steps_per_epoch`` passed to ``fit``, or ``jit_compile``.

    Parameters
    ----------
    model : keras.Model
        The compiled network.
    arrays : tuple of ndarray
        ``(X, y)`` or ``(X, y, sample_weight)``.
    batch_size : int
        Samples per step.
    shuffle : bool or str
        The estimator's ``shuffle``, unless ``fit_kwargs`` has one.
    fit_kwargs : dict
        The extra arguments for :meth:`keras.Model.fit`.
    seed : int or None
        Seed of the epochs' sample orders.
    drop_partial : bool, default=False
        Train on whole batches only (:func:`steps_per_epoch`); Keras' own
        feed keeps the partial batch.

    Returns
    -------
    GraphBatches or None
        The feed, or None where Keras' own is used.
    """
    shuffle = fit_kwargs.get("shuffle", shuffle)
    keras_only = {"class_weight", "validation_split", "steps_per_epoch"}
    if (
        keras_only & fit_kwargs.keys()
        or not isinstance(shuffle, bool | np.bool_)
        or model.jit_compile is True
    ):
        return None
    return GraphBatches(model, arrays, batch_size, bool(shuffle), seed, drop_partial)


@contextmanager
def feeding(
    model: keras.Model,
    arrays: tuple,
    batch_size: int,
    shuffle,
    fit_kwargs: dict,
    seed: int | None,
    drop_partial: bool = False,
):
    """Let Keras' ``fit`` train through :func:`batch_feed`'s feed, if any.

    Parameters
    ----------
    model, batch_size, shuffle, fit_kwargs, seed, drop_partial
        As for :func:`batch_feed`; ``fit_kwargs`` gets ``shuffle=False``
        where the feed shuffles.
    arrays : tuple
        ``(X, y, sample_weight)``; ``sample_weight`` may be None.

    Yields
    ------
    tuple
        The ``(x, y, sample_weight)`` to pass to Keras' ``fit``: a
        placeholder dataset while the network's ``train_function`` is the
        feed (restored afterwards), or ``arrays`` unchanged.
    """
    X, y, sample_weight = arrays
    given = (X, y) if sample_weight is None else arrays
    feed = batch_feed(model, given, batch_size, shuffle, fit_kwargs, seed, drop_partial)
    if feed is None:
        yield arrays
        return
    fit_kwargs["shuffle"] = False
    keras_function, model.train_function = model.train_function, feed
    try:
        yield feed.placeholder_dataset(), None, None
    finally:
        model.train_function = keras_function


def choose_execution(model: keras.Model, steps: int) -> None:
    """Train eagerly or through a traced graph, with the same arithmetic.

    Tracing a new network's training step costs ~0.2-0.8 s, so its first fit
    of a few steps (tiny data) runs faster eagerly.  Every later fit of that
    network (``partial_fit``, ``warm_start``) traces: Keras keeps a network's
    training and evaluation functions for every later fit, and with the
    network's variables and kernels in place the trace costs about one eager
    call, while each traced call after it is faster (a one-batch LeNet-5
    ``partial_fit`` through Keras' array pipeline: ~75 ms traced, ~110 ms
    eager).  A traced network stays traced.

    Parameters
    ----------
    model : keras.Model
        The compiled network, about to train.
    steps : int
        Training steps of this fit.
    """
    if model.train_function is None and not has_runner(model):
        model.run_eagerly = steps <= EAGER_MAX_STEPS
    elif model.run_eagerly:
        model.run_eagerly = False
        model.train_function = model.test_function = None


class GraphBatches:
    """Keras' training function for one fit, batches gathered in the graph.

    Parameters
    ----------
    model : keras.Model
        The compiled network; its ``run_eagerly`` says whether the loop is
        traced.
    arrays : tuple of ndarray
        ``(X, y)`` or ``(X, y, sample_weight)``, the same length.
    batch_size : int
        Samples per step; the last batch of an epoch takes the rest.
    shuffle : bool
        Draw a new sample order every epoch (else the arrays' order).
    seed : int or None
        Seed of the orders: the same seed, the same sequence of orders.
    drop_partial : bool, default=False
        Leave the last, partial batch of each epoch out
        (:func:`steps_per_epoch`).

    Attributes
    ----------
    num_batches : int
        Steps per epoch.
    """

    def __init__(
        self,
        model: keras.Model,
        arrays: tuple,
        batch_size: int,
        shuffle: bool,
        seed: int | None,
        drop_partial: bool = False,
    ) -> None:
        self._model = model
        self._tensors = tuple(tf.convert_to_tensor(a) for a in arrays)
        self._n = len(arrays[0])
        self._size = int(batch_size)
        self.num_batches = steps_per_epoch(self._n, self._size, drop_partial)
        self._rng = np.random.default_rng(seed) if shuffle else None
        self._position = 0  # the next step within the epoch
        self._order = None
        self._run = _runner(model, self._tensors, self._size)

    def placeholder_dataset(self) -> tf.data.Dataset:
        """What Keras' ``fit`` iterates: one batch repeated, never read.

        It gives Keras the number of steps per epoch and the batch structure;
        no background thread, since nothing is prefetched.
        """
        first = tuple(t[: self._size] for t in self._tensors)
        options = tf.data.Options()
        options.autotune.enabled = False
        options.experimental_optimization.inject_prefetch = False
        return (
            tf.data.Dataset.from_tensors(first)
            .repeat(self.num_batches)
            .with_options(options)
        )

    def draw_order(self) -> np.ndarray:
        """The sample order of the next epoch (called once per epoch)."""
        if self._rng is None:
            return np.arange(self._n)
        return self._rng.permutation(self._n)

    def __call__(self, iterator) -> dict:
        """Run the next ``steps_per_execution`` steps; Keras' logs of the last."""
        del iterator  # Keras' iterator over the placeholder batches
        if self._position == 0:
            self._order = tf.constant(self.draw_order(), tf.int64)
        left = self.num_batches - self._position
        count = min(int(self._model.steps_per_execution), left)
        logs = self._run(
            self._tensors,
            self._order,
            tf.constant(self._position, tf.int64),
            tf.constant(count, tf.int64),
        )
        self._position = (self._position + count) % self.num_batches
        return logs


def _runner(model: keras.Model, tensors: tuple, size: int):
    """The loop of ``count`` steps from step ``start``: traced once per network.

    Eager networks (``run_eagerly``) run the same loop without tracing.
    """
    eager = bool(model.run_eagerly)
    specs = tuple(tf.TensorSpec((None, *t.shape[1:]), t.dtype) for t in tensors)
    key = (eager, size, specs)
    runners = model.__dict__.setdefault(_RUNNERS, {})
    if key in runners:
        return runners[key]

    train_step = model.train_step
    if not eager:
        # The step as a function of its own, called from the loop (as Keras
        # nests it): TensorFlow then drops the loop's graphs with the network;
        # inlined, they stayed registered after it, ~1.7 MB a network.
        train_step = tf.function(train_step, input_signature=(specs,), autograph=False)

    def step(tensors, order, i):
        idx = order[i * size : (i + 1) * size]
        return train_step(tuple(tf.gather(t, idx) for t in tensors))

    def run(tensors, order, start, count):
        logs = step(tensors, order, start)
        _, logs = tf.while_loop(
            lambda i, _: i < start + count,
            lambda i, _: (i + 1, step(tensors, order, i)),
            (start + 1, logs),
        )
        return logs

    if not eager:
        run = tf.function(
            run,
            input_signature=(
                specs,
                tf.TensorSpec((None,), tf.int64),
                tf.TensorSpec((), tf.int64),
                tf.TensorSpec((), tf.int64),
            ),
            autograph=False,
        )
    runners[key] = run
    return run
