"""The ``sk-lenet`` options, and the parsing of hyperparameter values.

Per-model hyperparameters are not options of their own: ``--set NAME=VALUE``
takes any parameter of the model's estimator (checked against its
``get_params()`` when the command runs); the parameters every model has get
their own option (:data:`~sk_lenet.cli.estimators.COMMON_OPTIONS`).  The
per-model options of earlier versions (:data:`SET_ALIASES`) are still accepted,
as other spellings of ``--set``.
"""

from __future__ import annotations

import argparse
import ast
from typing import Any

from sk_lenet.cli.data import DATASETS, QUICK_TEST, QUICK_TRAIN
from sk_lenet.cli.estimators import (
    COMMON_OPTIONS,
    DEFAULT_DATASET,
    DEFAULT_MODEL,
    MODELS,
)
from sk_lenet.persistence import MODEL_FILE_FORMATS
from sk_lenet.recipes import RECIPES

__all__ = ["SET_ALIASES", "build_parser", "parse_param", "parse_set", "parse_value"]

#: Options of earlier versions, each a spelling of ``--set NAME=VALUE``:
#: option name -> metavar (``None``: a flag meaning ``NAME=True``).
SET_ALIASES: dict[str, str | None] = {
    "filters": "F1[,F2]",
    "dense_units": "U[,U2]",
    "hidden_layer_sizes": "H1[,H2,...]",
    "activation": "NAME",
    "momentum": "M",
    "validation_fraction": "F",
    "early_stopping": None,
    "dtype_policy": "POLICY",
}

_VALUES_HELP = (
    "VALUE: a number, True, False, None, a tuple (8,16 or (8, 16)) or a "
    "string; one number where the default is a tuple is a 1-tuple"
)


def parse_value(text: str) -> Any:
    """Parse one hyperparameter value of ``--set`` or ``--param``.

    Parameters
    ----------
    text : str
        ``None``/``True``/``False`` (or lower case), an int, a float, items
        separated by commas (a tuple), a Python tuple or list literal (a
        tuple), or anything else (a string).

    Returns
    -------
    object
        The value.

    Raises
    ------
    ValueError
        If a tuple literal does not parse.

    Examples
    --------
    >>> parse_value("8,16"), parse_value("(8, 16)"), parse_value("64")
    ((8, 16), (8, 16), 64)
    >>> parse_value("0.05"), parse_value("tanh"), parse_value("None")
    (0.05, 'tanh', None)
    """
    text = text.strip()
    if text in ("None", "none", "null"):
        return None
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    if text and text[0] in "([":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError(f"cannot parse the value {text!r}") from None
        return tuple(value) if isinstance(value, list) else value
    if "," in text:
        return tuple(parse_value(v) for v in text.split(",") if v.strip())
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _name(name: str) -> str:
    return name.strip().replace("-", "_")


def parse_set(text: str) -> tuple[str, Any]:
    """Parse one ``--set NAME=VALUE``.

    Parameters
    ----------
    text : str
        ``NAME=VALUE``; dashes in ``NAME`` are read as underscores,
        ``VALUE`` as :func:`parse_value` reads it.

    Returns
    -------
    name : str
    value : object

    Raises
    ------
    ValueError
        If ``text`` has no ``=``, no name or no value.

    Examples
    --------
    >>> parse_set("filters=8,16")
    ('filters', (8, 16))
    >>> parse_set("dtype-policy=mixed_bfloat16")
    ('dtype_policy', 'mixed_bfloat16')
    """
    name, sep, raw = text.partition("=")
    name = _name(name)
    if not sep or not name or not raw.strip():
        raise ValueError(
            f"--set takes NAME=VALUE (e.g. learning_rate=0.05 or filters=8,16); "
            f"got {text!r}"
        )
    return name, parse_value(raw)


def parse_param(text: str) -> tuple[str, list]:
    """Parse one ``--param NAME=VALUES`` of ``sk-lenet grid-search``.

    Values are separated by commas; when a value is itself a tuple, separate
    the values by colons and the tuple's items by commas
    (``filters=4,8:8,16``), or write Python tuples (``filters=(4,8),(8,16)``).
    Each value is read by :func:`parse_value`: numbers become int or float,
    ``True``/``False``/``None`` what they say, anything else stays a string.

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
    name = _name(name)
    raw = raw.strip()
    if not sep or not name or not raw:
        raise ValueError(
            f"--param takes NAME=V1,V2,... (e.g. learning_rate=0.01,0.1); got {text!r}"
        )
    try:
        if raw[0] in "([":
            values = list(parse_value(f"[{raw}]"))
            values = [tuple(v) if isinstance(v, list) else v for v in values]
        elif ":" in raw:
            values = [parse_value(chunk) for chunk in raw.split(":") if chunk.strip()]
        else:
            values = [parse_value(v) for v in raw.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"cannot parse the values of --param {text!r}") from None
    if not values:
        raise ValueError(f"--param {text!r} gives no values")
    return name, values


def _argument(parse):
    """``parse`` as an argparse ``type``: its ValueError message becomes the error."""

    def convert(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


class _Assign(argparse.Action):
    """``--set NAME=VALUE`` and its old spellings: appended, in order, to ``set``."""

    def __init__(self, option_strings, dest, name=None, **kwargs):
        self.name = name  # None: --set itself, whose values are (name, value)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        if self.name is not None:
            values = (self.name, True if self.nargs == 0 else values)
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), values])


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1); got {text}")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sk-lenet")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "unknown"


class _Formatter(argparse.HelpFormatter):
    """Keeps the line breaks of a help text (the list of recipes), wrapping
    each line as argparse wraps a whole text."""

    def _split_lines(self, text, width):
        split = super()._split_lines
        return [part for line in text.splitlines() for part in split(line, width)]


class _Parser(argparse.ArgumentParser):
    """One-line errors; a subcommand's options may come anywhere on its line
    (``predict MODEL --invert IMAGE...``), as with ``parse_intermixed_args``."""

    _intermixing = False

    def __init__(self, *args, formatter_class=_Formatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def error(self, message):  # one line, exit 2, as argparse does
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args=None, namespace=None):
        # The top parser (its subcommands are a positional argparse cannot
        # intermix) parses as usual; a subcommand's parser, called with the
        # rest of the line, intermixes.  The flag stops the recursion where
        # parse_known_intermixed_args calls parse_known_args (Python < 3.12).
        subcommands = any(
            isinstance(a, argparse._SubParsersAction) for a in self._actions
        )
        if subcommands or self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _add_data_options(p, *, default_help: str) -> None:
    p.add_argument(
        "--dataset", choices=DATASETS, help=f"dataset (default: {default_help})"
    )
    p.add_argument(
        "--data-home",
        metavar="DIR",
        help="scikit-learn data cache for mnist/cifar10 (default: "
        "$SCIKIT_LEARN_DATA or ~/scikit_learn_data)",
    )


def _add_hyperparameter_options(p) -> None:
    g = p.add_argument_group(
        "hyperparameters",
        "unset, a hyperparameter keeps the model's default: the tutorial's on "
        "mnist and cifar10, faster ones on the small digits (printed when "
        "training starts).  --set NAME=VALUE sets any parameter of the model's "
        "estimator (see help(sk_lenet.LeNetClassifier), ...); an unknown NAME "
        "is refused with the list of valid ones",
    )
    for name, (kind, metavar, default, text) in COMMON_OPTIONS.items():
        g.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            metavar=metavar,
            default=default,
            help=text,
        )
    g.add_argument(
        "--set",
        action=_Assign,
        type=_argument(parse_set),
        metavar="NAME=VALUE",
        help=f"set a hyperparameter; repeat for more.  {_VALUES_HELP}",
    )
    for name, metavar in SET_ALIASES.items():
        g.add_argument(
            "--" + name.replace("_", "-"),
            action=_Assign,
            dest="set",
            name=name,
            metavar=metavar,
            nargs=0 if metavar is None else None,
            type=None if metavar is None else _argument(parse_value),
            help=f"same as --set {name}={metavar or 'True'}",
        )


def _add_recipe_option(p) -> None:
    p.add_argument(
        "--recipe",
        choices=list(RECIPES),
        metavar="NAME",
        help="a recipe beyond the tutorials: its model, its hyperparameters as "
        "the defaults (options and --set still override) and its dataset:\n"
        + "\n".join(
            f"- {name} ({r.estimator} on {r.dataset}): {r.summary}"
            for name, r in RECIPES.items()
        ).replace("%", "%%"),
    )


def _add_training_options(p) -> None:
    p.add_argument(
        "--model",
        choices=list(MODELS),
        help=f"network (default: the recipe's, else {DEFAULT_MODEL}): "
        + "; ".join(f"{k}: {s.help}" for k, s in MODELS.items()),
    )
    _add_recipe_option(p)
    _add_data_options(p, default_help=f"the recipe's, else {DEFAULT_DATASET}")
    _add_hyperparameter_options(p)
    p.add_argument(
        "--test-size",
        type=_fraction,
        metavar="F",
        help="split the whole dataset with this test fraction (default: the "
        "dataset's canonical split; digits: a fixed stratified 75/25)",
    )
    p.add_argument(
        "--output-dir",
        default="sk_lenet_output",
        metavar="DIR",
        help="where the model file and figures go (default: %(default)s)",
    )
    p.add_argument(
        "--format",
        choices=tuple(MODEL_FILE_FORMATS),
        default="pickle",
        help="model file: 'pickle' (.pkl, the whole Pipeline; load only files "
        "you trust) or 'sklenet' (.sklenet, sk_lenet.save_model: loading runs "
        "no code) (default: %(default)s)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: at most {QUICK_TRAIN} training / {QUICK_TEST} test "
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
        The parser with its subcommands.

    Examples
    --------
    >>> args = build_parser().parse_args(["train", "--model", "lenet5"])
    >>> args.command, args.model, args.recipe
    ('train', 'lenet5', None)
    >>> build_parser().parse_args(["train", "--set", "filters=8,16"]).set
    [('filters', (8, 16))]
    """
    from sk_lenet.cli import commands

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
        "with --format sklenet; RECIPE_DATASET with --recipe) with "
        "learning-curve, confusion-matrix and prediction figures.  With no "
        "options: LeNet on the bundled digits, offline, in seconds.  Example: "
        "sk-lenet train --model lenet5 --epochs 5 --set activation=relu "
        "--set filters=8,16",
    )
    _add_training_options(p)
    p.set_defaults(func=commands.train)

    p = sub.add_parser(
        "evaluate",
        help="report a saved model's accuracy and confusion matrix",
        description="Print the classification report and confusion matrix of a "
        "saved model on a dataset split, and save the confusion-matrix figure.",
    )
    p.add_argument(
        "model_file", metavar="MODEL", help="a .pkl or .sklenet file from train"
    )
    _add_data_options(p, default_help="the one matching the model's image shape")
    p.add_argument("--subset", choices=("train", "test", "all"), default="test")
    p.add_argument(
        "--output-dir", metavar="DIR", help="figure folder (default: the model's)"
    )
    p.add_argument("--quick", action="store_true", help=f"at most {QUICK_TEST} images")
    p.add_argument("--no-plots", action="store_true", help="do not write the figure")
    p.set_defaults(func=commands.evaluate)

    p = sub.add_parser(
        "predict",
        help="classify image files or dataset samples",
        description="Classify image files (PNG, JPEG, ...) or samples of a "
        "dataset.  For a digit model each image is prepared as MNIST's digits "
        "were: its polarity found from its border (dark ink on white paper or "
        "white ink on black both work), the paper removed, the ink's box scaled "
        "into 20x20 and centred by mass in 28x28, then fitted to the model's "
        "input (8x8 for a digits model).  A colour model's photo is resized.  "
        "Options may come anywhere: sk-lenet predict MODEL --top 3 IMAGE...",
    )
    p.add_argument(
        "model_file", metavar="MODEL", help="a .pkl or .sklenet file from train"
    )
    p.add_argument("images", nargs="*", metavar="IMAGE", help="image files")
    _add_data_options(p, default_help="the one matching the model's image shape")
    p.add_argument(
        "--index", type=int, nargs="+", metavar="I", help="dataset sample indices"
    )
    p.add_argument("--subset", choices=("train", "test", "all"), default="test")
    p.add_argument(
        "--invert",
        action="store_true",
        help="force the polarity: the images are dark ink on light paper "
        "(default: found from each image's border)",
    )
    p.add_argument(
        "--top", type=int, default=1, metavar="K", help="show the K likeliest classes"
    )
    p.set_defaults(func=commands.predict)

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
        type=_argument(parse_param),
        metavar="NAME=V1,V2",
        help="a grid axis; repeat for more.  Tuples: filters=4,8:8,16 or "
        "filters=(4,8),(8,16)",
    )
    p.add_argument("--cv", type=int, default=3, metavar="K", help="folds (default 3)")
    p.add_argument(
        "--n-jobs", type=int, default=None, metavar="N", help="parallel fits"
    )
    p.set_defaults(func=commands.grid_search)

    p = sub.add_parser(
        "serve",
        help="a local web page to draw a digit and watch the model read it",
        description="Serve a page where you draw a digit with the mouse or a "
        "finger (or drop an image) and see the model's prediction and "
        "probabilities.  Needs the serve extra: pip install "
        '"sk-lenet[serve]".  The model file is loaded once, at startup.',
    )
    p.add_argument(
        "model_file", metavar="MODEL", help="a .pkl or .sklenet file from train"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, this machine only)",
    )
    p.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    p.set_defaults(func=commands.serve)

    p = sub.add_parser(
        "export",
        help="write a saved model as an ONNX file, for onnxruntime",
        description="Write a model file from train as one ONNX file that takes "
        "the model's flat pixel rows, or a bare model's images with --images "
        "(input 'pixels'; float32 unless --input-dtype), and returns its class "
        "probabilities (output 'probabilities'), with the class labels and "
        "input shape in its metadata.  Needs the optional packages: "
        'pip install "sk-lenet[onnx]".  Example: sk-lenet export '
        "sk_lenet_output/lenet_digits.pkl lenet_digits.onnx --input-dtype uint8",
    )
    p.add_argument(
        "model_file", metavar="MODEL", help="a .pkl or .sklenet file from train"
    )
    p.add_argument("output", metavar="OUT.onnx", help="the ONNX file to write")
    p.add_argument(
        "--opset",
        type=int,
        metavar="N",
        help="ONNX opset version (default: the converter's)",
    )
    p.add_argument(
        "--input-dtype",
        default="float32",
        metavar="DTYPE",
        help="dtype of the file's input: float32 (default), float64, or uint8 "
        "for pixels as the dataset loaders give them",
    )
    p.add_argument(
        "--images",
        action="store_true",
        help="the file takes images (batch, height, width, channels) instead of "
        "flat rows: for a bare estimator, not a Pipeline with an ImageReshaper",
    )
    p.set_defaults(func=commands.export)
    return parser
