"""sk_lenet._dataset_info: the facts about each dataset, importable without
scikit-learn (so that ``sk-lenet --help`` answers at once)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from sk_lenet import datasets
from sk_lenet._dataset_info import (
    _INFO,
    DATASETS,
    QUICK_TEST,
    QUICK_TRAIN,
    DatasetInfo,
    _dataset_key,
)


def test_datasets_publishes_these_facts_not_copies():
    assert datasets.DatasetInfo is DatasetInfo
    assert datasets.DATASETS == DATASETS == ("digits", "mnist", "cifar10")
    assert (datasets.QUICK_TRAIN, datasets.QUICK_TEST) == (QUICK_TRAIN, QUICK_TEST)
    assert all(datasets.dataset_info(name) is _INFO[name] for name in DATASETS)


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("MNIST", "mnist"),
        (" mnist_784 ", "mnist"),
        ("CIFAR-10", "cifar10"),
        ("cifar_10", "cifar10"),
        ("Digits", "digits"),
    ],
)
def test_aliases(alias, key):
    assert _dataset_key(alias) == key


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'digits', 'mnist', 'cifar10'"):
        _dataset_key("fashion")


def test_facts_are_consistent_and_frozen():
    for name, info in _INFO.items():
        assert info.name == name and len(info.target_names) == 10
        assert info.data_format in ("channels_last", "channels_first")
    assert _INFO["cifar10"].data_format == "channels_first"  # OpenML's planar rows
    assert _INFO["cifar10"].image_shape == (32, 32, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        _INFO["mnist"].image_shape = (1, 1, 1)


def test_the_cli_parser_builds_without_scikit_learn():
    code = (
        "import sys, sk_lenet.cli; sk_lenet.cli.build_parser(); "
        "heavy = ('sklearn', 'tensorflow', 'keras'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
