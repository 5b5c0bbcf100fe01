from __future__ import annotations

import numpy as np
import sympy

from landscape.generators.data import regression_data
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.symbolic import SymbolicLandscape, decreases_along_ray, exact


def test_floats_convert_exactly():
    assert exact(0.1) == sympy.Rational(3602879701896397, 36028797018963968)
    assert float(exact(0.1)) == 0.1


def test_taylor_expansion_at_the_deep_origin_starts_at_order_depth():
    """003 eq. (1.31): at the origin of a depth-3 net the expansion has no terms of order 1 or 2,
    and its order-3 part is -2 S_yx w1 w2 w3 (scalar case), so the origin is not a minimum."""
    landscape = DeepLinear((1, 1, 1, 1), [[1.0, 2.0]], [[1.0, 0.5]])
    symbolic = SymbolicLandscape(landscape)
    parts = symbolic.taylor_expansion([0.0, 0.0, 0.0], order=4)
    assert parts[1] == 0 and parts[2] == 0
    h1, h2, h3 = symbolic.displacements
    s_yx = sympy.Rational(1 * 1 + 0.5 * 2, 2)
    assert sympy.expand(parts[3] + 2 * s_yx * h1 * h2 * h3) == 0


def test_expansion_reproduces_the_loss_near_a_point():
    data = regression_data(2, 1, 4, 5)
    landscape = DeepLinear((2, 1, 1), data.x, data.y)
    symbolic = SymbolicLandscape(landscape)
    point = np.random.default_rng(0).standard_normal(landscape.n_params)
    parts = symbolic.taylor_expansion(point, order=4)  # degree 4 polynomial: the expansion is exact
    step = [exact(v) for v in (1e-1, -2e-1, 5e-2)]
    value = sum(part.subs(dict(zip(symbolic.displacements, step))) for part in parts)
    shifted = {s: exact(b) + d for s, b, d in zip(symbolic.symbols, point, step)}
    assert value == symbolic.polynomial.eval(shifted)


def test_exact_descent_decision():
    assert decreases_along_ray([1, 0, 0, 2]) == -1  # odd order, positive: decrease for t < 0
    assert decreases_along_ray([1, 0, -3]) == 1
    assert decreases_along_ray([1, 0, 3]) is None
    assert decreases_along_ray([1, 0, 0]) is None
