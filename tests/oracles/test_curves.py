"""Segments and Bezier curves: rises and barriers are what they say, and the curve fit finds a
low path around a planted barrier (a quality test of the mode-connectivity measurement)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from landscape.errors import InvalidArgument
from landscape.oracles.curves import (
    barrier,
    bezier,
    fit_bezier,
    grid,
    largest_rise,
    losses_along,
    segment_losses,
)
from landscape.landscapes.base import Landscape


class Ring(Landscape):
    """(|theta|^2 - 1)^2 on R^2: a circle of global minima around a bump of height 1 at 0."""

    family = "test-ring"
    n_params = 2

    def loss(self, theta: torch.Tensor) -> torch.Tensor:
        return ((theta**2).sum(1) - 1.0) ** 2

    def loss_scale(self) -> float:
        return 1.0

    def spec(self) -> dict[str, Any]:
        return {"family": self.family}


def _rows(*points: tuple[float, ...]) -> torch.Tensor:
    return torch.tensor(points, dtype=torch.float64)


def test_largest_rise_is_the_largest_increase_met_from_the_start():
    losses = _rows((5.0, 4.0, 4.5, 3.0, 3.9, 1.0), (3.0, 2.0, 2.0, 1.0, 0.5, 0.5), (1.0, 0.8, 0.9, 1.0, 1.1, 0.0))
    height, where = largest_rise(losses)
    assert height.tolist() == pytest.approx([0.9, 0.0, 0.3])  # 3.0 -> 3.9 beats 4.0 -> 4.5; 0.8 -> 1.1 is one rise
    assert where.tolist() == [4, 0, 4]


def test_barrier_is_the_height_above_the_chord_of_the_endpoints():
    t = grid(5)
    losses = _rows((1.0, 1.0, 3.0, 1.0, 1.0), (0.0, 0.25, 0.5, 0.75, 1.0), (2.0, 1.0, 1.0, 1.0, 0.0))
    assert barrier(losses, t).tolist() == pytest.approx([2.0, 0.0, 0.5])  # a tilted line is no barrier; a late drop is


def test_the_bezier_curve_runs_from_a_to_b_in_the_plane_of_a_control_and_b():
    a, control, b = _rows((1.0, 0.0, 0.0)), _rows((0.0, 2.0, 0.0)), _rows((0.0, 0.0, 3.0))
    points = bezier(a, control, b, grid(11))[0]
    torch.testing.assert_close(points[0], a[0])
    torch.testing.assert_close(points[-1], b[0])
    weights = torch.linalg.lstsq(torch.stack([a[0], control[0], b[0]]).T, points.T).solution
    torch.testing.assert_close(weights.sum(0), torch.ones(11, dtype=torch.float64))  # affine: coefficients sum to 1
    straight = bezier(a, 0.5 * (a + b), b, grid(11))[0]
    torch.testing.assert_close(straight, torch.outer(1 - grid(11), a[0]) + torch.outer(grid(11), b[0]))


def test_the_fitted_curve_goes_around_a_planted_barrier():
    """Two minima on the ring: the segment crosses the bump, the fitted curve follows the ring."""
    ring = Ring()
    a = _rows((-1.0, 0.0), (0.0, 1.0))
    b = _rows((math.cos(0.6), math.sin(0.6)), (0.0, -1.0))
    b[1, 0] = 1e-3  # break the mirror symmetry that makes the straight segment stationary
    b[1] /= b[1].norm()
    t = grid(201)
    straight = barrier(segment_losses(ring, a, b, t), t)
    control = fit_bezier(ring, a, b, steps=400, samples=16, generator=torch.Generator().manual_seed(0))
    curved = barrier(losses_along(ring, a, control, b, t), t)
    assert (straight > 0.5).all()
    assert (curved < 0.1 * straight).all(), (straight, curved)


def test_the_fit_is_reproducible_from_its_generator():
    ring, a, b = Ring(), _rows((-1.0, 0.0)), _rows((0.6, 0.8))
    first = fit_bezier(ring, a, b, 20, 4, torch.Generator().manual_seed(3))
    second = fit_bezier(ring, a, b, 20, 4, torch.Generator().manual_seed(3))
    assert torch.equal(first, second)


@pytest.mark.parametrize("call, message", [
    (lambda: grid(1), "points=1 must be at least 2"),
    (lambda: fit_bezier(Ring(), _rows((1.0, 0.0)), _rows((0.0, 1.0)), 0, 4, torch.Generator()), "steps=0"),
], ids=["grid-of-one", "no-steps"])
def test_bad_arguments_are_one_clear_error(call, message):
    with pytest.raises(InvalidArgument, match=message):
        call()
