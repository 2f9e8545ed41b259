"""sk_lenet._docstrings: every hyperparameter documented once, with the
default its class really has."""

from __future__ import annotations

import inspect
import re

import pytest

from sk_lenet.base import ImageClassifierBase
from tests.conftest import ESTIMATORS


def _entries(doc: str) -> dict[str, str]:
    params = doc.split("Parameters\n    ----------\n")[1].split("\n\n    Attributes")[0]
    return dict(re.findall(r"(?m)^    (\w+) : (.*)$", params))


@pytest.mark.parametrize("cls", [*ESTIMATORS, ImageClassifierBase])
def test_each_parameter_is_documented_once_with_its_default(cls):
    doc = cls.__doc__
    assert "{shared_parameters}" not in doc and "{fitted_attributes}" not in doc
    entries = _entries(doc)
    names = re.findall(
        r"(?m)^    (\w+) : ", doc.split("Parameters\n    ----------\n")[1]
    )
    signature = inspect.signature(cls.__init__).parameters
    documented = [n for n in names if n in signature]
    assert len(documented) == len(set(documented))  # once each
    assert set(entries) >= set(signature) - {"self"}
    for name, param in signature.items():
        if name == "self":
            continue
        default = param.default
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        assert entries[name].endswith(f"default={shown}"), (name, entries[name])


def test_fitted_attributes_are_filled_in():
    assert "model_ : keras.Model" in ESTIMATORS[0].__doc__
