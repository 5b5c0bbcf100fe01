"""The fully connected network oracle: shapes, layout, derivatives against sympy and finite
differences, the feature matrix and the output Jacobian, and clear errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.base import DTYPE, landscape_from_spec
from landscape.landscapes.activations import ACTIVATIONS
from landscape.landscapes.mlp import MLP

BOUNDED = sorted(name for name, activation in ACTIVATIONS.items() if activation.derivative_bounds is not None)


def _net(activation="tanh", loss="squared", output_bias=False, widths=(2, 3, 2, 1), n=4):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((widths[0], n))
    y = np.sign(rng.standard_normal((widths[-1], n))) if loss == "logistic" else rng.standard_normal((widths[-1], n))
    return MLP(widths, activation, x, y, loss, output_bias)


def test_parameter_count_and_round_trip():
    net = _net(output_bias=True)
    assert net.n_params == (3 * 2 + 3) + (2 * 3 + 2) + (1 * 2 + 1)
    rebuilt = landscape_from_spec(net.spec())
    theta = net.random_points(5, torch.Generator().manual_seed(1))
    assert torch.equal(net.loss(theta), rebuilt.loss(theta))


def test_forward_matches_a_hand_written_loop():
    net = _net("asinh")
    theta = net.random_points(3, torch.Generator().manual_seed(2))
    for b in range(3):
        (w1, b1), (w2, b2), (w3, _) = [(w[b].numpy(), None if v is None else v[b].numpy()) for w, v in net.unpack(theta)]
        z = np.arcsinh(w2 @ np.arcsinh(w1 @ net.x + b1[:, None]) + b2[:, None])
        expected = np.mean(np.sum((net.y - w3 @ z) ** 2, axis=0))
        assert float(net.loss(theta[b : b + 1])) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("activation,loss", [("tanh", "squared"), ("softplus", "logistic"), ("requ", "squared")])
def test_gradient_and_hessian_match_sympy(activation, loss):
    net = _net(activation, loss, widths=(1, 2, 1), n=2)
    theta = net.random_points(1, torch.Generator().manual_seed(3))
    symbols, expr = net.symbolic()
    at = dict(zip(symbols, theta[0].tolist()))
    first = [sympy.diff(expr, s) for s in symbols]
    grad = np.array([float(d.evalf(30, subs=at)) for d in first])
    hess = np.array([[float(sympy.diff(d, t).evalf(30, subs=at)) for t in symbols] for d in first])
    assert float(expr.subs(at)) == pytest.approx(float(net.loss(theta)), rel=1e-12)
    np.testing.assert_allclose(net.gradient(theta)[0].numpy(), grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.hessian(theta)[0].numpy(), hess, rtol=1e-9, atol=1e-11)


def test_output_jacobian_is_the_derivative_of_each_output():
    net = _net("sigmoid", widths=(2, 3, 1))
    theta = net.random_points(2, torch.Generator().manual_seed(4))
    g = net.output_jacobian(theta)
    assert g.shape == (2, net.n_params, net.n)
    step = 1e-6
    for p in range(net.n_params):
        e = torch.zeros(net.n_params, dtype=DTYPE)
        e[p] = step
        fd = (net.outputs(theta + e)[:, 0, :] - net.outputs(theta - e)[:, 0, :]) / (2 * step)
        np.testing.assert_allclose(g[:, p, :].numpy(), fd.numpy(), rtol=1e-6, atol=1e-8)
    # The squared-loss gradient is (2/n) G e, e = f - y (the proof of Claim VI.3).
    residual = net.outputs(theta)[:, 0, :] - net._y[0]
    np.testing.assert_allclose(net.gradient(theta).numpy(), (2.0 / net.n) * torch.einsum("bpn,bn->bp", g, residual).numpy(), rtol=1e-10)


def test_features_shape():
    net = _net(widths=(2, 3, 5, 1))
    assert net.features(net.random_points(4, torch.Generator().manual_seed(5))).shape == (4, 5, 4)


def test_bad_input_is_refused_in_one_line():
    with pytest.raises(InvalidArgument, match="widths"):
        MLP((2, 1), "tanh", np.zeros((2, 3)), np.zeros((1, 3)))
    with pytest.raises(InvalidArgument, match="unknown activation"):
        MLP((2, 3, 1), "nope", np.zeros((2, 3)), np.zeros((1, 3)))
    with pytest.raises(DataError, match="rows"):
        MLP((3, 3, 1), "tanh", np.zeros((2, 3)), np.zeros((1, 3)))
    with pytest.raises(DataError, match="labels"):
        MLP((2, 3, 1), "tanh", np.zeros((2, 3)), np.full((1, 3), 0.5), loss="logistic")
    with pytest.raises(InvalidArgument, match="scalar output"):
        _net(widths=(2, 3, 2)).output_jacobian(torch.zeros(1, _net(widths=(2, 3, 2)).n_params, dtype=DTYPE))


@pytest.mark.parametrize("name", BOUNDED)
def test_activation_derivative_bounds_hold_on_a_grid(name):
    """|sigma(t)| <= A + B|t| and |sigma^(k)| <= s_k on a fine grid over [-30, 30]."""
    a_bound, b_bound, *sups = ACTIVATIONS[name].derivative_bounds
    t = torch.linspace(-30, 30, 60_001, dtype=DTYPE)
    fn = ACTIVATIONS[name].torch_fn
    assert bool((fn(t).abs() <= a_bound + b_bound * t.abs() + 1e-12).all())
    derivative = fn
    for sup in sups:
        derivative = torch.func.grad(derivative)
        assert float(torch.func.vmap(derivative)(t).abs().max()) <= sup + 1e-12


@pytest.mark.parametrize("name", BOUNDED)
def test_third_derivative_bound_dominates_exact_derivatives(name):
    """|d^3/dt^3 F(theta + t u)| at random points of a ball and random unit u never exceeds the
    analytic bound for that ball (three nested forward-mode derivatives)."""
    rng = np.random.default_rng(7)
    net = MLP((2, 3, 1), name, rng.standard_normal((2, 4)), rng.standard_normal((1, 4)), output_bias=True)
    generator = torch.Generator().manual_seed(8)
    centre = 1.5 * net.random_points(1, generator)[0]
    radius = 0.5
    bound = net.third_derivative_bound(centre.numpy(), radius)
    for _ in range(20):
        offset = torch.randn(net.n_params, generator=generator, dtype=DTYPE)
        point = centre + radius * float(torch.rand(1, generator=generator)) * offset / offset.norm()
        u = torch.randn(net.n_params, generator=generator, dtype=DTYPE)
        u /= u.norm()
        along = lambda t, p=point, u=u: net.loss((p + t * u)[None])[0]
        third = torch.func.jacfwd(torch.func.jacfwd(torch.func.jacfwd(along)))(torch.zeros((), dtype=DTYPE))
        assert abs(float(third)) <= bound


def test_third_derivative_bound_only_where_proved():
    assert _net("tanh", widths=(2, 3, 2, 1)).third_derivative_bound(np.zeros(_net(widths=(2, 3, 2, 1)).n_params), 0.1) is None
    assert _net("relu", widths=(2, 3, 1)).third_derivative_bound(np.zeros(_net(widths=(2, 3, 1)).n_params), 0.1) is None
    assert _net("tanh", "logistic", widths=(2, 3, 1)).third_derivative_bound(np.zeros(13), 0.1) is None
