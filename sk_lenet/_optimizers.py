"""Faster optimizer updates: the same formula, fewer TensorFlow ops.

Keras' Adam (TensorFlow backend) updates each variable with about a dozen
elementwise ops per training step; TensorFlow's ``ResourceApplyAdam`` kernel
computes the same formula (Keras' ``m``, ``v`` and bias-corrected step size,
epsilon outside the square root) in one op.  Networks with short steps gain:
a simplified-LeNet epoch takes ~0.91x as long, a LeNet-5 Adam epoch ~0.97x
(``benchmarks/_candidates.py --trials keras_adam fused_adam``); the weights
agree with Keras' own update to float round-off.
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import keras
import tensorflow as tf


def fuse_adam_updates(optimizer: keras.optimizers.Optimizer) -> None:
    """Make a Keras ``Adam`` update its variables with TensorFlow's fused kernel.

    Only a plain ``keras.optimizers.Adam`` (or one wrapped in a
    ``LossScaleOptimizer``) without ``amsgrad`` is changed, so the formula is
    exactly Keras'; subclasses such as ``AdamW`` and every other optimizer are
    left as they are.  The optimizer keeps its class and config, so a saved
    network still loads with plain Keras.  Calling it again does nothing.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        The compiled network's optimizer, before its training step is traced.
    """
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    if (
        type(inner) is not keras.optimizers.Adam
        or inner.amsgrad
        or "update_step" in vars(inner)
    ):
        return
    keras_update_step = inner.update_step

    def update_step(gradient, variable, learning_rate):
        if isinstance(gradient, tf.IndexedSlices):
            return keras_update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = inner._get_variable_index(variable)
        step = tf.cast(inner.iterations + 1, dtype)
        beta_1 = tf.cast(inner.beta_1, dtype)
        beta_2 = tf.cast(inner.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=inner._momentums[index].value.handle,
            v=inner._velocities[index].value.handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(inner.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )

    inner.update_step = update_step
