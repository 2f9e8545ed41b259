"""The pipelines ``sk-lenet`` trains, built from the estimators' own parameters.

A model name (``--model``) picks an estimator class and the few defaults the
command changes (faster ones on the small digits, the CIFAR-10 tutorial's MLP);
every other hyperparameter is the estimator's: ``--set NAME=VALUE`` accepts
any name of its ``get_params()`` and the estimator's ``_parameter_constraints``
check the value before any data is loaded.  A new hyperparameter of a network
therefore needs an edit to that network's file only.

A recipe (``--recipe``, :data:`sk_lenet.recipes.RECIPES`) picks the model of
its estimator class, its parameters as the defaults and its dataset;
:func:`resolve` is the one place that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sk_lenet.cli.data import dataset_info
from sk_lenet.cli.report import CLIError, one_line
from sk_lenet.recipes import RECIPES

__all__ = [
    "COMMON_OPTIONS",
    "DEFAULT_DATASET",
    "DEFAULT_MODEL",
    "MODELS",
    "ModelSpec",
    "build_pipeline",
    "describe",
    "model_of",
    "resolve",
    "run_name",
]

#: ``--model`` and ``--dataset`` of ``train`` and ``grid-search`` when neither
#: they nor ``--recipe`` say otherwise.
DEFAULT_MODEL = "lenet"
DEFAULT_DATASET = "digits"

#: Hyperparameters every model has that get an option of their own
#: (``--epochs N`` ...): name -> (type, metavar, default, help).  The
#: "Hyperparameters:" line always shows them.
COMMON_OPTIONS: dict[str, tuple[type, str, Any, str]] = {
    "optimizer": (str, "NAME", None, "sgd, adam, rmsprop, ..."),
    "learning_rate": (float, "LR", None, "the optimizer's step size"),
    "epochs": (int, "N", None, "passes over the training data"),
    "batch_size": (int, "N", None, "images per gradient step"),
    "random_state": (
        int,
        "SEED",
        0,
        "seed of weights, shuffling and splits (default: %(default)s)",
    ),
}


@dataclass(frozen=True)
class ModelSpec:
    """A ``--model`` choice: an estimator class and the CLI's defaults for it."""

    cls_name: str
    help: str
    preset: dict = field(default_factory=dict)  # defines the model (any dataset)
    digits: dict = field(default_factory=dict)  # faster training on the 8x8 digits
    grey: dict = field(default_factory=dict)  # on single-channel images


MODELS: dict[str, ModelSpec] = {
    "lenet": ModelSpec(
        "LeNetClassifier",
        "LeNet (PyImageSearch): conv 20, conv 50, dense 500",
        digits={"learning_rate": 0.05, "momentum": 0.9, "batch_size": 32, "epochs": 8},
    ),
    "lenet5": ModelSpec(
        "LeNet5Classifier",
        "LeCun's LeNet-5: tanh, average pooling, dense 120-84",
        digits={
            "learning_rate": 0.05,
            "momentum": 0.9,
            "batch_size": 32,
            "epochs": 15,
        },
    ),
    "simplified-lenet": ModelSpec(
        "SimplifiedLeNetClassifier",
        "one conv block (32 filters) and dense 128, Adam",
        digits={"batch_size": 32, "epochs": 10},
    ),
    "dropout-cnn": ModelSpec(
        "DropoutCNNClassifier",
        "two conv layers with dropout (Keras' mnist_cnn), Adam",
        digits={"batch_size": 32, "epochs": 10, "validation_fraction": 0.1},
    ),
    "mlp": ModelSpec(
        "FeedForwardClassifier",
        "multilayer perceptron 256-128 sigmoid (the MNIST tutorial; on cifar10 "
        "the CIFAR-10 tutorial's 1024-512 relu, batch 32)",
        digits={"learning_rate": 0.1, "momentum": 0.9, "batch_size": 32, "epochs": 20},
    ),
    "airbench": ModelSpec(
        "AirbenchClassifier",
        "airbench94's CIFAR-10 network and recipe: patch whitening, three "
        "conv-pool-BN-GELU blocks 64-256-256, Nesterov SGD",
        digits={
            "widths": (16, 32, 32),
            "learning_rate": 0.1,
            "batch_size": 64,
            "epochs": 10,
        },
        grey={"augment": None, "tta": False},  # a mirrored digit is no digit
    ),
    "mlp-cifar10": ModelSpec(
        "FeedForwardClassifier",
        "multilayer perceptron 1024-512 relu, batch 32 (the CIFAR-10 tutorial)",
        preset={
            "hidden_layer_sizes": (1024, 512),
            "activation": "relu",
            "batch_size": 32,
        },
        digits={"learning_rate": 0.01, "momentum": 0.9, "batch_size": 32, "epochs": 20},
    ),
}


def estimator_class(model: str) -> type:
    """The estimator class of ``--model``."""
    import sk_lenet

    return getattr(sk_lenet, MODELS[model].cls_name)


def as_param(value: Any, default: Any) -> Any:
    """``value`` as the parameter takes it: one number means a 1-tuple where
    the default is a tuple (``hidden_layer_sizes=64`` -> ``(64,)``)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return (value,) if number and isinstance(default, tuple) else value


def check_names(names, defaults: dict, model: str) -> None:
    """Refuse a name that is not a parameter of the model's estimator."""
    for name in names:
        if name not in defaults:
            raise CLIError(
                f"unknown parameter {name!r} for --model {model}; valid: "
                + ", ".join(sorted(defaults))
            )


def model_of(recipe_name: str) -> str:
    """The ``--model`` that runs recipe ``recipe_name``'s estimator class (the
    one without a preset where several do, e.g. ``mlp`` rather than
    ``mlp-cifar10``)."""
    cls_name = RECIPES[recipe_name].estimator
    models = [name for name, spec in MODELS.items() if spec.cls_name == cls_name]
    if not models:
        raise CLIError(
            f"recipe {recipe_name} trains a {cls_name}, which no --model runs; "
            "add it to sk_lenet.cli.estimators.MODELS"
        )
    return min(models, key=lambda name: bool(MODELS[name].preset))


def resolve(args) -> None:
    """Fill in ``args.model`` and ``args.dataset`` where the command line left
    them unset: the recipe's (``--recipe``), else :data:`DEFAULT_MODEL` and
    :data:`DEFAULT_DATASET`.

    Raises :class:`CLIError` when ``--model`` is of another class than the
    recipe's estimator.  Calling it again changes nothing.
    """
    name = getattr(args, "recipe", None)
    if name is None:
        args.model = args.model or DEFAULT_MODEL
        args.dataset = args.dataset or DEFAULT_DATASET
        return
    recipe = RECIPES[name]
    model = model_of(name)
    if args.model is not None and MODELS[args.model].cls_name != recipe.estimator:
        raise CLIError(
            f"--recipe {name} trains a {recipe.estimator}, but --model "
            f"{args.model} is a {MODELS[args.model].cls_name}; leave --model out "
            f"(or use --model {model})"
        )
    args.model = args.model or model
    args.dataset = args.dataset or recipe.dataset


def run_name(args) -> str:
    """What the saved files are named after: the recipe, else the model."""
    return getattr(args, "recipe", None) or args.model


def _preset(args) -> tuple[dict, str]:
    """The CLI's defaults for --model (or --recipe) on --dataset, and where
    they come from."""
    spec = MODELS[args.model]
    params = dict(spec.preset)
    name = getattr(args, "recipe", None)
    if name is not None:  # the recipe's parameters, on any dataset
        params.update(RECIPES[name].params)
        return params, f"recipe {name}: {RECIPES[name].summary}"
    if args.model == "mlp" and args.dataset == "cifar10":
        params.update(MODELS["mlp-cifar10"].preset)  # the CIFAR-10 tutorial's MLP
    if dataset_info(args.dataset).image_shape[-1] == 1:
        params.update(spec.grey)
    if args.dataset == "digits":
        params.update(spec.digits)
        return params, "sk-lenet's defaults for the small 8x8 digits"
    return params, "the tutorial's defaults"


def user_params(args, defaults: dict) -> dict:
    """The hyperparameters the command line sets: common options, then ``--set``
    (and its old spellings) in the order given, the last one winning."""
    given = {name: getattr(args, name) for name in COMMON_OPTIONS}
    given = {name: value for name, value in given.items() if value is not None}
    assignments = args.set or []
    check_names([name for name, _ in assignments], defaults, args.model)
    for name, value in assignments:
        given[name] = as_param(value, defaults[name])
    return given


def check_params(estimator) -> None:
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Raises :class:`CLIError` with scikit-learn's message (which names the
    parameter and the accepted values), before any data is loaded.
    """
    from sklearn.utils._param_validation import InvalidParameterError

    steps = getattr(estimator, "steps", [(None, estimator)])
    for _, step in steps:
        try:
            step._validate_params()
        except InvalidParameterError as exc:
            raise CLIError(one_line(exc)) from None


def build_pipeline(args):
    """The Pipeline ``PixelScaler -> ImageReshaper -> estimator`` for ``args``.

    Fills in ``args.model`` and ``args.dataset`` first (:func:`resolve`).
    Returns ``(pipeline, origin)``, ``origin`` saying whose defaults were used.
    The parameters are checked before this returns.
    """
    from sklearn.pipeline import Pipeline

    from sk_lenet import ImageReshaper, PixelScaler

    resolve(args)
    cls = estimator_class(args.model)
    defaults = cls().get_params(deep=False)
    params, origin = _preset(args)
    given = user_params(args, defaults)
    params.update(given)
    if args.quick and "epochs" not in given:
        params["epochs"] = 1
    info = dataset_info(args.dataset)
    pipe = Pipeline(
        [
            ("scale", PixelScaler(max_value=255)),
            ("reshape", ImageReshaper(info.image_shape, data_format=info.data_format)),
            ("clf", cls(**params)),
        ]
    )
    check_params(pipe)
    if getattr(pipe[-1], "tta", False):  # refused by fit too, after the data
        from sk_lenet._inference import check_tta

        check_tta(True, info.image_shape)
    return pipe, origin


def grid(args, pipe) -> dict[str, list]:
    """The ``--param`` grid, keyed ``clf__NAME``, each value checked."""
    from sklearn.base import clone

    clf = pipe[-1]
    current = clf.get_params(deep=False)
    axes: dict[str, list] = {}
    for name, values in args.param:
        name = name.removeprefix("clf__")
        check_names([name], current, args.model)
        values = [as_param(v, current[name]) for v in values]
        for value in values:
            check_params(clone(clf).set_params(**{name: value}))
        axes[f"clf__{name}"] = values
    return axes


def describe(estimator) -> str:
    """``Class(p=v, ...)``: the common hyperparameters and every other one that
    differs from the estimator's default."""
    params = estimator.get_params(deep=False)
    defaults = type(estimator)().get_params(deep=False)
    shown = [name for name in COMMON_OPTIONS if name in params]
    shown += [
        name
        for name in params
        if name not in COMMON_OPTIONS and not _same(params[name], defaults[name])
    ]
    body = ", ".join(f"{name}={params[name]!r}" for name in shown)
    return f"{type(estimator).__name__}({body})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # e.g. arrays: compare as shown
        return repr(a) == repr(b)
