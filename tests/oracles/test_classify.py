"""Quality tests of the classifier: it recognises planted saddles, degenerate saddles that
second-order information cannot see, minima, and refuses to decide what it cannot."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from landscape.generators.data import regression_data
from landscape.oracles.classify import PointClass, classify
from landscape.oracles.critical import random_invertible, subset_critical_point
from landscape.landscapes.base import Landscape
from landscape.landscapes.deep_linear import DeepLinear, sigma_eigen
from landscape.theorems.linear import thm_1_2_direction, thm_1_2_point


class Polynomial2D(Landscape):
    """A test landscape f(x, y) given as a Python function (no symmetry, no optimum)."""

    family = "test-polynomial"

    def __init__(self, function):
        self.function = function
        self.n_params = 2

    def loss(self, theta):
        return self.function(theta[:, 0], theta[:, 1])

    def loss_scale(self):
        return 1.0

    def spec(self):
        return {"family": self.family}


CASES = [
    ("x^2 - y^2", lambda x, y: x**2 - y**2, PointClass.STRICT_SADDLE),
    ("x^2 + y^3 (monkey-free cubic)", lambda x, y: x**2 + y**3, PointClass.DEGENERATE_SADDLE),
    ("x^2 - y^4", lambda x, y: x**2 - y**4, PointClass.DEGENERATE_SADDLE),
    ("Peano (y - x^2)(y - 2x^2)", lambda x, y: (y - x**2) * (y - 2 * x**2), PointClass.DEGENERATE_SADDLE),
    ("x^2 + y^2", lambda x, y: x**2 + y**2, PointClass.LOCAL_MINIMUM),
    ("x^2 + y^4 (a minimum no test here certifies)", lambda x, y: x**2 + y**4, PointClass.SECOND_ORDER_STATIONARY),
]


@pytest.mark.parametrize("name, function, expected", CASES, ids=[c[0] for c in CASES])
def test_planted_critical_points_at_the_origin(name, function, expected):
    found = classify(Polynomial2D(function), np.zeros(2))
    assert found.kind is expected, found


def test_peano_needs_the_perturbation_test():
    """Along every line through the origin Peano's function has a minimum; only the curved
    perturbation search sees the descent, and the certificate level says so."""
    found = classify(Polynomial2D(CASES[3][1]), np.zeros(2))
    assert found.level.startswith("perturbation")


def test_not_critical():
    found = classify(Polynomial2D(lambda x, y: x + y**2), np.zeros(2))
    assert found.kind is PointClass.NOT_CRITICAL


def _instance(widths, seed=0, spectrum="distinct"):
    data = regression_data(widths[0], widths[-1], max(widths[0], widths[-1]) + 2, seed, spectrum)
    return DeepLinear(widths, data.x, data.y)


@pytest.mark.parametrize("depth", [3, 4, 5])
def test_deep_origin_is_a_degenerate_saddle_with_zero_hessian(depth):
    landscape = _instance((2,) * (depth + 1))
    found = classify(landscape, np.zeros(landscape.n_params), landscape.optimum().value)
    assert found.kind is PointClass.DEGENERATE_SADDLE
    assert found.hessian_min == found.hessian_max == 0.0
    assert found.order == depth


def test_one_hidden_origin_is_strict():
    landscape = _instance((2, 2, 2))
    found = classify(landscape, np.zeros(landscape.n_params), landscape.optimum().value)
    assert found.kind is PointClass.STRICT_SADDLE and found.hessian_min < 0


def test_optimum_factorisation_is_global_and_a_nonstrict_minimum_without_the_oracle():
    landscape = _instance((3, 2, 2, 3))
    optimum = landscape.optimum()
    assert classify(landscape, optimum.point, optimum.value).kind is PointClass.GLOBAL_MINIMUM
    without = classify(landscape, optimum.point, None)
    assert without.kind is PointClass.LOCAL_MINIMUM and "symmetry" in without.level


@pytest.mark.parametrize("n0, n1, n2", [(2, 1, 2), (3, 2, 3), (4, 2, 3)])
def test_thm_1_2_exactly(n0, n1, n2):
    """003 Thm 1.2: J = [n1] global; every other J a strict saddle with second directional
    derivative exactly 2(lambda_J - lambda_k) along the proof's direction."""
    landscape = _instance((n0, n1, n2), seed=n0 + n1 + n2)
    optimum = landscape.optimum().value
    eigenvalues, _ = sigma_eigen(landscape)
    rng = np.random.default_rng(1)
    for subset in itertools.combinations(range(n2), n1):
        c = random_invertible(n1, rng)
        point = thm_1_2_point(landscape, subset, c)
        found = classify(landscape, point, optimum)
        if subset == tuple(range(n1)):
            assert found.kind is PointClass.GLOBAL_MINIMUM
            continue
        assert found.kind is PointClass.STRICT_SADDLE
        k = min(set(range(n1)) - set(subset))
        d = torch.as_tensor(thm_1_2_direction(landscape, subset, k, c))
        hessian = landscape.hessian(torch.as_tensor(point)[None])[0]
        assert float(d @ hessian @ d) == pytest.approx(2 * (eigenvalues[max(subset)] - eigenvalues[k]), rel=1e-8)


def test_subset_points_are_critical_for_deep_networks():
    landscape = _instance((3, 2, 2, 3))
    for subset in [(0,), (1,), (0, 1), (1, 2)]:
        point = subset_critical_point(landscape, subset, np.random.default_rng(0))
        assert landscape.gradient(torch.as_tensor(point)[None]).norm() < 1e-12


def test_rank_deficient_middle_product_gives_a_degenerate_saddle():
    """003 Thm 1.4, fourth bullet: rank(W_2) < min width may give a non-strict saddle."""
    landscape = _instance((3, 2, 2, 3))
    point = subset_critical_point(landscape, (0,), np.random.default_rng(0))
    found = classify(landscape, point, landscape.optimum().value)
    assert found.kind is PointClass.DEGENERATE_SADDLE


def test_a_saddle_next_to_a_degenerate_orbit_is_found_off_the_orbit_complement():
    """Near, not at, the origin of a depth-5 scalar chain, with two layers of 1e-151 and three of
    1e-6 to 1e-5 (where the saddle-seeking search stops): the orbit tangents theta_i e_i -
    theta_j e_j are nearly coordinate axes, so the kernel's complement to them holds no descent,
    and the leading Taylor terms (orders 3 and 4, about 1e-11 and 1e-7) are dominated on the
    confirmation grid by the order-5 term.  Both must be looked past for the point to be called
    the degenerate saddle it is (not second-order stationary)."""
    landscape = _instance((1,) * 6)
    point = np.array([-8.3e-7, -2.1e-151, 2.9e-151, 1.8e-5, 6.6e-6])
    found = classify(landscape, point, landscape.optimum().value)
    assert found.kind is PointClass.DEGENERATE_SADDLE, found
    assert found.order == 5 and "leading" not in found.level
    values = landscape.loss(torch.as_tensor(point + np.outer(found.descent_steps, found.direction)))
    assert (values.numpy() < found.loss).all()
