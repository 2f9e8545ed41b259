"""Save and load fitted estimators: model files with or without pickle.

:func:`save_model` writes one ``.sklenet`` file, a zip holding the network in
Keras' native ``.keras`` format and the scikit-learn state (parameters, classes,
image shape, history) as JSON.  :func:`load_model` reads it back with Keras'
``safe_mode``, and rebuilds only sk_lenet's own classes, so loading a file never
runs code from it, unlike :mod:`pickle`.  Pipelines made of sk_lenet
transformers and an sk_lenet estimator are saved whole.

:func:`write_model_file` and :func:`read_model_file` are what ``sk-lenet``
uses: they write either format (:data:`MODEL_FILE_FORMATS`: a pickle of the
whole object, or the ``.sklenet`` file) and read either back, telling them apart
by the file's first bytes, and refuse a file that holds no fitted classifier.

Writes are atomic: the file is written under a temporary name in the target
folder and renamed into place, so a crash mid-save leaves any earlier file
intact.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import zipfile
from collections import defaultdict
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from sk_lenet._atomic import atomic_write
from sk_lenet._pipeline import final_estimator

__all__ = [
    "FORMAT_VERSION",
    "MODEL_FILE_FORMATS",
    "ModelFileError",
    "load_model",
    "read_model_file",
    "save_model",
    "write_model_file",
]

FORMAT = "sk_lenet"
FORMAT_VERSION = 1
_META = "sk_lenet.json"
_NETWORK = "model.keras"
_ZIP_MAGIC = b"PK\x03\x04"

#: The formats :func:`write_model_file` writes, and their conventional suffixes.
MODEL_FILE_FORMATS: dict[str, str] = {"pickle": ".pkl", "sklenet": ".sklenet"}


class ModelFileError(ValueError):
    """A file that is not a readable sk_lenet model file of a known version."""


def _classes() -> dict[str, type]:
    """The only classes a model file may name."""
    from sk_lenet import models, preprocessing

    found = {}
    for module in (models, preprocessing):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type):
                found[name] = obj
    return found


# ----------------------------------------------------------------------
# JSON with tuples, arrays and non-string dict keys
# ----------------------------------------------------------------------
# The Keras layers a model file may hold (``augment``'s lists): image
# augmentation and noise, which hold no code and no file names.
_LAYER_MODULES = (
    "keras.src.layers.preprocessing.image_preprocessing.",
    "keras.src.layers.regularization.",
)


def _keras_kinds() -> dict[str, type]:
    """The Keras objects a model file may name: public module -> base class.

    A dtype policy appears only inside a layer's config."""
    import keras

    return {
        "keras.optimizers": keras.optimizers.Optimizer,
        "keras.optimizers.schedules": keras.optimizers.schedules.LearningRateSchedule,
        "keras.layers": keras.layers.Layer,
        "keras": keras.DTypePolicy,
    }


def _keras_builtin(value: Any) -> bool:
    """A Keras optimizer, learning-rate schedule or augmentation layer of
    Keras' own classes."""
    import keras

    module = type(value).__module__
    if isinstance(value, keras.layers.Layer):
        return module.startswith(_LAYER_MODULES)
    kinds = (
        keras.optimizers.Optimizer,
        keras.optimizers.schedules.LearningRateSchedule,
    )
    return isinstance(value, kinds) and module.startswith("keras.")


def _encode(value: Any) -> Any:
    if _keras_builtin(value):
        # Keras' own JSON config, as in a .keras file; read back by
        # _decode only if it names Keras' own classes again.
        import keras

        return {"__keras__": keras.saving.serialize_keras_object(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"cannot store an array of dtype {value.dtype}")
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.dtype):
        return {"__dtype__": value.str}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} {value!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        return np.array(_decode(value["__ndarray__"]), dtype=dtype)
    if "__dtype__" in value:
        return np.dtype(value["__dtype__"])
    if "__keras__" in value:
        return _decode_keras(value["__keras__"])
    raise ModelFileError(f"unknown entry in model file: {sorted(value)}")


def _keras_classes(config: Any):
    """(module, class_name, registered_name) of every object a Keras config names."""
    if isinstance(config, dict):
        if "class_name" in config or "module" in config:
            yield (
                config.get("module"),
                config.get("class_name"),
                config.get("registered_name"),
            )
        for v in config.values():
            yield from _keras_classes(v)
    elif isinstance(config, list):
        for v in config:
            yield from _keras_classes(v)


def _decode_keras(config: Any):
    import keras

    # Checked before Keras resolves anything: only the public optimizer,
    # schedule and layer modules, and in them only optimizer, schedule,
    # augmentation layer (and dtype policy) classes.
    allowed = _keras_kinds()
    named = list(_keras_classes(config))
    for module, class_name, registered in named:
        base = allowed.get(module)
        cls = getattr(import_module(module), str(class_name), None) if base else None
        if (
            not isinstance(cls, type)
            or not issubclass(cls, base)
            or registered not in (None, class_name)
            or (
                base is keras.layers.Layer
                and not cls.__module__.startswith(_LAYER_MODULES)
            )
        ):
            raise ModelFileError(
                f"the model file names {module}.{class_name}, which is not one of "
                "Keras' own optimizers, learning-rate schedules or augmentation "
                "layers; it cannot be loaded safely."
            )
    if not named or not isinstance(config, dict):
        raise ModelFileError("the model file holds an unreadable Keras object entry.")
    try:
        value = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:
        raise ModelFileError(
            f"the model file's Keras object {config.get('class_name')!r} cannot "
            f"be read: {exc}"
        ) from None
    if not _keras_builtin(value):
        raise ModelFileError(
            f"the model file's Keras object {config.get('class_name')!r} is not "
            "an optimizer, a learning-rate schedule or an augmentation layer; it "
            "cannot be loaded safely."
        )
    return value


# ----------------------------------------------------------------------
# One estimator or transformer <-> a JSON-able record
# ----------------------------------------------------------------------
_SKIP_FITTED = {"model_", "target_encoder_", "feature_encoder_"}


def _record(est) -> dict:
    name = type(est).__name__
    if _classes().get(name) is not type(est):
        raise TypeError(
            f"save_model stores sk_lenet estimators and transformers only; got "
            f"{name}. Use pickle (or joblib) for other steps."
        )
    try:
        params = _encode(est.get_params(deep=False))
        fitted = _encode(
            {
                k: v
                for k, v in vars(est).items()
                if k.endswith("_") and not k.startswith("_") and k not in _SKIP_FITTED
            }
        )
    except TypeError as exc:
        raise TypeError(
            f"{name} holds a value save_model cannot store safely ({exc}). "
            "Use parameter values that are names, numbers or Keras' own "
            "optimizers, schedules and image augmentation layers (e.g. "
            "optimizer='adam', callbacks=None), or pickle the model."
        ) from None
    return {"class": name, "params": params, "fitted": fitted}


def _restore(record: dict):
    cls = _classes().get(record.get("class"))
    if cls is None:
        raise ModelFileError(
            f"model file names an unknown class {record.get('class')!r}; only "
            "sk_lenet estimators and transformers can be loaded."
        )
    est = cls(**_decode(record["params"]))
    for key, value in _decode(record["fitted"]).items():
        setattr(est, key, value)
    return est


# ----------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------
def save_model(model, path: str | os.PathLike) -> Path:
    """Save a fitted estimator, or a Pipeline ending in one, to ``path``.

    Parameters
    ----------
    model : ImageClassifierBase or sklearn.pipeline.Pipeline
        A fitted sk_lenet estimator, or a fitted Pipeline of sk_lenet
        transformers ending in one.
    path : str or path-like
        Target file; ``.sklenet`` is the conventional suffix.  Written
        atomically: an existing file is replaced only once the new one is
        complete.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If a step is not an sk_lenet class, or holds a value (a callback, a
        custom optimizer class) that cannot be stored without pickle.  Keras'
        own optimizers, learning-rate schedules and image augmentation (or
        noise) layers are stored as their Keras config and read back only as
        Keras' own classes.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import SimplifiedLeNetClassifier, save_model, load_model
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SimplifiedLeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> path = save_model(clf, "digits.sklenet")
    >>> (load_model(path).predict(X) == clf.predict(X)).all()
    np.True_
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from sk_lenet.base import ImageClassifierBase

    steps = list(model.steps) if isinstance(model, Pipeline) else [(None, model)]
    estimator = steps[-1][1]
    if not isinstance(estimator, ImageClassifierBase):
        raise TypeError(
            "save_model saves an sk_lenet estimator, or a Pipeline ending in one; "
            f"got {type(estimator).__name__}. Use pickle for other objects."
        )
    check_is_fitted(estimator)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "pipeline": isinstance(model, Pipeline),
        "steps": [[name, _record(step)] for name, step in steps],
    }
    path = Path(path)
    with tempfile.TemporaryDirectory() as scratch:
        network = Path(scratch) / _NETWORK
        estimator.model_.save(network)
        with atomic_write(path) as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_META, json.dumps(meta, indent=1))
                zf.write(network, _NETWORK)
    return path


def load_model(path: str | os.PathLike):
    """Load what :func:`save_model` wrote, without running code from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    ImageClassifierBase or sklearn.pipeline.Pipeline
        The fitted estimator (or Pipeline), predicting exactly as when saved.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not an sk_lenet model file, is damaged, or was written
        by a newer, incompatible sk_lenet.

    Examples
    --------
    >>> from sk_lenet import load_model
    >>> clf = load_model("digits.sklenet")
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    import keras
    from sklearn.pipeline import Pipeline

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {str(path)!r}.")
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read(_META))
            network_bytes = zf.read(_NETWORK)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise ModelFileError(
            f"{str(path)!r} is not a readable sk_lenet model file ({exc}). "
            "Save models with sk_lenet.save_model."
        ) from None
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is not an sk_lenet model file.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} was written in model-file format {version!r} by "
            f"sk_lenet {meta.get('versions', {}).get('sk_lenet', '?')}; this "
            f"sk_lenet reads format {FORMAT_VERSION} and older. Upgrade sk_lenet."
        )
    steps = [(name, _restore(record)) for name, record in meta["steps"]]
    estimator = steps[-1][1]
    with tempfile.TemporaryDirectory() as scratch:
        network = Path(scratch) / _NETWORK
        network.write_bytes(network_bytes)
        try:
            estimator.model_ = keras.saving.load_model(network, safe_mode=True)
        except Exception as exc:
            raise ModelFileError(
                f"The network in {str(path)!r} cannot be loaded safely: {exc}"
            ) from None
    _rebuild_encoders(estimator)
    return Pipeline(steps) if meta["pipeline"] else estimator


def _rebuild_encoders(est) -> None:
    """Refit scikeras' label and feature encoders from the stored classes."""
    from sklearn.preprocessing import FunctionTransformer

    classes = est.classes_
    est.classes_ = None
    est.target_encoder_ = est.target_encoder.fit(classes)
    est.classes_ = classes
    est.feature_encoder_ = FunctionTransformer().fit(None)
    est.history_ = defaultdict(list, getattr(est, "history_", {}))
    est._initialize_callbacks()
    est._seed_ = None


def _versions() -> dict:
    import keras
    import sklearn

    from sk_lenet import __version__

    return {
        "sk_lenet": __version__,
        "keras": keras.__version__,
        "sklearn": sklearn.__version__,
    }


# ----------------------------------------------------------------------
# Model files of either format (what sk-lenet reads and writes)
# ----------------------------------------------------------------------
_WRITTEN_BY = (
    "give a model file written by 'sk-lenet train' or 'sk-lenet grid-search' "
    "(sk_lenet.persistence.write_model_file)"
)


def write_model_file(
    model: Any, path: str | os.PathLike, format: str = "pickle"
) -> Path:
    """Write a fitted model to ``path`` as a pickle or a ``.sklenet`` file.

    Parameters
    ----------
    model : estimator or sklearn.pipeline.Pipeline
        The fitted model.  ``format="sklenet"`` needs what :func:`save_model`
        needs: an sk_lenet estimator, or a Pipeline of sk_lenet steps ending
        in one.
    path : str or path-like
        Target file (suffixes by convention: :data:`MODEL_FILE_FORMATS`).
        Written atomically; missing folders are created.
    format : {"pickle", "sklenet"}, default="pickle"
        ``"pickle"`` pickles the whole object (load only files you trust);
        ``"sklenet"`` writes :func:`save_model`'s file, which loads without
        running code from it.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If ``format`` is not one of :data:`MODEL_FILE_FORMATS`.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_lenet import SimplifiedLeNetClassifier
    >>> from sk_lenet.persistence import read_model_file, write_model_file
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SimplifiedLeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> path = write_model_file(clf, "digits.pkl")
    >>> (read_model_file(path).predict(X) == clf.predict(X)).all()
    np.True_
    """
    if format not in MODEL_FILE_FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(map(repr, MODEL_FILE_FORMATS))}; "
            f"got {format!r}."
        )
    path = Path(path)
    if format == "sklenet":
        return save_model(model, path)
    with atomic_write(path) as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def read_model_file(path: str | os.PathLike) -> Any:
    """Read a model file of either format and check it holds a fitted classifier.

    A file starting with the zip signature is read with :func:`load_model`
    (no code runs); anything else is unpickled, which runs code from the
    file: read only files you trust.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`write_model_file` (or :func:`save_model`, or
        a pickle of a fitted classifier).

    Returns
    -------
    estimator or sklearn.pipeline.Pipeline
        The fitted classifier, or the Pipeline ending in one.

    Raises
    ------
    ModelFileError
        If the file does not exist, cannot be read in either format, or holds
        something other than a fitted classifier; the message says which
        file to give instead.

    Examples
    --------
    >>> from sk_lenet.persistence import read_model_file
    >>> read_model_file("digits.pkl").classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    from sk_lenet._tf import quiet_import_tensorflow

    name = os.fspath(path)
    if not os.path.isfile(name):
        raise ModelFileError(f"model file not found: {name}")
    quiet_import_tensorflow()  # before Keras loads, so it stays silent
    with open(name, "rb") as fh:
        # not zipfile.is_zipfile: a pickled Keras model embeds a zip
        is_zip = fh.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    if is_zip:
        try:
            model = load_model(name)
        except ModelFileError as exc:
            raise ModelFileError(f"cannot load {name}: {exc}") from None
    else:
        try:
            with open(name, "rb") as fh:
                model = pickle.load(fh)
        except Exception as exc:
            why = str(exc) or type(exc).__name__
            raise ModelFileError(
                f"cannot load {name} as a saved model ({why}); " + _WRITTEN_BY
            ) from None
    final = final_estimator(model)
    if not hasattr(final, "predict_proba") or not hasattr(final, "classes_"):
        raise ModelFileError(
            f"{name} holds a {type(model).__name__}, not a fitted classifier; "
            + _WRITTEN_BY
        )
    return model
