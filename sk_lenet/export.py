"""Export a fitted model to ONNX, to run it without Python's training stack.

:func:`export_onnx` writes one ``.onnx`` file that takes the raw pixels the
model takes (flat rows or images, uint8 or float) and returns its class
probabilities, ready for `ONNX Runtime
<https://onnxruntime.ai>`_ (C, C++, C#, Java, JavaScript, Python, ...).  The
graph is made by Keras' own exporter (``keras.Model.export(path,
format="onnx")``, which converts with tf2onnx): sk_lenet only builds a small
Keras model around the fitted network that does what the Pipeline's
transformers do (:class:`~sk_lenet.preprocessing.PixelScaler` becomes a
``Rescaling`` layer, :class:`~sk_lenet.preprocessing.ImageReshaper` a
``Reshape``, with a ``Permute`` for channel-planar rows) and, for
``tta=True``, averages the network's output on the images and their mirror
images, as ``predict_proba`` does.

The optional dependencies (onnx, tf2onnx, onnxruntime) come with
``pip install "sk-lenet[onnx]"``; importing :mod:`sk_lenet` does not need
them.
"""

from __future__ import annotations

import sk_lenet._tf  # noqa: F401  (first: TensorFlow starts quietly)

# isort: split

import json
import logging
import os
import re
import tempfile
import warnings
from contextlib import contextmanager
from numbers import Integral
from pathlib import Path
from typing import Any

import keras
from sklearn.exceptions import NotFittedError

from sk_lenet import __version__
from sk_lenet._atomic import atomic_write
from sk_lenet.base import ImageClassifierBase
from sk_lenet.preprocessing import ImageReshaper, PixelScaler

__all__ = [
    "INPUTS",
    "INPUT_DTYPES",
    "INPUT_NAME",
    "ONNX_EXTRA",
    "OUTPUT_NAME",
    "describe_onnx",
    "export_onnx",
]

#: What installs the exporter's optional dependencies.
ONNX_EXTRA = 'pip install "sk-lenet[onnx]"'
#: Names of the exported graph's input and output.
INPUT_NAME = "pixels"
OUTPUT_NAME = "probabilities"
#: What the exported file's input can hold: flat pixel rows, or images.
INPUTS = ("rows", "images")
#: The dtypes the exported file's input can have (the file computes in float32).
INPUT_DTYPES = ("float32", "float64", "uint8")
# The oldest ONNX opset the exported networks convert to (opset 9, 2019).
MIN_OPSET = 9
# The exporter's loggers, quieted while it runs (tf2onnx logs every pass).
_LOGGERS = ("tf2onnx", "onnx")


def _require_exporter():
    """The ``onnx`` module, after checking that tf2onnx imports too."""
    try:
        import onnx
        import tf2onnx  # noqa: F401  (what Keras' exporter converts with)
    except ImportError as exc:
        raise ImportError(
            f"Exporting to ONNX needs the optional packages onnx and tf2onnx "
            f"({exc.name} is missing): {ONNX_EXTRA}"
        ) from None
    return onnx


def _check_opset(opset) -> None:
    """Refuse an opset the converter cannot write the networks in."""
    from tf2onnx import __version__ as version
    from tf2onnx.constants import OPSET_TO_IR_VERSION, PREFERRED_OPSET

    newest = max(OPSET_TO_IR_VERSION)
    if opset is None or (
        isinstance(opset, Integral)
        and not isinstance(opset, bool)
        and MIN_OPSET <= opset <= newest
    ):
        return
    raise ValueError(
        f"opset must be None (tf2onnx's default, {PREFERRED_OPSET}) or an int "
        f"from {MIN_OPSET} to {newest}, the ONNX opsets tf2onnx {version} "
        f"writes these networks in; got {opset!r}."
    )


def _check_input(input: str, input_dtype: str) -> None:
    """Refuse an input form or dtype the file cannot take."""
    for name, value, accepted in (
        ("input", input, INPUTS),
        ("input_dtype", input_dtype, INPUT_DTYPES),
    ):
        if not (isinstance(value, str) and value in accepted):
            raise ValueError(
                f"{name} must be one of {', '.join(map(repr, accepted))}; got "
                f"{value!r}."
            )


def _steps(
    model: Any, input: str = "rows"
) -> tuple[list[tuple[str, Any]], ImageClassifierBase]:
    """The transformer steps and the classifier of ``model``, checked
    (``input``: what the exported file is to take)."""
    steps = getattr(model, "steps", None)
    if steps is None:
        transformers, clf = [], model
        clf_name = "the model"
    else:
        if not steps:
            raise ValueError("The Pipeline has no steps; there is nothing to export.")
        transformers, (last, clf) = list(steps[:-1]), steps[-1]
        clf_name = f"the Pipeline's final step {last!r}"
    if not isinstance(clf, ImageClassifierBase):
        raise TypeError(
            f"export_onnx exports sk_lenet's classifiers; {clf_name} is a "
            f"{type(clf).__name__}. Give a fitted sk_lenet estimator "
            "(LeNetClassifier, ...) or a Pipeline ending in one."
        )
    kept = []
    for name, step in transformers:
        if step is None or step == "passthrough":
            continue
        if not isinstance(step, (PixelScaler, ImageReshaper)):
            raise TypeError(
                f"Pipeline step {name!r} ({type(step).__name__}) is not one of "
                "sk_lenet's transformers (PixelScaler, ImageReshaper), the only "
                "steps export_onnx can write into the ONNX graph. Replace it by "
                f"them, or export the classifier alone (export_onnx(pipeline"
                f"[-1], path)) and apply {name!r} to the input yourself before "
                "running the ONNX file."
            )
        if isinstance(step, ImageReshaper) and input == "images":
            raise ValueError(
                f"input='images' is for a model that takes images; Pipeline "
                f"step {name!r} (ImageReshaper) makes them of flat rows, so the "
                "file takes the Pipeline's rows: export with input='rows' (the "
                "default)."
            )
        if isinstance(step, ImageReshaper) and not hasattr(step, "image_shape_"):
            raise NotFittedError(
                f"Pipeline step {name!r} (ImageReshaper) is not fitted yet: fit "
                "the Pipeline before export_onnx."
            )
        kept.append((name, step))
    if not clf.__sklearn_is_fitted__():
        raise NotFittedError(
            f"This {type(clf).__name__} is not fitted yet: call fit before export_onnx."
        )
    return kept, clf


def _float32_network(clf: ImageClassifierBase) -> keras.Model:
    """The fitted network, or a float32 copy of it for a mixed-precision one.

    Keras' ONNX export needs the float32 policy.  A mixed-precision network
    keeps float32 weights (only its computations are low-precision), so a
    clone built under float32 takes them unchanged.
    """
    network = clf.model_
    if all(layer.dtype_policy.name == "float32" for layer in network.layers):
        return network

    def as_float32(layer):
        return type(layer).from_config({**layer.get_config(), "dtype": "float32"})

    copy = keras.models.clone_model(network, clone_function=as_float32)
    copy.set_weights(network.get_weights())
    warnings.warn(
        f"{type(clf).__name__} computes in dtype_policy={clf.dtype_policy!r}; "
        "the ONNX file runs the same weights in float32 (Keras exports only "
        "float32), so its probabilities differ from predict_proba by the "
        "low-precision rounding of predict_proba. Fit with "
        "dtype_policy='float32' for a file that matches predict_proba.",
        UserWarning,
        stacklevel=4,  # the caller of export_onnx
    )
    return copy


class _ToFloat32(keras.layers.Layer):
    """The input's pixels as float32 (what ``predict_proba`` computes in)."""

    def call(self, pixels):
        return keras.ops.cast(pixels, "float32")


class _MirrorImages(keras.layers.Layer):
    """Images flipped left to right (the mirror images of ``tta``)."""

    def call(self, images):
        return keras.ops.flip(images, axis=2)


def _wrapper(
    steps: list[tuple[str, Any]],
    clf: ImageClassifierBase,
    input: str = "rows",
    input_dtype: str = "float32",
) -> tuple[keras.Model, dict]:
    """The Keras model from the raw input to probabilities, and what it takes."""
    reshapers = [step for _, step in steps if isinstance(step, ImageReshaper)]
    reshaper = reshapers[0] if reshapers else None
    image_shape = tuple(int(d) for d in clf.image_shape_)
    data_format = reshaper.data_format if reshaper else "channels_last"
    n_features = int(reshaper.n_features_in_ if reshaper else clf.n_features_in_)
    is_rows = input == "rows"
    shape = (n_features,) if is_rows else image_shape
    pixels = keras.Input(shape=shape, dtype=input_dtype, name=INPUT_NAME)
    x = pixels
    if input_dtype != "float32":  # as validate_images and PixelScaler do
        x = _ToFloat32(name="onnx_float32")(x)
    for i, (name, step) in enumerate(steps):
        layer_name = f"step{i}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"
        if isinstance(step, PixelScaler):
            scale = 1.0 / float(step.max_value)
            x = keras.layers.Rescaling(scale, name=f"onnx_{layer_name}")(x)
        elif is_rows:  # an ImageReshaper
            x = _rows_to_images(x, step.image_shape_, step.data_format, layer_name)
            is_rows = False
        else:
            raise ValueError(
                f"Pipeline step {name!r} (ImageReshaper) comes after another "
                "ImageReshaper, which already made images of the rows; remove "
                "one of them."
            )
    if is_rows:
        x = _rows_to_images(x, image_shape, "channels_last", "images")
    network = _inference_layers(_float32_network(clf))
    outputs = _apply(network, x)
    if clf.tta:  # as _inference.flip_averaged
        mirrored = _apply(network, _MirrorImages(name="onnx_mirror")(x))
        outputs = keras.layers.Average(name="onnx_tta_mean")([outputs, mirrored])
    wrapper = keras.Model(pixels, outputs, name=f"{type(clf).__name__}_onnx")
    info = {
        "input_shape": [None, *shape],
        "input_dtype": input_dtype,
        "image_shape": list(image_shape),
        "data_format": data_format,
    }
    return wrapper, info


def _rows_to_images(x, image_shape, data_format: str, name: str):
    """Keras layers doing :func:`~sk_lenet.preprocessing.rows_to_images`."""
    h, w, c = (int(d) for d in image_shape)
    if data_format == "channels_first":  # planes (c, h, w) -> (h, w, c)
        x = keras.layers.Reshape((c, h, w), name=f"onnx_{name}_planes")(x)
        return keras.layers.Permute((2, 3, 1), name=f"onnx_{name}")(x)
    return keras.layers.Reshape((h, w, c), name=f"onnx_{name}")(x)


def _inference_layers(network: keras.Model) -> list:
    """The layers of a fitted network from its input scaling to its softmax.

    The network is a chain (see :func:`sk_lenet._network.build`): input,
    augmentation, ``pixel_scale``, body, head.  The augmentation layers act
    only while training, but Keras' random rotation, translation and zoom
    still draw random numbers in inference, ops that ONNX does not have: the
    exported graph starts at the scaling.
    """
    names = [layer.name for layer in network.layers]
    return [_onnx_op(layer) for layer in network.layers[names.index("pixel_scale") :]]


class _ErfGelu(keras.layers.Layer):
    """Exact GELU written with ``erf``: TensorFlow's own exact GELU computes
    ``erfc``, an op tf2onnx cannot convert; ONNX has ``Erf``."""

    def call(self, x):
        return 0.5 * x * (1.0 + keras.ops.erf(x * (2.0**-0.5)))


def _onnx_op(layer):
    """``layer``, or a weightless stand-in computing the same with ONNX ops."""
    if isinstance(layer, keras.layers.Activation) and layer.get_config()[
        "activation"
    ] in ("gelu", "keras.activations.gelu"):
        return _ErfGelu(name=f"onnx_{layer.name}")
    return layer


def _apply(layers: list, x):
    """``x`` through ``layers``, one after the other (their fitted weights)."""
    for layer in layers:
        x = layer(x)
    return x


@contextmanager
def _quiet_exporter():
    """Silence tf2onnx's log lines and Keras' numpy-2 patch warning."""
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _name_output(graph, name: str) -> None:
    """Give the graph's one output a readable name (tf2onnx's is
    ``Identity:0``) and its batch axis the name ``batch``."""
    old = graph.output[0].name
    for node in graph.node:
        for i, value in enumerate(node.output):
            if value == old:
                node.output[i] = name
        for i, value in enumerate(node.input):
            if value == old:
                node.input[i] = name
    graph.output[0].name = name
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"


def _metadata(model: Any, clf: ImageClassifierBase, info: dict) -> dict[str, str]:
    """The ``metadata_props`` of the exported file (every value a string)."""
    return {
        "classes": json.dumps(clf.classes_.tolist()),
        "input_name": INPUT_NAME,
        "input_shape": json.dumps(info["input_shape"]),
        "input_dtype": info["input_dtype"],
        "image_shape": json.dumps(info["image_shape"]),
        "data_format": info["data_format"],
        "output_name": OUTPUT_NAME,
        "output": "class probabilities, columns in the order of 'classes'",
        "dtype_policy": clf.dtype_policy,
        "estimator": repr(model),
        "sk_lenet_version": __version__,
        "keras_version": keras.__version__,
    }


def export_onnx(
    model: Any,
    path: str | os.PathLike,
    *,
    input: str = "rows",
    input_dtype: str = "float32",
    opset: int | None = None,
) -> Path:
    """Write a fitted model as an ONNX file that returns class probabilities.

    The file takes what the model takes: flat pixel rows (for a Pipeline
    with an :class:`~sk_lenet.preprocessing.ImageReshaper`, its rows,
    channel-planar ones too; for a bare estimator, its images flattened
    channels-last, ``images.reshape(len(images), -1)``), or, with
    ``input="images"``, a bare estimator's images.  It returns
    ``predict_proba``'s probabilities (within float32 round-off): columns in
    the order of ``classes_``, which the file's metadata holds.

    Parameters
    ----------
    model : estimator or sklearn.pipeline.Pipeline
        A fitted sk_lenet estimator, or a fitted Pipeline of sk_lenet
        transformers (:class:`~sk_lenet.preprocessing.PixelScaler`,
        :class:`~sk_lenet.preprocessing.ImageReshaper`) ending in one.
    path : str or path-like
        The ``.onnx`` file to write (atomically; missing folders are made).
    input : {"rows", "images"}, default="rows"
        What the file takes: flat pixel rows ``(batch, n_pixels)``, or images
        ``(batch, height, width, channels)`` of the estimator's
        ``image_shape_``, channels-last as ``predict_proba`` takes them (for a
        bare estimator, or a Pipeline whose steps take images: not one with
        an :class:`~sk_lenet.preprocessing.ImageReshaper`, which takes rows).
    input_dtype : {"float32", "float64", "uint8"}, default="float32"
        The dtype of the file's input: ``"uint8"`` takes pixels as the
        dataset loaders give them (MNIST, CIFAR-10, digits), with no
        ``astype``.  The file computes in float32 whatever it takes, as
        ``predict_proba`` does.
    opset : int or None, default=None
        ONNX opset version of the graph, from 9 to the newest the installed
        tf2onnx writes (18 for tf2onnx 1.17); None takes tf2onnx's default
        (15).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ImportError
        If onnx or tf2onnx is not installed (``pip install "sk-lenet[onnx]"``).
    TypeError
        If ``model`` is not an sk_lenet estimator, or a Pipeline step is not
        one of sk_lenet's transformers.
    ValueError
        If ``input``, ``input_dtype`` or ``opset`` is not one of the accepted
        values, or ``input="images"`` is asked of a Pipeline with an
        ImageReshaper.
    sklearn.exceptions.NotFittedError
        If the estimator or a transformer is not fitted.

    Warns
    -----
    UserWarning
        For a network fitted with a mixed-precision ``dtype_policy``: the file
        computes in float32 with the same weights.

    Notes
    -----
    The file's input is named ``"pixels"`` (shape ``(batch, n_features)``,
    or ``(batch, height, width, channels)`` for images) and its output
    ``"probabilities"`` (shape ``(batch, n_classes)``).  Its
    ``metadata_props`` hold ``classes`` (JSON), ``input_shape`` (JSON),
    ``input_dtype``, ``image_shape``, ``data_format`` (of the rows),
    ``dtype_policy``, ``estimator`` (the model's repr) and
    ``sk_lenet_version``.

    Examples
    --------
    >>> import numpy as np, onnxruntime
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import LeNetClassifier
    >>> from sk_lenet.export import export_onnx
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> path = export_onnx(clf, "digits.onnx")
    >>> session = onnxruntime.InferenceSession(path)
    >>> proba = session.run(None, {"pixels": X[:5].astype(np.float32)})[0]
    >>> bool(np.allclose(proba, clf.predict_proba(X[:5]), atol=1e-5))
    True

    The same for images of uint8 pixels, as they are:

    >>> images = X[:5].reshape(-1, 8, 8, 1).astype(np.uint8)
    >>> path = export_onnx(clf, "digits.onnx", input="images", input_dtype="uint8")
    >>> session = onnxruntime.InferenceSession(path)
    >>> proba = session.run(None, {"pixels": images})[0]
    >>> bool(np.allclose(proba, clf.predict_proba(images), atol=1e-5))
    True
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name; got {type(path).__name__}.")
    _check_input(input, input_dtype)
    onnx = _require_exporter()
    _check_opset(opset)
    steps, clf = _steps(model, input)
    wrapper, info = _wrapper(steps, clf, input, input_dtype)
    spec = keras.InputSpec(
        shape=tuple(info["input_shape"]), dtype=input_dtype, name=INPUT_NAME
    )
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.onnx")
        with _quiet_exporter():
            wrapper.export(
                raw,
                format="onnx",
                verbose=False,
                input_signature=[spec],
                opset_version=opset,
            )
        proto = onnx.load(raw)
    _name_output(proto.graph, OUTPUT_NAME)
    taken = "flat pixel rows" if input == "rows" else "images"
    proto.doc_string = (
        f"sk_lenet {type(clf).__name__}: class probabilities of {input_dtype} {taken}"
    )
    onnx.helper.set_model_props(proto, _metadata(model, clf, info))
    onnx.checker.check_model(proto)
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(proto.SerializeToString())
    return path


def describe_onnx(path: str | os.PathLike) -> list[str]:
    """One line each for the input and the output of an exported file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`export_onnx`.

    Returns
    -------
    list of str
        ``"input  pixels: float32 [batch, 64] (...)"`` and
        ``"output probabilities: float32 [batch, 10] (classes ...)"``, from
        the file's graph and metadata.
    """
    onnx = _require_exporter()
    proto = onnx.load(os.fspath(path))
    meta = {prop.key: prop.value for prop in proto.metadata_props}

    def signature(value) -> str:
        kind = value.type.tensor_type
        dtype = onnx.helper.tensor_dtype_to_np_dtype(kind.elem_type).name
        dims = ", ".join(d.dim_param or str(d.dim_value) for d in kind.shape.dim)
        return f"{value.name}: {dtype} [{dims}]"

    lines = [f"input  {signature(value)}" for value in proto.graph.input]
    if lines and "image_shape" in meta:
        shape = "x".join(map(str, json.loads(meta["image_shape"])))
        order = meta.get("data_format")
        if len(json.loads(meta.get("input_shape", "[null, 0]"))) == 2:
            lines[0] += f" (rows of {shape} images, {order} order)"
        else:
            lines[0] += f" ({order} images)"
    lines += [f"output {signature(value)}" for value in proto.graph.output]
    if len(lines) > 1 and "classes" in meta:
        lines[-1] += f" (classes {' '.join(map(str, json.loads(meta['classes'])))})"
    return lines
