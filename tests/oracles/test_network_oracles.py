"""Oracles behind the theorems about nonlinear networks: the activation-zero criterion, the strict
minimum radius, Morse-Bott and better-point checks (including tampering), exact escape paths,
the ReLU kernel, and one-line errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape.errors import DataError, InvalidArgument
from landscape.oracles.activation_zeros import predicts_bad_minimum
from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.oracles.infinity import exact_path_proof, find_power_law_paths
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.minimum_certificate import (
    morse_bott_figures,
    strict_minimum_radius,
)
from landscape.landscapes.activations import NEURON_ACTIVATIONS
from landscape.landscapes.networks import (
    ReluTeacher,
    SigmoidNet,
    SingleNeuron,
    relu_kernel,
)
from landscape.theorems.sigmoid import duplicate_neuron_point

# Prop IV.1's criterion, by hand: a zero of phi that is a local extremum.
BAD_MINIMUM_PREDICTED = {
    "relu": True, "square": True, "square-plus-one": False, "negative-shifted-square": True, "sigmoid": False,
    "tanh": False, "softplus": False, "leaky-relu": False, "cube": False, "swish": False, "gaussian-well": True,
}


@pytest.mark.parametrize("name", list(NEURON_ACTIVATIONS))
def test_symbolic_criterion_matches_the_hand_table(name):
    assert (predicts_bad_minimum(NEURON_ACTIVATIONS[name]) is not None) is BAD_MINIMUM_PREDICTED[name]


def _construction(width: int):
    x = np.array([[0.0, 0.5, 1.0]])
    built = duplicate_neuron_point(x, width, seed=0)
    return SigmoidNet(width, x, built.y), built.point


def test_strict_minimum_radius_with_the_analytic_bound():
    landscape, point = _construction(1)  # one neuron: no flat direction, a strict minimum
    radius = strict_minimum_radius(landscape, point)
    assert radius is not None and radius["level"].startswith("strict (analytic")
    assert radius["location_radius"] < 1e-10 < radius["ball_radius"]
    args = {"level": radius["level"], "ball_radius": radius["ball_radius"]}
    assert run_check({"name": "strict-minimum-radius", "args": args}, landscape, point, Tolerances()).passed
    moved = point + np.array([0.05, 0.0])
    assert not run_check({"name": "strict-minimum-radius", "args": args}, landscape, moved, Tolerances()).passed


def test_analytic_third_derivative_bound_dominates_sampled_values():
    landscape, point = _construction(2)
    bound = landscape.third_derivative_bound(point, 0.1)
    rng = np.random.default_rng(0)
    for _ in range(5):
        u = rng.standard_normal(point.size)
        u /= np.linalg.norm(u)
        centre = torch.as_tensor(point + 0.1 * rng.uniform() * u, dtype=DTYPE)
        coefficients = landscape.taylor_coefficients(centre, torch.as_tensor(u, dtype=DTYPE), 3)
        assert 6.0 * abs(coefficients[3]) <= bound


def test_morse_bott_check_and_its_tampering():
    landscape, point = _construction(3)
    figures = morse_bott_figures(landscape, point)
    assert figures["flat_dimension"] == 2 and figures["normal_min"] > 0
    entry = {"name": "morse-bott-minimum", "args": {"flat_dimension": 2}}
    assert run_check(entry, landscape, point, Tolerances()).passed
    off_manifold = point.copy()
    off_manifold[0] += 1e-3  # neurons no longer identical: no flat directions named
    assert not run_check(entry, landscape, off_manifold, Tolerances()).passed


def test_better_point_check_requires_a_real_gap():
    landscape, point = _construction(3)
    entry = {"name": "better-point", "args": {"point": point.tolist(), "gap_at_least": 0.5}}
    assert not run_check(entry, landscape, point, Tolerances()).passed


def test_seed_escape_path_is_proved_exactly():
    landscape = DeepLinear((1, 1, 1, 1), [[1.0]], [[1.0]])
    proof = exact_path_proof(landscape, [-1.0, 1.0, 1.0], [-1.0, 0.5, -1.0])
    assert proof["strictly_decreasing"] and proof["limit"] == 1 and proof["start"] == 4
    assert not exact_path_proof(landscape, [1.0, 1.0, 1.0], [-1.0, 0.5, -1.0])["strictly_decreasing"]


def test_power_law_search_finds_nothing_for_a_convex_loss():
    landscape = DeepLinear((1, 1), [[1.0]], [[1.0]])  # (1 - w)^2: no sub-optimal escape
    assert find_power_law_paths(landscape, 0.0) == []


def test_relu_kernel_matches_monte_carlo():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    x = rng.standard_normal((400_000, 3))
    sampled = np.mean(np.maximum(x @ a, 0) * np.maximum(x @ b, 0))
    closed = float(relu_kernel(torch.tensor(a)[None], torch.tensor(b)[None])[0, 0])
    assert closed == pytest.approx(sampled, rel=0.02)


def test_relu_teacher_closed_form_gradient_matches_autograd():
    landscape = ReluTeacher(5, 5)
    theta = landscape.random_points(64, torch.Generator().manual_seed(0))
    automatic = Landscape.gradient(landscape, theta)  # autograd through relu_kernel
    torch.testing.assert_close(landscape.gradient(theta), automatic, rtol=1e-10, atol=1e-12)


def test_relu_teacher_third_derivative_bound_dominates_exact_derivatives():
    """|d^3/dt^3 F(W + t u)| at t = 0 (three nested forward-mode derivatives) never exceeds the
    analytic bound at radius 0, including near-parallel rows where the bound's proof is tight."""
    landscape = ReluTeacher(3, 3)
    generator = torch.Generator().manual_seed(1)
    for trial in range(24):
        scale = 0.3 + float(torch.rand(1, generator=generator))
        w = scale * torch.eye(3, dtype=torch.float64) + 0.05 * torch.randn(3, 3, generator=generator, dtype=torch.float64)
        if trial % 2:
            w[1] = w[0] + 1e-3 * torch.randn(3, generator=generator, dtype=torch.float64)
        w = w.reshape(-1)
        u = torch.randn(9, generator=generator, dtype=torch.float64)
        u /= u.norm()
        along = lambda t, w=w, u=u: landscape.loss((w + t * u)[None])[0]
        third = torch.func.jacfwd(torch.func.jacfwd(torch.func.jacfwd(along)))(torch.zeros((), dtype=torch.float64))
        assert abs(float(third)) <= landscape.third_derivative_bound(w.numpy(), 0.0)
    assert landscape.third_derivative_bound(np.zeros(9), 0.1) == float("inf")


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: SingleNeuron("relu", 0.0, 1.0), "non-zero"),
        (lambda: SingleNeuron("gelu", 1.0, 1.0), "unknown activation"),
        (lambda: SigmoidNet(2, [[0.0, 1.0]], [1.0]), "entries"),
        (lambda: SigmoidNet(0, [[0.0]], [1.0]), "width"),
    ],
    ids=["x-zero", "unknown-activation", "shape-mismatch", "zero-width"],
)
def test_bad_input_is_one_clear_line(build, message):
    with pytest.raises((DataError, InvalidArgument), match=message) as caught:
        build()
    assert "\n" not in str(caught.value)
