"""The ``sk-lenet`` command: train, evaluate, predict and grid-search.

Run ``sk-lenet --help`` (or ``python -m sk_lenet --help``).  Every subcommand
works offline on the bundled ``digits`` dataset; ``mnist`` and ``cifar10`` are
read from the scikit-learn data cache (``--data-home`` or
``SCIKIT_LEARN_DATA``) and downloaded from OpenML when missing.

Results (accuracy, reports, tables) go to standard output; per-epoch progress
and notices go to standard error.  Bad usage prints one ``sk-lenet: error:``
line on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import ast
import os
import pickle
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sk_lenet._policies import DTYPE_POLICIES

__all__ = ["main"]

# ---------------------------------------------------------------------------
# Models and their defaults
# ---------------------------------------------------------------------------

DATASETS = ("digits", "mnist", "cifar10")
_SHAPES = {"digits": (8, 8, 1), "mnist": (28, 28, 1), "cifar10": (32, 32, 3)}
_QUICK_TRAIN, _QUICK_TEST = 1000, 300  # images used by --quick


@dataclass(frozen=True)
class _ModelSpec:
    cls_name: str
    help: str
    preset: dict  # parameters that define the model (e.g. the CIFAR-10 MLP)
    digits: dict  # training defaults on the small 8x8 digits
    filters: int = 2  # number of convolutions --filters sets (0: none)


MODELS: dict[str, _ModelSpec] = {
    "lenet": _ModelSpec(
        "LeNetClassifier",
        "LeNet (PyImageSearch): conv 20, conv 50, dense 500",
        {},
        {"learning_rate": 0.05, "momentum": 0.9, "batch_size": 32, "epochs": 8},
    ),
    "lenet5": _ModelSpec(
        "LeNet5Classifier",
        "LeCun's LeNet-5: tanh, average pooling, dense 120-84",
        {},
        {"learning_rate": 0.05, "momentum": 0.9, "batch_size": 32, "epochs": 15},
    ),
    "simplified-lenet": _ModelSpec(
        "SimplifiedLeNetClassifier",
        "one conv block (32 filters) and dense 128, Adam",
        {},
        {"batch_size": 32, "epochs": 10},
        filters=1,
    ),
    "dropout-cnn": _ModelSpec(
        "DropoutCNNClassifier",
        "two conv layers with dropout (Keras' mnist_cnn), Adam",
        {},
        {"batch_size": 32, "epochs": 10, "validation_fraction": 0.1},
    ),
    "mlp": _ModelSpec(
        "FeedForwardClassifier",
        "multilayer perceptron 256-128 sigmoid (the MNIST tutorial; on cifar10 "
        "the CIFAR-10 tutorial's 1024-512 relu, batch 32)",
        {},
        {"learning_rate": 0.1, "momentum": 0.9, "batch_size": 32, "epochs": 20},
        filters=0,
    ),
    "mlp-cifar10": _ModelSpec(
        "FeedForwardClassifier",
        "multilayer perceptron 1024-512 relu, batch 32 (the CIFAR-10 tutorial)",
        {"hidden_layer_sizes": (1024, 512), "activation": "relu", "batch_size": 32},
        {"learning_rate": 0.01, "momentum": 0.9, "batch_size": 32, "epochs": 20},
        filters=0,
    ),
}

_SHOWN = (
    "optimizer",
    "learning_rate",
    "momentum",
    "epochs",
    "batch_size",
    "validation_fraction",
    "early_stopping",
    "filters",
    "dense_units",
    "hidden_layer_sizes",
    "activation",
    "dtype_policy",
    "random_state",
)


class CLIError(Exception):
    """Bad usage: printed as one ``sk-lenet: error:`` line, exit status 2."""


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------


def _out(*parts: Any) -> None:
    print(*parts, file=sys.stdout, flush=True)


def _note(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _note(f"sk-lenet: warning: {_one_line(message)}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _make_epoch_logger(stream=None):
    """A Keras callback printing one compact line per epoch (on stderr)."""
    import keras

    class EpochLogger(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self._epochs = self.params.get("epochs")

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            parts = [f"epoch {epoch + 1:>{len(str(self._epochs))}}/{self._epochs}"]
            for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
                if key in logs:
                    parts.append(f"{key} {logs[key]:.4f}")
            parts.append(f"{time.perf_counter() - self._t0:.1f}s")
            print("  ".join(parts), file=stream or sys.stderr, flush=True)

    return EpochLogger()


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass
class _Data:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    target_names: np.ndarray
    split: str


def _load(name: str, subset: str, data_home: str | None):
    from sk_lenet.datasets import DatasetNotAvailableError, load_dataset

    try:
        return load_dataset(name, subset=subset, data_home=data_home)
    except DatasetNotAvailableError as exc:
        raise CLIError(_one_line(exc)) from None


def _subsample(X, y, n, seed):
    if len(y) <= n:
        return X, y
    from sklearn.model_selection import train_test_split

    X, _, y, _ = train_test_split(X, y, train_size=n, stratify=y, random_state=seed)
    return X, y


def _load_split(args) -> _Data:
    """Train and test data per --dataset, --test-size and --quick."""
    seed = args.random_state
    if args.test_size is None:
        train = _load(args.dataset, "train", args.data_home)
        test = _load(args.dataset, "test", args.data_home)
        X_train, y_train, X_test, y_test = (
            train.data,
            train.target,
            test.data,
            test.target,
        )
        names, split = train.target_names, "the dataset's canonical train/test split"
    else:
        if not 0 < args.test_size < 1:
            raise CLIError(f"--test-size must be in (0, 1); got {args.test_size}")
        from sklearn.model_selection import train_test_split

        data = _load(args.dataset, "all", args.data_home)
        X_train, X_test, y_train, y_test = train_test_split(
            data.data,
            data.target,
            test_size=args.test_size,
            stratify=data.target,
            random_state=seed,
        )
        names, split = data.target_names, f"a stratified {args.test_size:g} test split"
    if args.quick:
        X_train, y_train = _subsample(X_train, y_train, _QUICK_TRAIN, seed)
        X_test, y_test = _subsample(X_test, y_test, _QUICK_TEST, seed)
        split += f", subsampled by --quick to {len(y_train)}/{len(y_test)}"
    return _Data(args.dataset, X_train, y_train, X_test, y_test, names, split)


# ---------------------------------------------------------------------------
# Building the estimator
# ---------------------------------------------------------------------------


def _parse_ints(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError:
        values = ()
    if not values or any(v <= 0 for v in values):
        raise CLIError(
            f"{option} takes positive integers separated by commas (e.g. 20,50); "
            f"got {text!r}"
        )
    return values


def _estimator_params(args, spec: _ModelSpec, dataset: str) -> tuple[dict, str]:
    """Constructor parameters from the defaults and the command line."""
    params = dict(spec.preset)
    if args.model == "mlp" and dataset == "cifar10":
        params.update(MODELS["mlp-cifar10"].preset)  # the CIFAR-10 tutorial's MLP
    if dataset == "digits":
        params.update(spec.digits)
        origin = "sk-lenet's defaults for the small 8x8 digits"
    else:
        origin = "the tutorial's defaults"
    given = {
        "optimizer": args.optimizer,
        "learning_rate": args.learning_rate,
        "momentum": args.momentum,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "validation_fraction": args.validation_fraction,
        "activation": args.activation,
        "dtype_policy": args.dtype_policy,
    }
    if args.early_stopping:
        given["early_stopping"] = True
    if args.filters is not None:
        if spec.filters == 0:
            raise CLIError(
                f"--filters does not apply to --model {args.model} (no "
                "convolutions); use --hidden-layer-sizes"
            )
        filters = _parse_ints(args.filters, "--filters")
        if len(filters) != spec.filters:
            raise CLIError(
                f"--model {args.model} has {spec.filters} convolution(s): --filters "
                f"takes {spec.filters} number(s); got {args.filters!r}"
            )
        given["filters"] = filters[0] if spec.filters == 1 else filters
    if args.dense_units is not None:
        if spec.filters == 0:
            raise CLIError(
                f"--dense-units does not apply to --model {args.model}; use "
                "--hidden-layer-sizes"
            )
        units = _parse_ints(args.dense_units, "--dense-units")
        given["dense_units"] = units[0] if len(units) == 1 else units
    if args.hidden_layer_sizes is not None:
        if spec.filters:
            raise CLIError(
                f"--hidden-layer-sizes applies to the mlp models only, not to "
                f"--model {args.model}; use --dense-units"
            )
        given["hidden_layer_sizes"] = _parse_ints(
            args.hidden_layer_sizes, "--hidden-layer-sizes"
        )
    set_by_user = {k: v for k, v in given.items() if v is not None}
    params.update(set_by_user)
    if args.quick and args.epochs is None:
        params["epochs"] = 1
    params["random_state"] = args.random_state
    return params, origin


def _make_pipeline(model: str, params: dict, dataset: str):
    from sklearn.pipeline import Pipeline

    import sk_lenet

    spec = MODELS[model]
    clf = getattr(sk_lenet, spec.cls_name)(**params)
    planar = "channels_first" if dataset == "cifar10" else "channels_last"
    return Pipeline(
        [
            ("scale", sk_lenet.PixelScaler(max_value=255)),
            ("reshape", sk_lenet.ImageReshaper(_SHAPES[dataset], data_format=planar)),
            ("clf", clf),
        ]
    )


def _describe(pipe) -> str:
    clf = pipe[-1]
    params = clf.get_params()
    shown = [f"{k}={params[k]!r}" for k in _SHOWN if k in params]
    return f"{type(clf).__name__}(" + ", ".join(shown) + ")"


# ---------------------------------------------------------------------------
# Saving and loading models
# ---------------------------------------------------------------------------


_SUFFIX = {"pickle": ".pkl", "sklenet": ".sklenet"}


def _save_model(obj: Any, path: str, fmt: str = "pickle") -> None:
    """Save ``obj`` to ``path`` atomically (temp file + os.replace).

    ``fmt="pickle"`` pickles the whole Pipeline; ``"sklenet"`` writes
    :func:`sk_lenet.save_model`'s file, which loads without running code.
    """
    if fmt == "sklenet":
        from sk_lenet import save_model

        save_model(obj, path)  # atomic too
        return
    from sk_lenet._atomic import atomic_write

    with atomic_write(path) as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _load_model(path: str):
    """Load a model file: an ``sk_lenet.save_model`` zip, else a pickle."""
    if not os.path.isfile(path):
        raise CLIError(f"model file not found: {path}")
    from sk_lenet._tf import quiet_import_tensorflow

    quiet_import_tensorflow()  # before Keras loads, so it stays silent
    hint = "give a file written by 'sk-lenet train' or 'sk-lenet grid-search'"
    with open(path, "rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"  # not is_zipfile: pickles embed zips
    if is_zip:
        from sk_lenet.persistence import ModelFileError, load_model

        try:
            model = load_model(path)
        except ModelFileError as exc:
            raise CLIError(f"cannot load {path}: {_one_line(exc)}") from None
    else:
        try:
            with open(path, "rb") as fh:
                model = pickle.load(fh)
        except Exception as exc:
            raise CLIError(
                f"cannot load {path} as a saved model ({_one_line(exc)}); {hint}"
            ) from None
    final = model[-1] if hasattr(model, "steps") else model
    if not hasattr(final, "predict_proba") or not hasattr(final, "classes_"):
        raise CLIError(
            f"{path} holds a {type(model).__name__}, not a fitted classifier; {hint}"
        )
    return model


def _model_shape(model) -> tuple[int, int, int]:
    final = model[-1] if hasattr(model, "steps") else model
    return tuple(int(d) for d in final.image_shape_)


def _dataset_for(model, requested: str | None) -> str:
    """The dataset to use with ``model``: --dataset, or guessed by image shape."""
    shape = _model_shape(model)
    if requested is None:
        for name, s in _SHAPES.items():
            if s == shape:
                return name
        raise CLIError(
            f"the model takes {_fmt_shape(shape)} images, which matches no "
            f"built-in dataset ({', '.join(DATASETS)}); predict image files instead"
        )
    if _SHAPES[requested] != shape:
        match = [n for n, s in _SHAPES.items() if s == shape]
        hint = f"; use --dataset {match[0]}" if match else ""
        raise CLIError(
            f"the model takes {_fmt_shape(shape)} images but {requested} has "
            f"{_fmt_shape(_SHAPES[requested])} images{hint}"
        )
    return requested


def _fmt_shape(shape) -> str:
    return "x".join(str(d) for d in shape)


def _images_to_rows(model, images: np.ndarray) -> np.ndarray:
    """Flatten channels-last images the way the model's pipeline reads rows."""
    from sk_lenet.preprocessing import ImageReshaper

    for _, step in getattr(model, "steps", [])[:-1]:
        if isinstance(step, ImageReshaper):
            if step.data_format == "channels_first":
                images = images.transpose(0, 3, 1, 2)
            return images.reshape(len(images), -1)
    return images


def _target_names(model, dataset: str | None):
    if dataset is not None:
        from sk_lenet.datasets import load_dataset

        if dataset == "cifar10":
            from sk_lenet.datasets import CIFAR10_CLASSES

            return np.asarray(CIFAR10_CLASSES)
        if dataset in ("digits", "mnist"):
            return np.asarray([str(i) for i in range(10)])
        return load_dataset(dataset, subset="test").target_names  # pragma: no cover
    return None


def _label(value, names) -> str:
    # plotting's, imported here: at module level it would load scikit-learn
    # and slow down `sk-lenet --help`
    from sk_lenet.plotting import _label as label

    return label(value, names)


# ---------------------------------------------------------------------------
# Reports and figures
# ---------------------------------------------------------------------------


def _report(model, X, y, names) -> float:
    from sklearn.metrics import accuracy_score, classification_report

    pred = model.predict(X)
    acc = accuracy_score(y, pred)
    classes = (model[-1] if hasattr(model, "steps") else model).classes_
    labels = [_label(c, names) for c in classes]
    _out(f"Test accuracy: {acc:.4f} ({int(np.sum(pred == y))}/{len(y)})")
    _out()
    _out(
        classification_report(
            y, pred, labels=classes, target_names=labels, digits=4, zero_division=0
        )
    )
    return acc


def _confusion_text(model, X, y, names) -> None:
    from sklearn.metrics import confusion_matrix

    classes = (model[-1] if hasattr(model, "steps") else model).classes_
    cm = confusion_matrix(y, model.predict(X), labels=classes)
    labels = [_label(c, names) for c in classes]
    width = max(max(len(s) for s in labels), len(str(cm.max())), 3)
    _out("Confusion matrix (rows: true class, columns: predicted class)")
    _out(" " * (width + 1) + " ".join(f"{s:>{width}}" for s in labels))
    for label, row in zip(labels, cm, strict=True):
        _out(f"{label:>{width}} " + " ".join(f"{v:>{width}}" for v in row))
    _out()


def _figures(args, kinds: Sequence[str], model, X, y, names, stem: str) -> None:
    if args.no_plots:
        return
    try:
        from sk_lenet import plotting
    except ImportError as exc:  # pragma: no cover - plotting has no hard deps
        _note(f"sk-lenet: figures skipped: {exc}")
        return
    try:
        plotting._matplotlib()
    except ImportError as exc:
        _note(f"sk-lenet: figures skipped: {exc}")
        return
    os.makedirs(args.output_dir, exist_ok=True)
    for kind in kinds:
        path = os.path.join(args.output_dir, f"{stem}_{kind}.png")
        if kind == "learning_curves":
            plotting.plot_learning_curves(model, path=path)
        elif kind == "confusion_matrix":
            plotting.plot_confusion_matrix(model, X, y, target_names=names, path=path)
        elif kind == "predictions":
            plotting.plot_predictions(model, X, y, n=16, target_names=names, path=path)
        _out(f"Saved figure: {path}")


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


def _cmd_train(args) -> int:
    spec = MODELS[args.model]
    params, origin = _estimator_params(args, spec, args.dataset)
    data = _load_split(args)
    pipe = _make_pipeline(args.model, params, args.dataset)
    clf = pipe[-1]
    _out(
        f"Training {type(clf).__name__} ({args.model}) on {data.name}: "
        f"{len(data.y_train)} training / {len(data.y_test)} test images of "
        f"{_fmt_shape(_SHAPES[data.name])}, {data.split}."
    )
    _out(f"Hyperparameters ({origin}; override with options):")
    _out(f"  {_describe(pipe)}")
    if not args.quiet:
        clf.set_params(callbacks=[_make_epoch_logger()])
    t0 = time.perf_counter()
    pipe.fit(data.X_train, data.y_train)
    elapsed = time.perf_counter() - t0
    clf.set_params(callbacks=None)
    clf._initialize_callbacks()  # drop the logger from the saved model
    _out(f"Trained in {elapsed:.1f}s.")
    if args.quick:
        _out("(--quick is a smoke run on a subsample: expect a low accuracy)")
    _out()
    _report(pipe, data.X_test, data.y_test, data.target_names)
    stem = f"{args.model}_{data.name}"
    path = os.path.join(args.output_dir, stem + _SUFFIX[args.format])
    _save_model(pipe, path, args.format)
    _out(f"Saved model: {path}")
    _figures(
        args,
        ("learning_curves", "confusion_matrix", "predictions"),
        pipe,
        data.X_test,
        data.y_test,
        data.target_names,
        stem,
    )
    return 0


def _cmd_evaluate(args) -> int:
    model = _load_model(args.model_file)
    dataset = _dataset_for(model, args.dataset)
    bunch = _load(dataset, args.subset, args.data_home)
    X, y = bunch.data, bunch.target
    if args.quick:
        X, y = _subsample(X, y, _QUICK_TEST, 0)
    _out(
        f"Evaluating {args.model_file} on {dataset} ({args.subset} subset, "
        f"{len(y)} images)."
    )
    _report(model, X, y, bunch.target_names)
    _confusion_text(model, X, y, bunch.target_names)
    if args.output_dir is None:
        args.output_dir = os.path.dirname(os.path.abspath(args.model_file))
    stem = os.path.splitext(os.path.basename(args.model_file))[0]
    _figures(
        args,
        ("confusion_matrix",),
        model,
        X,
        y,
        bunch.target_names,
        f"{stem}_{dataset}_{args.subset}",
    )
    return 0


def _cmd_predict(args) -> int:
    model = _load_model(args.model_file)
    shape = _model_shape(model)
    if bool(args.images) == (args.index is not None):
        raise CLIError(
            "give image files, or --dataset NAME --index I [I ...], not both"
            if args.images
            else "nothing to predict: give image files or --index I [I ...]"
        )
    truth = None
    if args.images:
        from sk_lenet._images import ImageFileError, load_image_files

        try:
            images = load_image_files(args.images, shape, invert=args.invert)
        except ImageFileError as exc:
            raise CLIError(_one_line(exc)) from None
        except ImportError as exc:
            raise CLIError(_one_line(exc)) from None
        X = _images_to_rows(model, images)
        names_in = list(args.images)
        dataset = args.dataset or _dataset_for_or_none(model)
    else:
        dataset = _dataset_for(model, args.dataset)
        bunch = _load(dataset, args.subset, args.data_home)
        n = len(bunch.target)
        bad = [i for i in args.index if not -n <= i < n]
        if bad:
            raise CLIError(
                f"--index {bad[0]} is out of range: the {dataset} {args.subset} "
                f"subset has {n} images (0..{n - 1})"
            )
        X, truth = bunch.data[args.index], bunch.target[args.index]
        names_in = [f"{dataset}[{args.subset}][{i}]" for i in args.index]
    names = _target_names(model, dataset)
    # reshape: scikeras returns shape (n_classes,) for a single sample
    proba = np.asarray(model.predict_proba(X)).reshape(len(X), -1)
    classes = (model[-1] if hasattr(model, "steps") else model).classes_
    order = np.argsort(-proba, axis=1)
    width = max(len(s) for s in names_in)
    for i, src in enumerate(names_in):
        best = order[i, 0]
        line = f"{src:<{width}}  {_label(classes[best], names)}  p={proba[i, best]:.3f}"
        if args.top > 1:
            runner = ", ".join(
                f"{_label(classes[k], names)} {proba[i, k]:.3f}"
                for k in order[i, 1 : args.top]
            )
            line += f"  (next: {runner})"
        if truth is not None:
            ok = classes[best] == truth[i]
            line += f"  true={_label(truth[i], names)}" + ("" if ok else "  WRONG")
        _out(line)
    return 0


def _dataset_for_or_none(model) -> str | None:
    shape = _model_shape(model)
    for name, s in _SHAPES.items():
        if s == shape:
            return name
    return None


def _parse_value(text: str) -> Any:
    text = text.strip()
    if text in ("None", "none", "null"):
        return None
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_param(text: str) -> tuple[str, list]:
    """Parse one ``--param NAME=VALUES`` of ``sk-lenet grid-search``.

    Values are separated by commas; when a value is itself a tuple, separate
    the values by colons and the tuple's items by commas
    (``filters=4,8:8,16``), or write Python tuples (``filters=(4,8),(8,16)``).
    Numbers become int or float, ``True``/``False``/``None`` what they say,
    anything else stays a string.

    Parameters
    ----------
    text : str
        ``NAME=VALUES``; dashes in ``NAME`` are read as underscores.

    Returns
    -------
    name : str
        The parameter name.
    values : list
        The candidate values.

    Raises
    ------
    ValueError
        If ``text`` has no ``=`` or no values.

    Examples
    --------
    >>> parse_param("filters=4,8:8,16")
    ('filters', [(4, 8), (8, 16)])
    >>> parse_param("learning-rate=0.01,0.1")
    ('learning_rate', [0.01, 0.1])
    >>> parse_param("optimizer=sgd,adam")
    ('optimizer', ['sgd', 'adam'])
    """
    name, sep, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    raw = raw.strip()
    if not sep or not name or not raw:
        raise ValueError(
            f"--param takes NAME=V1,V2,... (e.g. learning_rate=0.01,0.1); got {text!r}"
        )
    if "(" in raw or "[" in raw:
        try:
            values = ast.literal_eval(f"[{raw}]")
        except (ValueError, SyntaxError):
            raise ValueError(f"cannot parse the values of --param {text!r}") from None
        values = [tuple(v) if isinstance(v, list) else v for v in values]
    elif ":" in raw:
        values = []
        for chunk in raw.split(":"):
            if not chunk.strip():
                continue
            items = [_parse_value(v) for v in chunk.split(",") if v.strip()]
            values.append(tuple(items) if len(items) > 1 else items[0])
    else:
        values = [_parse_value(v) for v in raw.split(",") if v.strip()]
    if not values:
        raise ValueError(f"--param {text!r} gives no values")
    return name, values


def _cmd_grid_search(args) -> int:
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    spec = MODELS[args.model]
    params, origin = _estimator_params(args, spec, args.dataset)
    if not args.param:
        raise CLIError(
            "grid-search needs at least one --param NAME=V1,V2 (e.g. "
            "--param learning_rate=0.01,0.1)"
        )
    pipe = _make_pipeline(args.model, params, args.dataset)
    defaults = pipe[-1].get_params(deep=False)
    valid = sorted(defaults)
    grid: dict[str, list] = {}
    for text in args.param:
        try:
            name, values = parse_param(text)
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        name = name.removeprefix("clf__")
        if name not in valid:
            raise CLIError(
                f"unknown parameter {name!r} for --model {args.model}; valid: "
                + ", ".join(valid)
            )
        if isinstance(defaults[name], tuple):  # "hidden_layer_sizes=16:32,16"
            values = [(v,) if isinstance(v, (int, float)) else v for v in values]
        grid[f"clf__{name}"] = values
    if args.cv < 2:
        raise CLIError(f"--cv must be at least 2; got {args.cv}")
    data = _load_split(args)
    n_candidates = int(np.prod([len(v) for v in grid.values()]))
    _out(
        f"Grid search over {type(pipe[-1]).__name__} ({args.model}) on {data.name}: "
        f"{n_candidates} candidates x {args.cv} folds on {len(data.y_train)} "
        f"training images ({data.split})."
    )
    _out(f"Base hyperparameters ({origin}):")
    _out(f"  {_describe(pipe)}")
    _out("Grid: " + "; ".join(f"{k[5:]}={v!r}" for k, v in grid.items()))
    cv = StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)
    search = GridSearchCV(
        pipe,
        grid,
        cv=cv,
        n_jobs=args.n_jobs,
        verbose=0 if args.quiet else 1,
        error_score="raise",
    )
    t0 = time.perf_counter()
    try:
        search.fit(data.X_train, data.y_train)
    except (TypeError, ValueError) as exc:
        raise CLIError(
            f"a grid candidate failed to fit ({_one_line(exc)}); check the --param "
            "values"
        ) from None
    _out(f"Searched in {time.perf_counter() - t0:.1f}s.")
    _out()
    _out(format_cv_results(search.cv_results_))
    _out()
    best = {k[5:]: v for k, v in search.best_params_.items()}
    _out(f"Best parameters: {best} (mean CV accuracy {search.best_score_:.4f})")
    _report(search.best_estimator_, data.X_test, data.y_test, data.target_names)
    stem = f"{args.model}_{data.name}_grid_search"
    path = os.path.join(args.output_dir, f"{stem}_best" + _SUFFIX[args.format])
    _save_model(search.best_estimator_, path, args.format)
    _out(f"Saved best model: {path}")
    _figures(
        args,
        ("learning_curves", "confusion_matrix"),
        search.best_estimator_,
        data.X_test,
        data.y_test,
        data.target_names,
        stem,
    )
    return 0


def format_cv_results(cv_results: dict, *, prefix: str = "clf__") -> str:
    """Format a search's ``cv_results_`` as a text table ranked by score.

    Parameters
    ----------
    cv_results : dict
        ``cv_results_`` of a :class:`~sklearn.model_selection.GridSearchCV`.
    prefix : str, optional
        Step prefix stripped from the parameter names; default ``"clf__"``,
        the classifier step of the pipelines ``sk-lenet`` builds.

    Returns
    -------
    str
        One line per candidate: rank, mean ± std test score, mean fit time,
        parameters; best first.

    Examples
    --------
    >>> res = {"rank_test_score": [2, 1], "mean_test_score": [0.5, 0.9],
    ...        "std_test_score": [0.1, 0.02], "mean_fit_time": [1.0, 2.0],
    ...        "params": [{"clf__epochs": 1}, {"clf__epochs": 5}]}
    >>> print(format_cv_results(res))
    rank  mean test score  fit time  params
       1  0.9000 ± 0.0200      2.0s  epochs=5
       2  0.5000 ± 0.1000      1.0s  epochs=1
    """
    rows = []
    for i in np.argsort(cv_results["rank_test_score"], kind="stable"):
        params = ", ".join(
            f"{k.removeprefix(prefix)}={v!r}"
            for k, v in cv_results["params"][i].items()
        )
        rows.append(
            f"{int(cv_results['rank_test_score'][i]):>4}  "
            f"{cv_results['mean_test_score'][i]:.4f} ± "
            f"{cv_results['std_test_score'][i]:.4f}  "
            f"{cv_results['mean_fit_time'][i]:>7.1f}s  {params}"
        )
    return "\n".join(["rank  mean test score  fit time  params", *rows])


# ---------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sk-lenet")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "unknown"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as argparse does
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_data_options(p, *, dataset_default: str | None) -> None:
    p.add_argument(
        "--dataset",
        choices=DATASETS,
        default=dataset_default,
        help=(
            "dataset (default: %(default)s)"
            if dataset_default
            else "dataset (default: the one matching the model's image shape)"
        ),
    )
    p.add_argument(
        "--data-home",
        metavar="DIR",
        help="scikit-learn data cache for mnist/cifar10 (default: "
        "$SCIKIT_LEARN_DATA or ~/scikit_learn_data)",
    )


def _add_training_options(p) -> None:
    p.add_argument(
        "--model",
        choices=list(MODELS),
        default="lenet",
        help="network (default: %(default)s): "
        + "; ".join(f"{k}: {s.help}" for k, s in MODELS.items()),
    )
    _add_data_options(p, dataset_default="digits")
    g = p.add_argument_group(
        "hyperparameters",
        "unset options keep the model's defaults: the tutorial's on mnist and "
        "cifar10, faster ones on the small digits (printed when training starts)",
    )
    g.add_argument("--epochs", type=int, metavar="N")
    g.add_argument("--batch-size", type=int, metavar="N")
    g.add_argument("--learning-rate", type=float, metavar="LR")
    g.add_argument("--momentum", type=float, metavar="M", help="SGD momentum")
    g.add_argument("--optimizer", metavar="NAME", help="sgd, adam, rmsprop, ...")
    g.add_argument(
        "--filters", metavar="F1[,F2]", help="filters per convolution (CNNs only)"
    )
    g.add_argument(
        "--dense-units", metavar="U[,U2]", help="units of the dense layers (CNNs)"
    )
    g.add_argument(
        "--hidden-layer-sizes", metavar="H1,H2,...", help="hidden layers (mlp only)"
    )
    g.add_argument("--activation", metavar="NAME", help="e.g. relu, tanh, sigmoid")
    g.add_argument(
        "--validation-fraction",
        type=float,
        metavar="F",
        help="hold out F of the training data to report val_loss/val_accuracy",
    )
    g.add_argument(
        "--early-stopping", action="store_true", help="stop when val_loss stalls"
    )
    g.add_argument(
        "--dtype-policy",
        choices=DTYPE_POLICIES,
        help="mixed precision (default float32); mixed_bfloat16 trains faster on "
        "CPUs with native bfloat16, mixed_float16 is for GPUs",
    )
    p.add_argument(
        "--test-size",
        type=float,
        metavar="F",
        help="split the whole dataset with this test fraction (default: the "
        "dataset's canonical split; digits: a fixed stratified 75/25)",
    )
    p.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of weights, shuffling and splits (default: %(default)s)",
    )
    p.add_argument(
        "--output-dir",
        default="sk_lenet_output",
        metavar="DIR",
        help="where the model file and figures go (default: %(default)s)",
    )
    p.add_argument(
        "--format",
        choices=tuple(_SUFFIX),
        default="pickle",
        help="model file: 'pickle' (.pkl, the whole Pipeline; load only files "
        "you trust) or 'sklenet' (.sklenet, sk_lenet.save_model: loading runs "
        "no code) (default: %(default)s)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: at most {_QUICK_TRAIN} training / {_QUICK_TEST} test "
        "images, 1 epoch (unless --epochs is given)",
    )
    p.add_argument("--no-plots", action="store_true", help="do not write figures")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no per-epoch progress lines"
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``sk-lenet`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
        The parser with its four subcommands.

    Examples
    --------
    >>> args = build_parser().parse_args(["train", "--model", "lenet5"])
    >>> args.command, args.model, args.dataset
    ('train', 'lenet5', 'digits')
    """
    parser = _Parser(
        prog="sk-lenet",
        description="Train, evaluate and use the classic Keras image classifiers "
        "(LeNet, LeNet-5, simplified LeNet, dropout CNN, MLP) as scikit-learn "
        "pipelines.  Start with: sk-lenet train",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "train",
        help="train a model, print its test report, save it and its figures",
        description="Train a model and save the fitted Pipeline (PixelScaler -> "
        "ImageReshaper -> classifier) as OUTPUT_DIR/MODEL_DATASET.pkl (.sklenet "
        "with --format sklenet) with learning-curve, confusion-matrix and "
        "prediction figures.  With no options: LeNet on the bundled digits, "
        "offline, in seconds.",
    )
    _add_training_options(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="report a saved model's accuracy and confusion matrix",
        description="Print the classification report and confusion matrix of a "
        "saved model on a dataset split, and save the confusion-matrix figure.",
    )
    p.add_argument(
        "model_file", metavar="MODEL", help="a .pkl or .sklenet file from train"
    )
    _add_data_options(p, dataset_default=None)
    p.add_argument("--subset", choices=("train", "test", "all"), default="test")
    p.add_argument(
        "--output-dir", metavar="DIR", help="figure folder (default: the model's)"
    )
    p.add_argument("--quick", action="store_true", help=f"at most {_QUICK_TEST} images")
    p.add_argument("--no-plots", action="store_true", help="do not write the figure")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser(
        "predict",
        help="classify image files or dataset samples",
        description="Classify image files (PNG, JPEG, ...: converted to the "
        "model's grey or RGB channels and resized to its input size, pixels "
        "0..255) or samples of a dataset.  Digit models expect white digits on "
        "a black background, as MNIST: use --invert for dark ink on white paper.",
    )
    p.add_argument(
        "model_file", metavar="MODEL", help="a .pkl or .sklenet file from train"
    )
    p.add_argument("images", nargs="*", metavar="IMAGE", help="image files")
    _add_data_options(p, dataset_default=None)
    p.add_argument(
        "--index", type=int, nargs="+", metavar="I", help="dataset sample indices"
    )
    p.add_argument("--subset", choices=("train", "test", "all"), default="test")
    p.add_argument(
        "--invert", action="store_true", help="invert image files (255 - pixel)"
    )
    p.add_argument(
        "--top", type=int, default=1, metavar="K", help="show the K likeliest classes"
    )
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser(
        "grid-search",
        help="cross-validated grid search over hyperparameters",
        description="Cross-validated grid search on the training split; prints "
        "the ranked results, the best model's test report, and saves it.  "
        "Example: sk-lenet grid-search --param filters=4,8:8,16 "
        "--param learning_rate=0.01,0.1",
    )
    _add_training_options(p)
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=V1,V2",
        help="a grid axis; repeat for more.  Tuples: filters=4,8:8,16 or "
        "filters=(4,8),(8,16)",
    )
    p.add_argument("--cv", type=int, default=3, metavar="K", help="folds (default 3)")
    p.add_argument(
        "--n-jobs", type=int, default=None, metavar="N", help="parallel fits"
    )
    p.set_defaults(func=_cmd_grid_search)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sk-lenet`` command.

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad usage (with one error line on
        standard error), 130 when interrupted.

    Examples
    --------
    >>> main(["train", "--quick", "--no-plots", "--quiet",
    ...       "--output-dir", "out"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    from sk_lenet.datasets import DatasetNotAvailableError

    try:
        with warnings.catch_warnings():
            # Warnings (sk_lenet's say what to change) as one line each,
            # like the errors, without a Python source location.
            warnings.showwarning = _show_warning
            return args.func(args)
    except CLIError as exc:
        _note(f"sk-lenet: error: {exc}")
    except DatasetNotAvailableError as exc:
        _note(f"sk-lenet: error: {_one_line(exc)}")
    except (ImportError, ValueError) as exc:
        # missing optional dependency, or a hyperparameter value the
        # estimator rejects (its message says what is valid)
        _note(f"sk-lenet: error: {_one_line(exc)}")
    except KeyboardInterrupt:
        _note("sk-lenet: interrupted")
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`, which stopped reading: exit quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
