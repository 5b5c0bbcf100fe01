"""The radius certificate refuses infinite bounds, and the better-point gap is measured from the
value bound of the true minimum, not from the certified point."""

from __future__ import annotations

import math

import numpy as np

from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import loss_at
from landscape.oracles.minimum_certificate import better_point_check, strict_minimum_radius
from landscape.landscapes.networks import SigmoidNet
from landscape.theorems.sigmoid import duplicate_neuron_point


def _strict_minimum() -> tuple[SigmoidNet, np.ndarray]:
    x = np.array([[0.0, 0.5, 1.0]])
    built = duplicate_neuron_point(x, 1, seed=0)  # one neuron: a strict minimum
    return SigmoidNet(1, x, built.y), built.point


class _InfiniteBound(SigmoidNet):
    """The same landscape with a third-derivative bound that is infinite on every ball."""

    def third_derivative_bound(self, point: np.ndarray, radius: float) -> float:
        return math.inf


def test_an_infinite_third_derivative_bound_gives_no_certificate():
    landscape, point = _strict_minimum()
    infinite = _InfiniteBound(1, landscape.x, landscape.y)
    assert strict_minimum_radius(landscape, point) is not None
    assert strict_minimum_radius(infinite, point) is None  # rho = 0, modulus = mu - inf * 0 = NaN


def test_better_point_gap_subtracts_the_value_drop_of_the_true_minimum():
    landscape, minimum = _strict_minimum()
    near = minimum + np.array([1e-4, -1e-4])  # inside the ball: the certificate locates `minimum`
    strict = strict_minimum_radius(landscape, near)
    assert strict is not None and strict["value_lower_bound_drop"] > 0
    value, better_value = loss_at(landscape, near), loss_at(landscape, minimum)
    assert better_value < value  # the minimum itself looks "better" than the certified point
    naive = better_point_check(value, minimum, better_value, "the minimum itself")
    assert run_check(naive, landscape, near, Tolerances()).passed  # the old, wrong gap
    honest = better_point_check(value, minimum, better_value, "the minimum itself", 0, strict["value_lower_bound_drop"])
    result = run_check(honest, landscape, near, Tolerances())
    assert not result.passed and "|g|^2/(2m)" in result.detail
    tampered = {"name": "better-point", "args": {**honest["args"], "gap_at_least": 1e-12}}
    assert not run_check(tampered, landscape, near, Tolerances()).passed
