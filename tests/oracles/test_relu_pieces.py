"""Smooth pieces of the ReLU objective: exact segment polynomials, polish, the Thm 1.10 reduction."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from landscape.landscapes.base import loss_at, losses_at
from landscape.landscapes.relu import ReluWeightDecay, dual_bound
from landscape.oracles.relu_pieces import (
    pattern_of,
    polish,
    segment_pieces,
    segment_slope,
)
from landscape.searching.critical_points import descend
from landscape.theorems.homogeneous.relu import escape_piece, rescaling


def landscape(width: int = 4) -> ReluWeightDecay:
    x = np.array([[-1.5, -0.3, 1.1], [1.0, 1.0, 1.0]])
    return ReluWeightDecay(x, np.array([[1.2, -0.7, 0.9]]), 0.2, width)


def test_segment_pieces_are_the_loss_exactly() -> None:
    problem = landscape()
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, problem.n_params))
    pieces = segment_pieces(problem, a, b)
    assert len(pieces) > 1  # the segment crosses kinks
    for t0, t1, c in pieces:
        for t in np.linspace(t0, t1, 4):
            assert np.polyval(c[::-1], t) == pytest.approx(loss_at(problem, a + t * (b - a)), abs=1e-12)


def test_segment_slope_detects_a_rising_segment() -> None:
    problem = landscape()
    point = polish(problem, np.random.default_rng(1).standard_normal(problem.n_params))
    assert segment_slope(problem, 2 * point, point) <= 0 or segment_slope(problem, point, 2 * point) > 0


def test_polish_reaches_a_duality_certified_minimum_with_a_zero_unit() -> None:
    problem = ReluWeightDecay(np.array([[-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]), np.array([[0.0, 0.0, 2.0]]), 0.2, 3)
    rng = np.random.default_rng(3)
    descended = descend(problem, torch.as_tensor(rng.standard_normal((4, problem.n_params))), 400).numpy()
    gaps = []
    for point in descended:
        polished = polish(problem, point)
        assert loss_at(problem, polished) <= loss_at(problem, point) + 1e-12
        gaps.append((dual_bound(problem, polished)[0], problem.zero_units(polished)))
    assert any(gap <= 1e-8 * problem.loss_scale() and zero for gap, zero in gaps)


def test_pattern_reads_kinks() -> None:
    problem = landscape(1)
    point = np.array([1.0, 0.3, 1.0])  # w1 = (1, 0.3): pre-activation at x = -0.3 is exactly 0
    pattern = pattern_of(problem, point)
    assert pattern.kinks == ((1,),) and pattern.active == ((2,),)


def test_rescaling_makes_a_zero_unit_without_raising_the_loss() -> None:
    problem = landscape(4)  # r = 4 > |phi| = 3: unit outputs are linearly dependent
    point = np.random.default_rng(5).standard_normal(problem.n_params)
    piece = rescaling(problem, point)
    assert piece is not None and problem.zero_units(piece.end)
    assert piece.slope <= 1e-10 * problem.loss_scale()
    # along w_i -> sqrt(1 + t beta_i) w_i the loss is the certified quadratic: it never rises
    w_start, w_end = point, piece.end
    values = [loss_at(problem, w_start)]
    for s in np.linspace(0.0, 1.0, 9)[1:]:
        ratio = np.where(w_start != 0, w_end / np.where(w_start != 0, w_start, 1.0), 0.0)
        values.append(loss_at(problem, w_start * np.sqrt((1 - s) + s * ratio**2)))
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(values))


def test_escape_piece_lowers_the_loss_when_the_polar_exceeds_lambda() -> None:
    problem = landscape(2)
    point = np.zeros(problem.n_params)  # the origin: residual Y, polar > lambda for this data
    assert dual_bound(problem, point)[1] > problem.lam
    piece = escape_piece(problem, point, 0, 1e-10 * problem.loss_scale())
    assert piece is not None and losses_at(problem, piece.end[None])[0] < loss_at(problem, point)
