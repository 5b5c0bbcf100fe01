"""Positively homogeneous pairs: the ReLU oracle, duality certificates and path checks (003 §1.4.2)."""

from __future__ import annotations

import math

import numpy as np
import torch

from landscape.generators.matrices import factorisation_problem
from landscape.landscapes.base import DTYPE
from landscape.landscapes.relu import ReluWeightDecay, relu_polar
from landscape.searching.armijo import armijo_path
from landscape.theorems.homogeneous import increasing_segment, mf_dual_gap


def test_relu_polar_matches_a_dense_search_on_the_circle():
    rng = np.random.default_rng(0)
    x = np.stack([rng.uniform(-2, 2, 4), np.ones(4)])
    residual = rng.standard_normal((2, 4))
    exact = relu_polar(x, residual).value
    angles = np.linspace(0, 2 * math.pi, 20001)
    dense = max(np.linalg.norm(residual @ np.maximum(x.T @ np.array([math.cos(a), math.sin(a)]), 0)) for a in angles)
    assert dense <= exact + 1e-12 and exact - dense < 1e-6


def test_relu_landscape_rejects_mismatched_samples():
    import pytest

    from landscape.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="samples"):
        ReluWeightDecay(np.ones((2, 3)), np.ones((1, 4)), 0.1, 2)


def test_dual_gap_vanishes_at_the_svt_optimum_and_not_at_the_origin():
    problem = factorisation_problem(2, 2, 3, 2, seed=1)
    landscape = problem.landscape()
    assert abs(mf_dual_gap(landscape, landscape.optimum().point)) < 1e-10
    assert mf_dual_gap(landscape, np.zeros(landscape.n_params)) > 0.1


def test_armijo_paths_are_certified_non_increasing_and_a_rising_segment_is_caught():
    problem = factorisation_problem(2, 2, 5, 1, seed=2)
    landscape = problem.landscape()
    start = landscape.random_points(1, torch.Generator().manual_seed(0))[0].numpy()
    nodes = armijo_path(landscape, start, 200)
    assert increasing_segment(landscape, nodes) is None
    assert increasing_segment(landscape, [nodes[-1], nodes[0]]) == 0
    assert float(landscape.loss(torch.as_tensor(nodes[-1], dtype=DTYPE)[None])) < float(landscape.loss(torch.as_tensor(start)[None]))


def test_rotation_exposes_exact_zero_pairs_at_a_rank_deficient_minimum_with_f_unchanged():
    from landscape.theorems.homogeneous.paths import (
        arc_is_flat,
        expose_zero_columns,
        rotation_arc,
    )

    problem = factorisation_problem(2, 2, 3, 1, seed=5)
    landscape = problem.landscape()
    optimum = landscape.optimum().point
    u, v = optimum[: 2 * 3].reshape(2, 3), optimum[2 * 3 :].reshape(2, 3)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
    hidden = landscape.flatten(u @ q, v @ q)  # no zero column visible
    assert np.abs(hidden).reshape(-1, 3).min() > 0
    exposed, rotation, zeros = expose_zero_columns(landscape, hidden)
    assert zeros == 2
    columns = np.concatenate([exposed[:6].reshape(2, 3), exposed[6:].reshape(2, 3)])
    assert not np.any(columns[:, 1:])  # exactly zero, not merely small
    flat, spread = arc_is_flat(landscape, rotation_arc(landscape, hidden, rotation) + [exposed])
    assert flat and spread < 1e-12


def test_rescale_and_escape_leaves_a_rotated_saddle_and_the_data_pair_escape_rises():
    from landscape.landscapes.factorisation import subset_point
    from landscape.theorems.homogeneous import certified_path

    problem = factorisation_problem(2, 2, 5, 2, seed=7)
    landscape = problem.landscape()
    q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((5, 5)))
    saddle = subset_point(landscape, (0,))
    u, v = saddle[:10].reshape(2, 5), saddle[10:].reshape(2, 5)
    stuck = landscape.flatten(u @ q, v @ q)
    assert len(armijo_path(landscape, stuck, 50)) == 1  # descent alone does not move
    outcome, escapes, _ = certified_path(landscape, stuck)
    assert outcome == "global" and escapes >= 1
    outcome, _, where = certified_path(landscape, stuck, source="data")
    assert outcome == "escape-rises" and where is not None
