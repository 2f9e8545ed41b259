"""sk_lenet.cli.estimators: the pipeline built from --model, the options and --set."""

from __future__ import annotations

from numbers import Real

import pytest
from sklearn.utils._param_validation import Interval, StrOptions

import sk_lenet
import sk_lenet.datasets
from sk_lenet import cli
from sk_lenet.cli import data, estimators
from sk_lenet.cli.report import CLIError
from sk_lenet.recipes import RECIPES
from tests.cli.conftest import run


def _build(*argv, command="train"):
    args = cli.build_parser().parse_args([command, *argv])
    return estimators.build_pipeline(args)


def _params(*argv):
    pipe, _ = _build(*argv)
    return pipe[-1].get_params()


@pytest.fixture
def no_data(monkeypatch):
    """Loading data fails the test: errors must come before it."""

    def loaded(*args, **kwargs):
        raise AssertionError("data was loaded")

    monkeypatch.setattr(sk_lenet.datasets, "load_train_test", loaded)
    monkeypatch.setattr(sk_lenet.datasets, "load_dataset", loaded)


@pytest.fixture
def constrained(monkeypatch):
    """Constraints on LeNetClassifier's filters and activation, as the
    estimators declare them: the CLI must apply whatever they declare."""
    monkeypatch.setattr(
        sk_lenet.LeNetClassifier,
        "_parameter_constraints",
        {
            "filters": [tuple],
            "activation": [StrOptions({"relu", "tanh"})],
            "momentum": [Interval(Real, 0, 1, closed="left")],
        },
    )


def test_set_reaches_the_estimator():
    params = _params(
        "--set",
        "filters=8,16",
        "--set",
        "dense_units=64",
        "--set",
        "activation=tanh",
        "--set",
        "dtype_policy=mixed_bfloat16",
        "--set",
        "class_weight=balanced",
        "--set",
        "validation_fraction=None",
        "--learning-rate",
        "0.002",
        "--optimizer",
        "adam",
    )
    assert params["filters"] == (8, 16) and params["dense_units"] == 64
    assert params["activation"] == "tanh"
    assert params["dtype_policy"] == "mixed_bfloat16"
    assert params["class_weight"] == "balanced"
    assert params["validation_fraction"] is None
    assert params["learning_rate"] == 0.002 and params["optimizer"] == "adam"
    assert params["momentum"] == 0.9  # the digits default stays


def test_one_number_is_a_one_tuple_where_the_default_is_a_tuple():
    assert _params("--model", "mlp", "--set", "hidden_layer_sizes=64")[
        "hidden_layer_sizes"
    ] == (64,)
    assert _params("--model", "mlp", "--hidden-layer-sizes", "32,16")[
        "hidden_layer_sizes"
    ] == (32, 16)
    # simplified LeNet's filters default is an int: stays an int
    assert _params("--model", "simplified-lenet", "--filters", "4")["filters"] == 4


def test_old_spellings_set_what_set_sets():
    old = _params(
        "--filters",
        "4,8",
        "--dense-units",
        "16",
        "--activation",
        "tanh",
        "--momentum",
        "0.5",
        "--validation-fraction",
        "0.2",
        "--early-stopping",
        "--dtype-policy",
        "mixed_bfloat16",
    )
    new = _params(
        *("--set", "filters=4,8", "--set", "dense_units=16"),
        *("--set", "activation=tanh", "--set", "momentum=0.5"),
        *("--set", "validation_fraction=0.2", "--set", "early_stopping=True"),
        *("--set", "dtype_policy=mixed_bfloat16"),
    )
    assert old == new and old["early_stopping"] is True
    assert old["filters"] == (4, 8) and old["momentum"] == 0.5


def test_set_wins_over_the_common_options_and_the_last_set_wins():
    params = _params("--epochs", "3", "--set", "epochs=5", "--set", "epochs=6")
    assert params["epochs"] == 6


def test_quick_means_one_epoch_unless_epochs_are_set():
    assert _params("--quick")["epochs"] == 1
    assert _params("--quick", "--epochs", "3")["epochs"] == 3
    assert _params("--quick", "--set", "epochs=2")["epochs"] == 2


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(CLIError) as excinfo:
        _build("--model", "mlp", "--set", "filters=4")
    message = str(excinfo.value)
    assert message.startswith("unknown parameter 'filters' for --model mlp; valid: ")
    valid = message.split("valid: ")[1].split(", ")
    assert valid == sorted(sk_lenet.FeedForwardClassifier().get_params())


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--set", "colour=red"], "unknown parameter 'colour' for --model lenet"),
        (["--model", "mlp", "--filters", "4"], "unknown parameter 'filters'"),
        (["--activation", "nonsense"], "The 'activation' parameter of LeNetClassifier"),
        (["--set", "filters=abc"], "The 'filters' parameter of LeNetClassifier"),
        (["--momentum", "1.5"], "The 'momentum' parameter of LeNetClassifier"),
    ],
)
def test_bad_names_and_values_fail_before_data_loads(
    argv, words, no_data, constrained, tmp_path, capsys
):
    code, out, err = run(["train", *argv, "--output-dir", tmp_path], capsys)
    assert code == 2 and out == ""
    assert err.startswith("sk-lenet: error: ") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["--set", "filters=5"], "filters"),
        (["--filters", "0,50"], "filters"),
        (["--model", "dropout-cnn", "--set", "dropout=1.5"], "dropout"),
        (["--epochs", "0"], "epochs"),
        (["--optimizer", "nope"], "optimizer"),
        (["--set", "kernel_size=-1"], "kernel_size"),
    ],
)
def test_the_estimators_own_constraints_apply(argv, name, no_data, capsys):
    code, _, err = run(["train", *argv], capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"The '{name}' parameter of " in err


def test_grid_values_are_named_coerced_and_checked(constrained):
    args = cli.build_parser().parse_args(
        ["grid-search", "--model", "lenet", "--param", "filters=4,8:8,16"]
    )
    pipe, _ = estimators.build_pipeline(args)
    assert estimators.grid(args, pipe) == {"clf__filters": [(4, 8), (8, 16)]}
    args.param = [("filters", [(4, 8), "abc"])]
    with pytest.raises(CLIError, match="'filters' parameter"):
        estimators.grid(args, pipe)
    assert pipe[-1].filters == (20, 50)  # checking left the estimator alone
    args.param = [("colour", [1])]
    with pytest.raises(CLIError, match="unknown parameter 'colour'"):
        estimators.grid(args, pipe)


def test_grid_one_number_is_a_one_tuple():
    args = cli.build_parser().parse_args(
        ["grid-search", "--model", "mlp", "--param", "hidden_layer_sizes=16:32,16"]
    )
    pipe, _ = estimators.build_pipeline(args)
    grid = estimators.grid(args, pipe)
    assert grid == {"clf__hidden_layer_sizes": [(16,), (32, 16)]}


def test_describe_shows_the_common_and_the_changed_parameters():
    pipe, origin = _build("--set", "kernel_size=3", "--random-state", "7")
    assert origin == "sk-lenet's defaults for the small 8x8 digits"
    assert estimators.describe(pipe[-1]) == (
        "LeNetClassifier(optimizer='sgd', learning_rate=0.05, epochs=8, "
        "batch_size=32, random_state=7, kernel_size=3, momentum=0.9)"
    )


def test_mlp_on_cifar10_is_the_cifar10_tutorial_network():
    pipe, origin = _build("--model", "mlp", "--dataset", "cifar10")
    params = pipe[-1].get_params()
    assert params["hidden_layer_sizes"] == (1024, 512)
    assert params["activation"] == "relu" and params["batch_size"] == 32
    assert params["epochs"] == sk_lenet.FeedForwardClassifier().epochs
    assert origin == "the tutorial's defaults"
    assert pipe.named_steps["reshape"].data_format == "channels_first"
    assert pipe.named_steps["reshape"].image_shape == (32, 32, 3)


@pytest.mark.parametrize("model", list(estimators.MODELS))
@pytest.mark.parametrize("dataset", ["digits", "mnist", "cifar10"])
def test_every_model_and_dataset_builds_a_valid_pipeline(model, dataset):
    pipe, _ = _build("--model", model, "--dataset", dataset)
    info = data.dataset_info(dataset)
    assert pipe.named_steps["reshape"].image_shape == info.image_shape
    assert pipe.named_steps["reshape"].data_format == info.data_format
    assert type(pipe[-1]) is estimators.estimator_class(model)
    estimators.check_params(pipe)  # the presets pass the estimators' checks


# ---------------------------------------------------------------------------
# --recipe
# ---------------------------------------------------------------------------


def _resolved(*argv, command="train"):
    """(args, pipeline, origin) of ``sk-lenet COMMAND ARGV``, no data loaded."""
    args = cli.build_parser().parse_args([command, *argv])
    pipe, origin = estimators.build_pipeline(args)
    return args, pipe, origin


def _other_class_model(recipe):
    return next(
        name
        for name, spec in estimators.MODELS.items()
        if spec.cls_name != recipe.estimator
    )


@pytest.mark.parametrize("command", ["train", "grid-search"])
@pytest.mark.parametrize("name", list(RECIPES))
def test_a_recipe_picks_its_model_parameters_and_dataset(name, command, no_data):
    recipe = RECIPES[name]
    args, pipe, origin = _resolved("--recipe", name, command=command)
    assert args.dataset == recipe.dataset
    assert estimators.MODELS[args.model].cls_name == recipe.estimator
    assert type(pipe[-1]).__name__ == recipe.estimator
    params = pipe[-1].get_params()
    for key, value in recipe.params.items():
        assert params[key] == value, key
    assert origin == f"recipe {name}: {recipe.summary}"
    info = data.dataset_info(recipe.dataset)
    assert pipe.named_steps["reshape"].image_shape == info.image_shape
    assert pipe.named_steps["reshape"].data_format == info.data_format
    assert estimators.run_name(args) == name


@pytest.mark.parametrize("name", list(RECIPES))
def test_options_set_and_quick_override_a_recipe(name, no_data):
    recipe = RECIPES[name]
    other = "cifar10" if recipe.dataset == "mnist" else "mnist"
    argv = ["--recipe", name, "--dataset", other, "--epochs", "3"]
    args, pipe, _ = _resolved(
        *argv, "--set", "learning_rate=0.01", "--set", "tta=False"
    )
    params = pipe[-1].get_params()
    assert params["epochs"] == 3 and params["learning_rate"] == 0.01
    assert params["tta"] is False
    assert args.dataset == other  # an explicit --dataset wins
    info = data.dataset_info(other)
    assert pipe.named_steps["reshape"].image_shape == info.image_shape
    untouched = set(recipe.params) - {"epochs", "learning_rate", "tta"}
    assert all(params[key] == recipe.params[key] for key in untouched)
    _, quick, _ = _resolved("--recipe", name, "--quick")
    assert quick[-1].epochs == 1
    _, quick, _ = _resolved("--recipe", name, "--quick", "--epochs", "2")
    assert quick[-1].epochs == 2


@pytest.mark.parametrize("name", list(RECIPES))
def test_model_of_the_recipes_class_is_accepted_another_is_refused(name, no_data):
    recipe = RECIPES[name]
    model = estimators.model_of(name)
    args, pipe, _ = _resolved("--recipe", name, "--model", model)
    assert args.model == model and type(pipe[-1]).__name__ == recipe.estimator
    other = _other_class_model(recipe)
    with pytest.raises(CLIError) as excinfo:
        _resolved("--recipe", name, "--model", other)
    assert str(excinfo.value) == (
        f"--recipe {name} trains a {recipe.estimator}, but --model {other} is a "
        f"{estimators.MODELS[other].cls_name}; leave --model out (or use "
        f"--model {model})"
    )


def test_without_a_recipe_the_defaults_are_lenet_on_digits():
    args, _, origin = _resolved()
    assert (args.model, args.dataset, args.recipe) == ("lenet", "digits", None)
    assert estimators.run_name(args) == "lenet"
    assert origin == "sk-lenet's defaults for the small 8x8 digits"
    estimators.resolve(args)  # again: nothing changes
    assert (args.model, args.dataset) == ("lenet", "digits")


def test_model_of_prefers_the_model_without_a_preset(monkeypatch):
    from sk_lenet.recipes import Recipe

    monkeypatch.setitem(RECIPES, "mlp-test", Recipe("FeedForwardClassifier"))
    assert estimators.model_of("mlp-test") == "mlp"  # not mlp-cifar10
    monkeypatch.setitem(RECIPES, "orphan", Recipe("NoSuchClassifier"))
    with pytest.raises(CLIError, match="recipe orphan trains a NoSuchClassifier, wh"):
        estimators.model_of("orphan")


def test_tta_on_grey_images_fails_before_data_loads(no_data, tmp_path, capsys):
    code, out, err = run(
        ["train", "--set", "tta=True", "--output-dir", tmp_path], capsys
    )
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "tta=True averages each image with its mirror image" in err
    assert not list(tmp_path.iterdir())
