"""Oracle pieces of the gradient-descent dynamics theorems: the tube, the growth fits, the span
criterion, the sawtooth worst case and the smooth families' constants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import DTYPE, Landscape
from landscape.oracles.optimum import optimum_of
from landscape.theorems.gd_dynamics import check_first_order_rate, check_quadratic_modes, check_tube_saddles
from landscape.landscapes.smooth import (
    Quadratic,
    RidgeLogistic,
    Sawtooth,
    first_stationary,
)
from landscape.landscapes.tube import (
    Tube,
    escape_times,
    growth_fit,
    growth_verdict,
    measure_table,
    tube_gradient,
    uniform_starts,
)
from landscape.theorems.gd_dynamics import (
    RateInstance,
    SaddleQuadraticInstance,
    span_criterion,
)

TOL = Tolerances()


def _points(count: int, size: int, scale: float, seed: int = 0) -> torch.Tensor:
    return scale * torch.randn(count, size, generator=torch.Generator().manual_seed(seed), dtype=DTYPE)


def test_tube_gradients_agree_with_autograd():
    tube = Tube(5)
    x = _points(20, 5, 2.0)
    auto = Landscape.gradient(tube, x)
    assert torch.allclose(tube.gradient(x), auto, atol=1e-12)
    assert np.allclose(tube_gradient(tube, x.numpy()), auto.numpy(), atol=1e-12)


@pytest.mark.parametrize("radius", [1.5, 2.5])
def test_tube_hessian_is_continuous_across_the_switch(radius):
    """C^2: the Hessian just inside and just outside |x_1| = a (or b) agree to O(h)."""
    tube = Tube(3)
    base = torch.tensor([radius, 0.3, -0.2], dtype=DTYPE)
    h = 1e-7
    inside, outside = base.clone(), base.clone()
    inside[0] -= h
    outside[0] += h
    hessians = tube.hessian(torch.stack([inside, outside]))
    assert float((hessians[0] - hessians[1]).abs().max()) < 1e-5


def test_tube_chain_is_saddles_then_minimum():
    tube = Tube(4)
    assert check_tube_saddles(tube, np.zeros(4), TOL, {}).passed
    assert optimum_of(tube).value == pytest.approx(float(tube.loss(torch.as_tensor(tube.chain(4))[None])[0]))
    moved = tube.chain(2) + np.array([0.0, 0.0, 0.3, 0.0])
    assert float(tube.gradient(torch.as_tensor(moved)[None]).norm()) > 0.1  # off the chain: not critical


def test_joint_escape_run_equals_separate_runs():
    starts = uniform_starts(3, 6, 7)
    alone = escape_times(Tube(3), starts, 0.05, 5000)
    padded, mask = np.zeros((6, 5)), np.zeros((6, 5), dtype=bool)
    padded[:, :3], mask[:, :3] = starts, True
    assert np.array_equal(escape_times(Tube(5), padded, 0.05, 5000, active=mask), alone)


def test_growth_fit_tells_exponential_from_polynomial():
    d = np.arange(2, 11)
    exponential = growth_fit(d, 30 * 1.7**d)
    polynomial = growth_fit(d, 40 * d**1.5)
    assert exponential.base == pytest.approx(1.7) and exponential.exponential_wins
    assert polynomial.exponent == pytest.approx(1.5) and not polynomial.exponential_wins


def test_escape_table_gd_exponential_pgd_polynomial():
    table = measure_table(list(range(2, 10)), 0.6, 0.05, 8, 3, 20000)
    assert growth_verdict(table) == {"gd-exponential": True, "pgd-polynomial": True}
    assert table.gd[-1] > 2 * table.pgd[-1]


def test_span_criterion_both_ways():
    instance = SaddleQuadraticInstance(4, 2, 0.5, (1, 1), 3)
    span = span_criterion(instance, 0.5 / float(np.abs(instance.curvatures()).max()), np.random.default_rng(0))
    assert span["converged"] and span["left"] and span["contraction"] < 1 < span["growth"]
    step = 0.5 / float(np.abs(instance.curvatures()).max())
    diagonal = instance.diagonal()
    inside = np.array([1.0, -2.0, 0.0, 0.0])
    outside = np.array([1.0, -2.0, 0.0, 1e-30])
    assert check_quadratic_modes(diagonal, inside, TOL, {"step": step, "expect": "converges"}).passed
    assert not check_quadratic_modes(diagonal, outside, TOL, {"step": step, "expect": "converges"}).passed
    assert check_quadratic_modes(diagonal, outside, TOL, {"step": step, "expect": "diverges"}).passed
    big = 2.5 / float(instance.curvatures().max())  # above the stability limit of the positive modes
    assert check_quadratic_modes(diagonal, inside, TOL, {"step": big, "expect": "diverges"}).passed


def test_sawtooth_worst_case():
    """K = N + 1 steps, within 2L(g0 - g*)/eps^2 but beyond L(g0 - g*)/eps^2 (about 4/3 of it)."""
    saw = Sawtooth(30, 1.0, 2.0)
    x = _points(50, 1, 3.0) + 5.0
    assert torch.allclose(saw.gradient(x), Landscape.gradient(saw, x), atol=1e-12)
    eps = 1.0 / 1.01
    assert first_stationary(saw, np.zeros(1), 1 / 2.0, np.array([eps]), np.array([1000]))[0] == 31
    x_star, g_star = saw.minimum()
    assert float(saw.loss(torch.tensor([[x_star]], dtype=DTYPE))[0]) == pytest.approx(g_star)
    assert check_first_order_rate(saw, np.zeros(1), TOL, {"eps": eps, "constant": 2.0, "expect": "within"}).passed
    assert check_first_order_rate(saw, np.zeros(1), TOL, {"eps": eps, "constant": 1.0, "expect": "exceeds"}).passed


@pytest.mark.parametrize("kind", ["quadratic", "logistic"])
def test_smooth_constants_bound_hessian_and_values(kind):
    landscape = RateInstance(kind, 4, 11).landscape()
    assert isinstance(landscape, (Quadratic, RidgeLogistic))
    x = _points(16, 4, 3.0)
    norms = torch.linalg.matrix_norm(Landscape.hessian(landscape, x), ord=2)
    assert float(norms.max()) <= landscape.smoothness() * (1 + 1e-12)
    lower = optimum_of(landscape).value
    assert math.isfinite(lower) and float(landscape.loss(x).min()) >= lower
