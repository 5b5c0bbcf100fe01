"""Interval forms against the float64 torch oracle, and the enclosures' rigour on boxes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from flint import arb

from landscape.landscapes.activations import ACTIVATIONS
from landscape.oracles.interval.activations import BALL_ACTIVATIONS
from landscape.oracles.interval.forms import interval_form
from landscape.oracles.interval.jets import NotSmooth
from landscape.oracles.interval.krawczyk import balls
from landscape.oracles.interval.matrices import eigenvalue_lower_bound, lower, mid_array, to_arb_mat, upper
from landscape.landscapes.base import DTYPE
from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.mlp import MLP
from landscape.landscapes.networks import ReluTeacher, SigmoidNet, SingleNeuron

RNG = np.random.default_rng(3)


def _cases() -> list[tuple[str, object]]:
    x2 = RNG.standard_normal((2, 4))
    return [
        ("deep-linear", DeepLinear((2, 2, 1), x2, RNG.standard_normal((1, 4)))),
        ("single-neuron-tanh", SingleNeuron("tanh", 0.7, 1.3)),
        ("single-neuron-tilted-sine", SingleNeuron("negative-shifted-square", 1.0, 1.0)),
        ("sigmoid-net", SigmoidNet(2, x2, RNG.standard_normal(4))),
        ("mlp-tanh-bias", MLP((2, 3, 1), "tanh", x2, RNG.standard_normal((1, 4)), output_bias=True)),
        ("mlp-logistic", MLP((2, 2, 1), "sigmoid", x2, np.array([[1.0, -1.0, 1.0, -1.0]]), loss="logistic")),
        ("mlp-tilted-sine-deep", MLP((1, 2, 2, 1), "tilted-sine", RNG.standard_normal((1, 3)), RNG.standard_normal((1, 3)))),
        ("relu-teacher", ReluTeacher(3, 3)),
    ]


@pytest.mark.parametrize("name, landscape", _cases(), ids=[c[0] for c in _cases()])
def test_form_matches_the_float64_oracle(name: str, landscape) -> None:
    point = RNG.standard_normal(landscape.n_params)
    jet = interval_form(landscape)(balls(point, 0.0), True)
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    scale = 1.0 + abs(float(landscape.loss(theta)[0]))
    assert abs(float(jet.value.mid()) - float(landscape.loss(theta)[0])) <= 1e-10 * scale
    gradient = landscape.gradient(theta)[0].numpy()
    assert np.allclose([float(jet.grad[i, 0].mid()) for i in range(point.size)], gradient, atol=1e-9 * scale)
    assert np.allclose(mid_array(jet.hess), landscape.hessian(theta)[0].numpy(), atol=1e-8 * scale)


def test_box_enclosure_contains_the_hessian_at_points_of_the_box() -> None:
    """The Hessian enclosure over a box holds the float Hessian at sampled points of it (up to rounding)."""
    landscape = SigmoidNet(2, RNG.standard_normal((2, 3)), RNG.standard_normal(3))
    centre, radius = RNG.standard_normal(landscape.n_params), 0.05
    enclosure = interval_form(landscape)(balls(centre, radius), True).hess
    samples = centre + radius * RNG.uniform(-1, 1, (20, centre.size))
    hessians = landscape.hessian(torch.as_tensor(samples, dtype=DTYPE)).numpy()
    for h in hessians:
        for i in range(centre.size):
            for j in range(centre.size):
                assert lower(enclosure[i, j]) - 1e-12 <= h[i, j] <= upper(enclosure[i, j]) + 1e-12


def test_every_activation_has_a_ball_form() -> None:
    assert set(BALL_ACTIVATIONS) == set(ACTIVATIONS)


def test_a_subclass_that_names_its_own_family_gets_no_interval_form() -> None:
    class Variant(DeepLinear):
        pass

    class Renamed(DeepLinear):
        family = "test-renamed-deep-linear"

    data = ([[1.0]], [[1.0]])
    assert interval_form(DeepLinear((1, 1, 1), *data)) is not None
    assert interval_form(Variant((1, 1, 1), *data)) is None and interval_form(Renamed((1, 1, 1), *data)) is None


def test_kinked_activation_refuses_a_ball_across_the_kink() -> None:
    landscape = SingleNeuron("relu", 1.0, 1.0)
    with pytest.raises(NotSmooth, match="contains the kink"):
        interval_form(landscape)(balls(np.array([0.0, 1.0]), 1e-3), True)


def test_eigenvalue_bound_is_a_lower_bound_and_detects_indefinite() -> None:
    a = RNG.standard_normal((6, 6))
    spd = a @ a.T + 0.5 * np.eye(6)
    bound = eigenvalue_lower_bound(to_arb_mat(spd))
    assert 0.0 < bound <= np.linalg.eigvalsh(spd)[0]
    indefinite = spd - (np.linalg.eigvalsh(spd)[0] + 0.1) * np.eye(6)
    assert eigenvalue_lower_bound(to_arb_mat(indefinite)) < 0.0


def test_ball_matrix_bound_covers_the_whole_enclosure() -> None:
    """A positive definite centre with a wide radius: the bound must drop below zero, not report the centre."""
    centre = to_arb_mat(np.diag([1.0, 2.0]))
    wide = centre + to_arb_mat(np.zeros((2, 2)))
    wide[0, 0] = arb(1.0, 1.5)
    assert eigenvalue_lower_bound(wide) < 0.0
