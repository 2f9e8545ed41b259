"""sk_lenet.recipes: every recipe names an estimator and parameters it accepts,
and trains; ``make_recipe`` applies overrides and names the recipes it knows.

The fits are one epoch on tiny data of each recipe's image shape (the 8x8
digits for grey-image recipes, the estimators pad them; random 32x32 colour
images for colour ones): they check that the recipe runs, not its accuracy,
which the benchmark measures.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

import sk_lenet
from sk_lenet.base import ImageClassifierBase
from sk_lenet.datasets import DATASETS, dataset_info, load_digits
from sk_lenet.recipes import RECIPES, Recipe, make_recipe

N_TINY = 60  # images per tiny training set: a few batches, 6 per class


def _tiny(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Images shaped like ``dataset``'s: digits for grey ones, random colour."""
    if dataset_info(dataset).image_shape[-1] == 1:
        X, y = load_digits(subset="train", return_X_y=True)
        return X[:N_TINY], y[:N_TINY]
    rng = np.random.default_rng(0)
    shape = dataset_info(dataset).image_shape
    X = rng.integers(0, 256, (N_TINY, *shape), dtype=np.uint8)
    return X, np.arange(N_TINY) % 10


def test_recipes_are_plain_data_without_tensorflow_or_scikit_learn():
    code = (
        "import sys, sk_lenet.recipes; "
        "heavy = ('sklearn', 'tensorflow', 'keras'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipe_names_an_estimator_and_parameters_it_accepts(name):
    recipe = RECIPES[name]
    cls = getattr(sk_lenet, recipe.estimator, None)
    assert isinstance(cls, type) and issubclass(cls, ImageClassifierBase), (
        f"recipe {name}: {recipe.estimator} is no sk_lenet estimator"
    )
    assert recipe.dataset in DATASETS
    assert recipe.summary and recipe.summary == " ".join(recipe.summary.split())
    unknown = set(recipe.params) - set(cls().get_params())
    assert not unknown, f"recipe {name}: {cls.__name__} has no {sorted(unknown)}"
    clf = make_recipe(name)
    assert type(clf) is cls
    assert all(clf.get_params()[k] == v for k, v in recipe.params.items())
    clf._validate_params()  # each value passes the estimator's constraints


def test_a_bad_value_in_a_recipe_is_caught_by_the_constraints(monkeypatch):
    # What the test above does for a recipe with a typo in a value.
    monkeypatch.setitem(RECIPES, "typo", Recipe("LeNetClassifier", {"augment": "x"}))
    with pytest.raises(InvalidParameterError, match="'augment' parameter"):
        make_recipe("typo")._validate_params()


def test_make_recipe_overrides_and_leaves_the_recipe_alone():
    name = next(iter(RECIPES))
    recipe = RECIPES[name]
    before = dict(recipe.params)
    clf = make_recipe(name, random_state=3, epochs=2, verbose=0)
    assert (clf.random_state, clf.epochs, clf.verbose) == (3, 2, 0)
    assert recipe.params == before
    again = make_recipe(name)
    assert again is not clf
    default_epochs = getattr(sk_lenet, recipe.estimator)().epochs
    assert again.epochs == recipe.params.get("epochs", default_epochs)


def test_an_unknown_recipe_lists_the_names():
    with pytest.raises(ValueError) as excinfo:
        make_recipe("mnist-magic")
    assert str(excinfo.value) == (
        f"unknown recipe 'mnist-magic'; choose one of: {', '.join(sorted(RECIPES))}"
    )


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipe_fits_one_epoch_on_tiny_data(name):
    recipe = RECIPES[name]
    X, y = _tiny(recipe.dataset)
    clf = make_recipe(name, epochs=1, random_state=0, verbose=0)
    clf.fit(X, y)
    assert len(clf.history_["loss"]) == 1
    assert np.isfinite(clf.history_["loss"][0])
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-4)
    assert set(clf.predict(X[:5])) <= set(y)
