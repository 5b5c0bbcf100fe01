"""Float64 numbers as the exact rationals they denote, for the families' symbolic forms.

Every float64 is a dyadic rational, so ``sympy.Rational`` of its integer ratio is exact: a
symbolic form built from these evaluates the *same* instance as the float64 loss, without
rounding (see :mod:`landscape.oracles.symbolic`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy


def exact(value: float) -> sympy.Rational:
    """The float64 ``value`` as the exact rational it denotes."""
    numerator, denominator = Fraction(float(value)).as_integer_ratio()
    return sympy.Rational(numerator, denominator)


def exact_matrix(array: np.ndarray) -> sympy.Matrix:
    """A 2-D float64 array as a sympy matrix of exact rationals."""
    return sympy.Matrix(array.shape[0], array.shape[1], [exact(v) for v in array.reshape(-1)])
