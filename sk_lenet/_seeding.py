"""``random_state`` seeding: bit-identical fits on CPU, no global side effects.

:func:`seeded` seeds Python, NumPy, TensorFlow and Keras for a block and
restores the caller's Python and NumPy random states afterwards.  It does
what ``keras.utils.set_random_seed`` does, less two things:

* it leaves TensorFlow's op determinism alone (CPU kernels are deterministic
  already).  scikeras' ``tensorflow_random_state`` switches it on, and a later
  unseeded fit in the same process then crashes;
* it sets TensorFlow's global seed through :func:`set_tf_global_seed`, which
  skips ``tf.random.set_seed``'s flush of the kernel cache.

Private names of Keras and TensorFlow it writes, and why:

* ``keras.src.backend.common.global_state``'s ``global_random_seed`` and
  ``keras.src.random.seed_generator.GLOBAL_SEED_GENERATOR``: Keras' global
  seed and the generator rebuilt from it (for correctness: what
  ``keras.utils.set_random_seed`` sets; ``tests/test_seeding.py`` checks the
  two stay in step);
* ``keras.src.random.seed_generator.python_random``: Keras draws layer seeds
  from the global ``random`` module, which other threads may draw from during
  a fit (a Dask worker's event loop does); for correctness, Keras gets a
  generator of its own for the block;
* TensorFlow's eager ``Context._seed`` / ``_rng``: see
  :func:`set_tf_global_seed`.  For speed: 50 seeded one-batch LeNet-5
  ``partial_fit`` calls run 6.75x faster than with ``tf.random.set_seed``
  (3.9 s against 26.5 s, medians of 3 on the 2-core CI machine shared by 4
  sessions; ``benchmarks/probes/private_patches.py``).
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import random
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import tensorflow as tf
from sklearn.utils import check_random_state
from tensorflow.python.eager import context as tf_context

__all__ = ["draw_seed", "seeded", "set_tf_global_seed"]


def draw_seed(random_state) -> int | None:
    """An int seed from ``random_state`` (None stays None).

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's parameter.

    Returns
    -------
    int or None
        The seed of one network: drawn when it is built, reused by warm
        starts.
    """
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def set_tf_global_seed(seed: int | None) -> None:
    """``tf.random.set_seed(seed)`` without its flush of the kernel cache.

    ``tf.random.set_seed`` also empties TensorFlow's eager kernel cache, so
    every traced function (the training step, the forward pass of predict)
    is instantiated and optimized again on its next call: ~0.1-0.2 s per
    seeded fit, more than a one-batch ``partial_fit`` itself takes.  The
    flush only restarts eager *stateful* random ops, which a fit does not
    use (Keras draws with stateless ops; sample orders come from NumPy,
    seeded per fit in ``_batches.batch_feed``, or where Keras' own feed is
    used, from a ``tf.data`` shuffle seeded when it is built), so the seeds
    ops get are the same as with ``tf.random.set_seed``.  The cache is
    emptied where a new network is built instead
    (``ImageClassifierBase._build_keras_model``), which keeps memory flat over
    many fits.  Falls back to ``tf.random.set_seed`` outside eager mode, or
    where TensorFlow's eager context lacks the attributes set here.

    Parameters
    ----------
    seed : int or None
        TensorFlow's new global seed.
    """
    ctx = tf_context.context()
    if not (tf.executing_eagerly() and hasattr(ctx, "_seed") and hasattr(ctx, "_rng")):
        tf.random.set_seed(seed)
        return
    # What Context._set_global_seed does, less the flush.
    ctx._seed = seed
    ctx._rng = random.Random(seed)


def _set_keras_and_tf_seed(value: int | None) -> None:
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator

    # Keras' global seed (its SeedGenerator rebuilt from it) and TF's.
    global_state.set_global_attribute("global_random_seed", value)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    set_tf_global_seed(value)


@contextmanager
def seeded(seed: int | None):
    """Seed Python, NumPy, TensorFlow and Keras for a block, then restore.

    Parameters
    ----------
    seed : int or None
        The seed; None seeds nothing.

    Yields
    ------
    None
        Inside the block every generator a fit draws from is seeded.
    """
    if seed is None:
        yield
        return
    from keras.src.random import seed_generator

    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002
    _set_keras_and_tf_seed(seed)
    # Keras draws layer seeds from the global `random` module, which other
    # threads may draw from meanwhile: give Keras a generator of its own.
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
        _set_keras_and_tf_seed(None)
