"""sk_lenet.cli.parser: the options and the hyperparameter value parser."""

from __future__ import annotations

import pytest

from sk_lenet import cli
from sk_lenet.cli.parser import (
    SET_ALIASES,
    build_parser,
    parse_param,
    parse_set,
    parse_value,
)
from tests.cli.conftest import run


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8,16", (8, 16)),
        ("(8, 16)", (8, 16)),
        ("[8,16]", (8, 16)),
        ("64", 64),
        ("64,", (64,)),
        ("0.05", 0.05),
        ("1e-3", 0.001),
        ("tanh", "tanh"),
        ("mixed_bfloat16", "mixed_bfloat16"),
        ("None", None),
        ("true", True),
        ("False", False),
        (" 0.25, 0.5 ", (0.25, 0.5)),
    ],
)
def test_parse_value(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


def test_parse_value_refuses_a_broken_tuple():
    with pytest.raises(ValueError, match=r"cannot parse the value '\(1,'"):
        parse_value("(1,")


def test_parse_set():
    assert parse_set("filters=8,16") == ("filters", (8, 16))
    assert parse_set("hidden-layer-sizes=64") == ("hidden_layer_sizes", 64)
    assert parse_set("learning_rate=0.05") == ("learning_rate", 0.05)
    for bad in ("filters", "=3", "filters=", "filters= "):
        with pytest.raises(ValueError, match="--set takes NAME=VALUE"):
            parse_set(bad)


def test_parse_param():
    assert parse_param("filters=4,8:8,16") == ("filters", [(4, 8), (8, 16)])
    assert parse_param("filters=(4,8),(8,16)") == ("filters", [(4, 8), (8, 16)])
    assert parse_param("learning-rate=0.01,0.1") == ("learning_rate", [0.01, 0.1])
    assert parse_param("epochs=1,2") == ("epochs", [1, 2])
    assert parse_param("hidden_layer_sizes=16:32,16") == (
        "hidden_layer_sizes",
        [16, (32, 16)],
    )
    assert parse_param("early_stopping=True,False") == (
        "early_stopping",
        [True, False],
    )
    assert parse_param("optimizer=sgd, adam") == ("optimizer", ["sgd", "adam"])
    assert parse_param("filters=4,8:") == ("filters", [(4, 8)])
    assert parse_param("validation_fraction=None,0.1") == (
        "validation_fraction",
        [None, 0.1],
    )
    for bad in ("filters", "=1,2", "filters=", "filters=(1,", "filters=,"):
        with pytest.raises(ValueError, match="param"):
            parse_param(bad)


def _set(*argv):
    return cli.build_parser().parse_args(["train", *argv]).set


def test_set_and_old_spellings_collect_in_order():
    assert _set() is None
    assert _set("--set", "filters=8,16", "--set", "activation=tanh") == [
        ("filters", (8, 16)),
        ("activation", "tanh"),
    ]
    assert _set(
        "--filters",
        "4,8",
        "--dense-units",
        "16",
        "--hidden-layer-sizes",
        "32,16",
        "--activation",
        "tanh",
        "--momentum",
        "0.5",
        "--validation-fraction",
        "0.2",
        "--early-stopping",
        "--dtype-policy",
        "mixed_bfloat16",
        "--set",
        "momentum=0.8",
    ) == [
        ("filters", (4, 8)),
        ("dense_units", 16),
        ("hidden_layer_sizes", (32, 16)),
        ("activation", "tanh"),
        ("momentum", 0.5),
        ("validation_fraction", 0.2),
        ("early_stopping", True),
        ("dtype_policy", "mixed_bfloat16"),
        ("momentum", 0.8),
    ]


def test_every_old_spelling_is_an_alias_in_the_help(capsys):
    code, out, _ = run(["train", "--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    assert "--set NAME=VALUE" in text
    for name in SET_ALIASES:
        assert f"same as --set {name}=" in text
    for option in ("--epochs", "--batch-size", "--learning-rate", "--optimizer"):
        assert option in text


def test_common_options_are_typed():
    args = cli.build_parser().parse_args(
        ["train", "--epochs", "3", "--learning-rate", "0.1", "--batch-size", "8"]
    )
    assert (args.epochs, args.learning_rate, args.batch_size) == (3, 0.1, 8)
    assert args.random_state == 0 and args.optimizer is None


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["train", "--set", "filters"], "argument --set: --set takes NAME=VALUE"),
        (["train", "--filters", "(1,"], "argument --filters: cannot parse"),
        (["train", "--epochs", "two"], "argument --epochs: invalid int value"),
        (["train", "--test-size", "1.5"], "--test-size: must be in (0, 1); got 1.5"),
        (["grid-search", "--param", "filters"], "NAME=V1,V2"),
    ],
)
def test_malformed_options_are_one_line_errors(argv, words, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err and err.startswith("sk-lenet")


def test_version_and_help(capsys):
    import sk_lenet

    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"sk-lenet {sk_lenet.__version__}"
    for sub in ("train", "evaluate", "predict", "grid-search", "export"):
        code, out, _ = run([sub, "--help"], capsys)
        assert code == 0 and "usage: sk-lenet" in out


@pytest.mark.parametrize("command", ["train", "grid-search"])
def test_the_help_lists_every_recipe_with_its_summary(command, capsys):
    from sk_lenet.recipes import RECIPES

    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    for name, recipe in RECIPES.items():
        summary = " ".join(recipe.summary.split())
        assert f"- {name} ({recipe.estimator} on {recipe.dataset}): {summary}" in text
    assert "(default: the recipe's, else lenet)" in text
    assert "(default: the recipe's, else digits)" in text


def test_an_unknown_recipe_is_a_one_line_error(capsys):
    code, out, err = run(["train", "--recipe", "mnist-magic"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "argument --recipe: invalid choice: 'mnist-magic'" in err


def test_predict_options_may_come_anywhere():
    """Issue 28: ``predict MODEL --invert IMAGE...`` was "unrecognized
    arguments"; options now mix with the positionals, in any order."""
    parser = build_parser()
    for argv in (
        ["predict", "m.pkl", "--invert", "a.png", "b.png"],
        ["predict", "--invert", "m.pkl", "a.png", "b.png"],
        ["predict", "m.pkl", "a.png", "--invert", "b.png"],
        ["predict", "m.pkl", "a.png", "b.png", "--invert"],
    ):
        args = parser.parse_args(argv)
        assert (args.model_file, args.images, args.invert) == (
            "m.pkl",
            ["a.png", "b.png"],
            True,
        )
    args = parser.parse_args(["predict", "m.pkl", "--top", "3", "a.png"])
    assert (args.images, args.top, args.invert) == (["a.png"], 3, False)
