"""The documentation every estimator shares, written once.

Each estimator's class docstring documents its own hyperparameters and holds
two tokens, ``{shared_parameters}`` and ``{fitted_attributes}``, which
:func:`fill_docstring` replaces (when the class is defined) with the entries
below: every parameter of :class:`~sk_lenet.base.ImageClassifierBase` the
class does not document itself, its default read from the class's own
signature (a network's tutorial defaults: ``optimizer="adam"``,
``epochs=3``, ...), and the fitted attributes.
"""

from __future__ import annotations

import inspect
import re
import textwrap

__all__ = ["FITTED_ATTRIBUTES", "SHARED_PARAMETERS", "fill_docstring"]

SHARED_PARAMETERS = """\
optimizer : str or keras.optimizers.Optimizer, default={default}
    Optimizer name (``"sgd"``, ``"adam"``, ``"rmsprop"``, ... any name
    :func:`keras.optimizers.get` knows, or ``"nesterov"``: SGD with
    Nesterov momentum), an optimizer class, or an instance (copied, never
    shared between fits).
learning_rate : float, LearningRateSchedule or None, default={default}
    Step size, or a schedule of it over the training steps (for example
    ``keras.optimizers.schedules.CosineDecay(3e-3, decay_steps)``).  It
    replaces an optimizer instance's own rate.  ``None`` keeps the
    optimizer's own: its default for a name or class, its rate or schedule
    for an instance.
momentum : float in [0, 1], default={default}
    Momentum for ``optimizer="sgd"`` or ``"nesterov"``; ignored by other
    optimizers.
epochs : int, default={default}
    Passes over the training data.
batch_size : int, default={default}
    Samples per gradient step (also used for prediction).
validation_fraction : float or None, default={default}
    Fraction of the training data held out (stratified) to report
    ``val_loss`` / ``val_accuracy`` in ``history_`` and for early stopping.
    ``None``: 0.1 when ``early_stopping`` is on, else no hold-out.
early_stopping : bool, default={default}
    Stop when ``val_loss`` has not improved by ``tol`` for
    ``n_iter_no_change`` epochs and restore the best weights.
n_iter_no_change : int, default={default}
    Patience of early stopping, in epochs.
tol : float, default={default}
    Smallest ``val_loss`` improvement that counts for early stopping.
image_shape : tuple of int or None, default={default}
    Shape ``(height, width, channels)`` of one image when ``X`` holds flat
    rows; one entry may be ``-1``.  ``None`` infers it (784 → 28×28×1,
    3072 → 32×32×3).  Ignored for 4-D ``X``, which carries its shape.
    Flat colour rows are read channels-last; use
    :class:`~sk_lenet.ImageReshaper` for OpenML's channel-planar CIFAR_10.
pixel_scale : "auto", float or None, default={default}
    Factor applied to pixels inside the network.  ``"auto"`` divides by
    the largest training pixel when pixels are non-negative with some
    above 1 (raw 8-bit images: 1/255; scikit-learn's 0-16 digits: 1/16)
    and leaves pixels already in ``[0, 1]`` alone.  ``None`` means 1.
dtype_policy : {"float32", "mixed_bfloat16", "mixed_float16"}, default={default}
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
shuffle : bool, default={default}
    Shuffle the training data before each epoch.
class_weight : dict, "balanced" or None, default={default}
    Weights of the classes in the loss, as in scikit-learn.
batch_norm : bool, default={default}
    Batch normalization after every convolution, before its activation
    (the convolution then has no bias).  Off in the tutorials.
augment : None, str or list of keras.layers.Layer, default={default}
    Random augmentation of the training images, inside the network right
    after its input: Keras' random preprocessing layers, which act only
    while fitting, so ``predict``, ``predict_proba`` and ``score`` never
    augment.  ``"digits"``: rotation up to 10 degrees, shift and zoom up to
    10%, zero fill.  ``"colour"``: horizontal flip and a shift by whole
    pixels, up to 1/8 of the size (4 pixels of 32), reflected at the border
    (pad and crop).  ``"airbench"``: the same with shifts up to 1/16 of the
    size (2 pixels of 32), airbench94's.  A list of layers
    (``keras.layers.RandomRotation(0.05)``, ...) is copied from their
    configs for every network built; layers that act outside training too
    would change predictions.  ``random_state`` seeds them.
lr_schedule : {"constant", "cosine", "onecycle", "triangular"}, default={default}
    Shape of the learning rate over the training steps, from its peak
    ``learning_rate`` (or the optimizer's own rate when None):
    ``"constant"`` keeps it; ``"cosine"`` decays it to 0 along a cosine;
    ``"onecycle"`` warms up linearly from 1/25 of it over the first quarter
    of the steps, then decays to 0 along a cosine; ``"triangular"``
    (airbench94's) rises linearly from 0.2 of it over the first 23% of the
    steps, then falls linearly to 0.07 of it.  Sized when a new
    network first trains, from ``epochs`` and the batches per epoch of its
    training data (after the validation hold-out); a warm start or a further
    ``partial_fit`` continues along it, at its end rate once past it.
    Not with a schedule object as ``learning_rate`` (that is the schedule:
    keep ``"constant"``).
label_smoothing : float in [0, 1), default={default}
    Share of each label's weight spread evenly over all classes in the
    loss (0: plain cross-entropy).
tta : bool, default={default}
    Flip test-time augmentation: ``predict_proba`` (so ``predict`` and
    ``score``) averages the probabilities of each image and of its mirror
    image, at twice the cost.  For colour images only: single-channel
    images (digits, which a mirror does not preserve) are refused when
    fitting or predicting.
callbacks : list of keras.callbacks.Callback or None, default={default}
    Extra Keras callbacks for ``fit``.
warm_start : bool, default={default}
    When True, ``fit`` continues training the existing network.
random_state : int, RandomState instance or None, default={default}
    Seeds weight initialisation, shuffling, dropout, augmentation and the
    validation split.  An int gives bit-identical results on CPU.
verbose : int, default={default}
    0 is silent, 1 shows a progress bar per epoch, 2 one line per epoch.
"""

FITTED_ATTRIBUTES = """\
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


def _default(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _documented(doc: str) -> set[str]:
    """Names of the parameters a docstring documents itself."""
    return set(re.findall(r"(?m)^ {4}(\w+) : ", doc))


def fill_docstring(cls: type) -> None:
    """Write the shared parameters and fitted attributes into ``cls.__doc__``.

    Parameters
    ----------
    cls : type
        An estimator class whose docstring holds ``{shared_parameters}`` and
        ``{fitted_attributes}``; its ``__init__`` signature gives the
        defaults.
    """
    if not cls.__doc__ or "{shared_parameters}" not in cls.__doc__:
        return
    own = _documented(cls.__doc__)
    defaults = {
        p.name: p.default
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.default is not p.empty
    }
    entries = re.split(r"\n(?=\S)", SHARED_PARAMETERS.strip())
    shared = "\n".join(
        entry.replace("{default}", _default(defaults[name]), 1)
        for entry in entries
        if (name := entry.split(" :")[0]) not in own and name in defaults
    )
    for token, text in (
        ("{shared_parameters}", shared),
        ("{fitted_attributes}", FITTED_ATTRIBUTES.strip()),
    ):
        cls.__doc__ = cls.__doc__.replace(token, textwrap.indent(text, "    ").lstrip())
