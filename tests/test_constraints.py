"""sk_lenet._constraints: the parameter constraints scikit-learn cannot express.

Each constraint accepts what its description says and refuses the rest, and
scikit-learn's validation turns a refusal into a message that names the
parameter and quotes the description.
"""

from __future__ import annotations

import keras
import pytest
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

from sk_lenet._constraints import (
    Activations,
    Callbacks,
    ImageShapes,
    IntTuples,
    KernelSizes,
    Optimizers,
    RateTuples,
)

CASES = [
    (
        IntTuples(2),
        [(20, 50), [1, 1]],
        [5, (20,), (0, 50), (20, 50, 1), (2.0, 3), (True, 2)],
    ),
    (IntTuples(None), [(1,), (256, 128, 64)], [(), 16, (0,), ("a",)]),
    (KernelSizes(), [5, (3, 5)], [-1, 0, (3,), (3, 0), 2.5, "5"]),
    (
        RateTuples(2),
        [(0.25, 0.5), (0, 0.0)],
        [(0.25,), (1.5, 0.5), (-0.1, 0.5), (1, 0)],
    ),
    (
        ImageShapes(),
        [(28, 28), (28, 28, 1), (-1, 28, 1)],
        [(28,), (0, 28), (-1, -1, 1)],
    ),
    (
        Optimizers(),
        ["sgd", "Adam", "nesterov", keras.optimizers.SGD, keras.optimizers.Adam()],
        ["nope", 3, dict],
    ),
    (
        Activations(("logistic",)),
        ["relu", "logistic", keras.activations.tanh],
        ["nope", 3],
    ),
    (
        Callbacks(),
        [[], [keras.callbacks.History()], [keras.callbacks.History]],
        [None, keras.callbacks.History(), [object()]],
    ),
]


@pytest.mark.parametrize(
    ("constraint", "good", "bad"), CASES, ids=[type(c[0]).__name__ for c in CASES]
)
def test_accepts_what_it_describes_and_refuses_the_rest(constraint, good, bad):
    assert all(constraint.is_satisfied_by(v) for v in good)
    assert not any(constraint.is_satisfied_by(v) for v in bad)


@pytest.mark.parametrize(
    ("constraint", "good", "bad"), CASES, ids=[type(c[0]).__name__ for c in CASES]
)
def test_refusal_names_the_parameter_and_the_accepted_values(constraint, good, bad):
    with pytest.raises(InvalidParameterError) as info:
        validate_parameter_constraints(
            {"param": [constraint]}, {"param": bad[0]}, caller_name="Estimator"
        )
    message = str(info.value)
    assert "'param' parameter of Estimator" in message
    assert str(constraint) in message


def test_descriptions_read_as_values():
    assert str(IntTuples(2)) == "a tuple of 2 ints >= 1"
    assert str(IntTuples(None)) == "a tuple of one or more ints >= 1"
    assert str(RateTuples(2)) == "a tuple of 2 floats in [0, 1)"
    assert "'logistic'" in str(Activations(("logistic",)))
