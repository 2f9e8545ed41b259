"""Parameter constraints that scikit-learn's built-in ones cannot express.

Each estimator's ``_parameter_constraints`` lists, per constructor parameter,
the values it accepts; :meth:`sklearn.base.BaseEstimator._validate_params`
checks them when ``fit`` (or ``partial_fit``) starts and raises
:class:`~sklearn.utils._param_validation.InvalidParameterError` naming the
parameter and the accepted values, built from each constraint's ``str``.

scikit-learn's ``make_constraint`` accepts only its own constraint classes, so
these subclass :class:`~sklearn.utils._param_validation.Options` (the one whose
test-value generator, used by ``check_param_validation``, leaves subclasses it
does not know alone) and replace its test and its description.
"""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Options

__all__ = [
    "Activations",
    "Callbacks",
    "ImageShapes",
    "IntTuples",
    "KerasLayers",
    "KernelSizes",
    "Optimizers",
    "RateTuples",
]


def _is_int(value, low: int) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= low


def _is_sequence(value) -> bool:
    return isinstance(value, tuple | list)


class _Check(Options):
    """A constraint given by a test and a description (no fixed options)."""

    def __init__(self):
        super().__init__(object, set())

    def is_satisfied_by(self, val) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __str__(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class IntTuples(_Check):
    """A tuple (or list) of ``length`` ints ``>= low``; any length >= 1 if None."""

    def __init__(self, length: int | None, low: int = 1):
        super().__init__()
        self.length, self.low = length, low

    def is_satisfied_by(self, val) -> bool:
        return (
            _is_sequence(val)
            and (len(val) == self.length if self.length else len(val) >= 1)
            and all(_is_int(v, self.low) for v in val)
        )

    def __str__(self) -> str:
        count = f"{self.length}" if self.length else "one or more"
        return f"a tuple of {count} ints >= {self.low}"


class KernelSizes(_Check):
    """A convolution kernel size: an int >= 1 or a tuple of 2 ints >= 1."""

    def is_satisfied_by(self, val) -> bool:
        return _is_int(val, 1) or IntTuples(2).is_satisfied_by(val)

    def __str__(self) -> str:
        return "an int >= 1 or a tuple of 2 ints >= 1"


class RateTuples(_Check):
    """A tuple of ``length`` rates in ``[0, 1)`` (dropout)."""

    def __init__(self, length: int):
        super().__init__()
        self.length = length

    def is_satisfied_by(self, val) -> bool:
        return (
            _is_sequence(val)
            and len(val) == self.length
            and all(
                isinstance(v, Real) and not isinstance(v, bool) and 0 <= v < 1
                for v in val
            )
        )

    def __str__(self) -> str:
        return f"a tuple of {self.length} floats in [0, 1)"


class ImageShapes(_Check):
    """``(height, width)`` or ``(height, width, channels)``: ints >= 1, one -1."""

    def is_satisfied_by(self, val) -> bool:
        return (
            _is_sequence(val)
            and len(val) in (2, 3)
            and all(_is_int(v, 1) or (_is_int(v, -1) and v == -1) for v in val)
            and list(val).count(-1) <= 1
        )

    def __str__(self) -> str:
        return "a (height, width[, channels]) tuple of ints >= 1 with at most one -1"


class Optimizers(_Check):
    """A name :func:`keras.optimizers.get` knows, an Optimizer class or one."""

    def is_satisfied_by(self, val) -> bool:
        import keras

        if isinstance(val, keras.optimizers.Optimizer):
            return True
        if isinstance(val, type):
            return issubclass(val, keras.optimizers.Optimizer)
        if not isinstance(val, str):
            return False
        if val == "nesterov":  # SGD with Nesterov momentum (_network)
            return True
        try:
            keras.optimizers.get(val)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        return (
            "an optimizer name keras.optimizers.get knows ('sgd', 'adam', "
            "'rmsprop', ...) or 'nesterov', a keras.optimizers.Optimizer "
            "subclass or instance"
        )


class Activations(_Check):
    """A Keras activation name or a callable (plus ``aliases``' names)."""

    def __init__(self, aliases: tuple = ()):
        super().__init__()
        self.aliases = tuple(aliases)

    def is_satisfied_by(self, val) -> bool:
        import keras

        if callable(val):
            return True
        if not isinstance(val, str):
            return False
        if val in self.aliases:
            return True
        try:
            keras.activations.get(val)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        names = ", ".join(repr(a) for a in self.aliases)
        extra = f" or one of {names}" if names else ""
        return f"a Keras activation name ('relu', 'tanh', ...){extra} or a callable"


class Callbacks(_Check):
    """A list of Keras callbacks (instances or Callback subclasses)."""

    def is_satisfied_by(self, val) -> bool:
        import keras

        kind = keras.callbacks.Callback
        return isinstance(val, list) and all(
            isinstance(c, kind) or (isinstance(c, type) and issubclass(c, kind))
            for c in val
        )

    def __str__(self) -> str:
        return "a list of keras.callbacks.Callback"


class KerasLayers(_Check):
    """A list of Keras layers (instances)."""

    def is_satisfied_by(self, val) -> bool:
        import keras

        return isinstance(val, list) and all(
            isinstance(layer, keras.layers.Layer) for layer in val
        )

    def __str__(self) -> str:
        return "a list of keras.layers.Layer"
