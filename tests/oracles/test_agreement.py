"""Sympy, autograd and finite differences agree on small random instances (DESIGN: agreement of
the oracles is itself a tested property), within the tolerances stated here."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.generators.architectures import architectures
from landscape.generators.data import regression_data
from landscape.landscapes.base import DTYPE
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.symbolic import SymbolicLandscape

# float64 evaluation of a degree-2L polynomial vs its exact value: relative 1e-12 is ~1e4 ulps.
EXACT_RTOL = 1e-12
# central differences with step h have error O(h^2 f''') + O(eps f / h): with h = 1e-5, 1e-6 relative.
FINITE_DIFFERENCE_RTOL = 1e-6
FINITE_DIFFERENCE_STEP = 1e-5


@st.composite
def small_instances(draw):
    widths = draw(architectures(min_depth=1, max_depth=3, max_width=2))
    seed = draw(st.integers(0, 1000))
    data = regression_data(widths[0], widths[-1], max(widths[0], widths[-1]) + 2, seed)
    landscape = DeepLinear(widths, data.x, data.y)
    point = np.random.default_rng(seed).standard_normal(landscape.n_params)
    return landscape, point


def _scale(values) -> float:
    return max(1.0, float(np.abs(np.asarray(values, dtype=float)).max()))


@settings(max_examples=15)
@given(small_instances())
def test_sympy_and_autograd_agree(instance):
    landscape, point = instance
    symbolic = SymbolicLandscape(landscape)
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    exact_loss = float(symbolic.loss(point))
    exact_grad = np.array([float(v) for v in symbolic.gradient(point)])
    exact_hess = np.array(symbolic.hessian(point).tolist(), dtype=float)
    assert abs(landscape.loss(theta).item() - exact_loss) <= EXACT_RTOL * _scale([exact_loss])
    assert np.abs(landscape.gradient(theta)[0].numpy() - exact_grad).max() <= EXACT_RTOL * _scale(exact_grad) * 10
    assert np.abs(landscape.hessian(theta)[0].numpy() - exact_hess).max() <= EXACT_RTOL * _scale(exact_hess) * 10


@settings(max_examples=15)
@given(small_instances())
def test_autograd_and_finite_differences_agree(instance):
    landscape, point = instance
    theta = torch.as_tensor(point, dtype=DTYPE)
    h = FINITE_DIFFERENCE_STEP
    eye = torch.eye(landscape.n_params, dtype=DTYPE)
    forward = landscape.loss(theta[None] + h * eye)
    backward = landscape.loss(theta[None] - h * eye)
    differences = ((forward - backward) / (2 * h)).numpy()
    gradient = landscape.gradient(theta[None])[0].numpy()
    assert np.abs(differences - gradient).max() <= FINITE_DIFFERENCE_RTOL * _scale([landscape.loss(theta[None]).item()])


@settings(max_examples=10)
@given(small_instances(), st.integers(0, 100))
def test_taylor_coefficients_are_exact(instance, seed):
    landscape, point = instance
    direction = np.random.default_rng(seed).standard_normal(landscape.n_params)
    exact = [float(c) for c in SymbolicLandscape(landscape).taylor(point, direction)]
    numeric = landscape.taylor_coefficients(torch.as_tensor(point), torch.as_tensor(direction), len(exact) - 1)
    assert np.allclose(numeric, exact, rtol=1e-10, atol=1e-10 * _scale(exact))


def test_nested_forward_mode_matches_the_closed_form():
    data = regression_data(2, 2, 4, 3)
    landscape = DeepLinear((2, 2, 1, 2), data.x, data.y)
    rng = np.random.default_rng(0)
    point, direction = (torch.as_tensor(rng.standard_normal(landscape.n_params)) for _ in range(2))
    generic = super(DeepLinear, landscape).taylor_coefficients(point, direction, 6)
    assert np.allclose(generic, landscape.taylor_coefficients(point, direction, 6), rtol=1e-10)
