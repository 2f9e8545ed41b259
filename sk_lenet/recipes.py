"""Named training recipes that go beyond the tutorials: an estimator and the
hyperparameters that make it a better model than its tutorial's.

A recipe is plain data (this module imports no TensorFlow): the estimator's
class name, the parameters that differ from its defaults, the dataset it is
meant for, and one line saying what it is for.  The examples, ``sk-lenet
train --recipe NAME`` and the benchmark (``benchmarks/bench_beyond.py``) all
read them from here.  Every recipe's schedule is fixed beforehand from its
``epochs``; nothing in a recipe was chosen on a test set.

>>> from sk_lenet.recipes import RECIPES, make_recipe
>>> sorted(RECIPES)[:2]
['cifar10-lenet', 'lenet5-distorted']
>>> make_recipe("mnist-fast", random_state=0).lr_schedule
'onecycle'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RECIPES", "Recipe", "make_recipe"]


@dataclass(frozen=True)
class Recipe:
    """One named recipe.

    Parameters
    ----------
    estimator : str
        The class name of a :mod:`sk_lenet` estimator.
    params : dict
        Its parameters that differ from the class's defaults.
    dataset : str
        The dataset the recipe is meant for (a name of
        :data:`sk_lenet.datasets.DATASETS`).
    summary : str
        One line: what the recipe is for.
    """

    estimator: str
    params: dict = field(default_factory=dict)
    dataset: str = "mnist"
    summary: str = ""


_ADAM_ONECYCLE = {"optimizer": "adam", "lr_schedule": "onecycle"}

#: The recipes, by name.
RECIPES: dict[str, Recipe] = {
    "lenet5-distorted": Recipe(
        "LeNet5Classifier",
        {
            "zero_padding": 2,
            "augment": "digits",
            **_ADAM_ONECYCLE,
            "learning_rate": 2e-3,
            "epochs": 15,
            "label_smoothing": 0.1,
        },
        summary="LeNet-5 in the paper's form (32x32 input) trained on distorted "
        "digits with label smoothing, the paper's 0.8% error setting",
    ),
    "mnist-best": Recipe(
        "LeNet5Classifier",
        {
            "filters": (16, 64),
            "dense_units": (256, 128),
            "activation": "relu",
            "batch_norm": True,
            "zero_padding": 2,
            "augment": "digits",
            **_ADAM_ONECYCLE,
            "learning_rate": 4e-3,
            "label_smoothing": 0.1,
            "batch_size": 256,
            "epochs": 12,
        },
        summary="a wider LeNet-5 with batch norm, augmentation and label "
        "smoothing: the most accurate MNIST model here",
    ),
    "mnist-fast": Recipe(
        "LeNet5Classifier",
        {
            "activation": "relu",
            "batch_norm": True,
            **_ADAM_ONECYCLE,
            "learning_rate": 1e-2,
            "batch_size": 256,
            "epochs": 3,
        },
        summary="the fastest way to 99% on MNIST: LeNet-5 with ReLU, batch norm, "
        "Adam and a short one-cycle schedule at batch 256",
    ),
    "cifar10-lenet": Recipe(
        "LeNetClassifier",
        {
            "batch_norm": True,
            "augment": "colour",
            **_ADAM_ONECYCLE,
            "learning_rate": 2e-3,
            "label_smoothing": 0.1,
            "tta": True,
            "epochs": 30,
        },
        dataset="cifar10",
        summary="PyImageSearch's LeNet on CIFAR-10 with batch norm, flips and "
        "shifts, and flip test-time augmentation",
    ),
    "cifar10-airbench": Recipe(
        "AirbenchClassifier",
        {},
        dataset="cifar10",
        summary="airbench94's network and recipe (its defaults): patch "
        "whitening, three conv-pool-BN-GELU blocks, 10 epochs",
    ),
    "cifar10-fast": Recipe(
        "AirbenchClassifier",
        {"widths": (32, 128, 128)},
        dataset="cifar10",
        summary="airbench94's recipe at half its widths (32, 128, 128 filters): "
        "a quarter of its arithmetic, for a half-hour budget on a laptop CPU",
    ),
}


def make_recipe(name: str, **params: Any):
    """A new, unfitted estimator made from recipe ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`RECIPES`.
    **params
        Parameters that replace the recipe's (``random_state``,
        ``verbose``, ``epochs`` ...).

    Returns
    -------
    ImageClassifierBase
        The estimator.

    Raises
    ------
    ValueError
        If ``name`` is not a recipe; the message lists them.
    """
    if name not in RECIPES:
        raise ValueError(
            f"unknown recipe {name!r}; choose one of: {', '.join(sorted(RECIPES))}"
        )
    import sk_lenet

    recipe = RECIPES[name]
    return getattr(sk_lenet, recipe.estimator)(**{**recipe.params, **params})
