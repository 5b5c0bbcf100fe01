"""Pieces of the wide/narrow network family: the narrow construction, the path finder, the
spurious-valley check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from landscape.errors import InvalidArgument
from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import losses_at
from landscape.oracles.minimum_certificate import strict_minimum_radius
from landscape.landscapes.mlp import MLP
from landscape.oracles.wide import (
    narrow_construction,
    narrow_interpolant,
    output_layer_end,
    output_segment_certified,
    path_to_lower,
    sampled_segment_maximum,
    valley_figures,
)


@pytest.mark.parametrize("x", [(0.0, 1.0), (-1.0, 0.5, 2.0), (-1.0, 0.25, 1.0, 3.0)])
def test_narrow_construction_is_a_bad_strict_minimum(x):
    landscape, point = narrow_construction(np.array(x))
    theta = torch.as_tensor(point)[None]
    assert landscape.widths == (1, len(x) - 1, 1)
    assert float(landscape.gradient(theta).norm()) < 1e-12
    assert float(torch.linalg.eigvalsh(landscape.hessian(theta)[0])[0]) > 0.0
    assert strict_minimum_radius(landscape, point) is not None
    better = narrow_interpolant(landscape, 0)
    values = losses_at(landscape, np.stack([point, better]))
    assert values[0] == pytest.approx(2.0 / len(x)) and values[1] < 1e-12


@pytest.mark.parametrize("x", [(1.0,), (0.0, 0.0, 1.0)], ids=["one-input", "repeated-input"])
def test_narrow_construction_rejects_bad_inputs(x):
    with pytest.raises(InvalidArgument, match="distinct"):
        narrow_construction(np.array(x))


def _wide() -> MLP:
    return MLP((1, 4, 1), "tanh", np.array([[0.0, 0.25, 0.5, -1.0]]), np.array([[1.0, -1.0, 1.0, 1.0]]))


def test_path_finder_never_returns_a_path_above_the_level():
    landscape = _wide()
    points = landscape.random_points(6, torch.Generator().manual_seed(3)).numpy()
    points[:3, 1] = points[:3, 0]  # equal first-layer neurons: rank-deficient features
    points[:3, 5] = points[:3, 4]
    for i, point in enumerate(points):
        level = float(losses_at(landscape, point[None])[0])
        found = path_to_lower(landscape, point, level, 1e-9 * landscape.loss_scale(), seed=i)
        assert found is not None
        nodes, _ = found
        assert np.array_equal(nodes[0], point)
        assert losses_at(landscape, np.stack(nodes)).max() <= level
        assert losses_at(landscape, nodes[-1][None])[0] <= 1e-9 * landscape.loss_scale()
        for start, end in itertools.pairwise(nodes):
            assert output_segment_certified(landscape, start, end) or sampled_segment_maximum(landscape, start, end) <= level


def test_output_segment_certificate_refuses_hidden_moves_and_increase():
    landscape = _wide()
    point = landscape.random_points(1, torch.Generator().manual_seed(0)).numpy()[0]
    end = output_layer_end(landscape, point)
    assert output_segment_certified(landscape, point, end)
    assert not output_segment_certified(landscape, end, point)  # the reverse segment increases
    moved = end.copy()
    moved[0] += 0.1
    assert not output_segment_certified(landscape, point, moved)


def test_no_path_from_the_narrow_strict_minimum():
    landscape, point = narrow_construction(np.array([-1.0, 0.5, 2.0]))
    value = float(losses_at(landscape, point[None])[0])
    assert path_to_lower(landscape, point, value, 0.5 * value, seed=0) is None


def test_spurious_valley_check_passes_and_can_fail():
    landscape, point = narrow_construction(np.array([-1.0, 0.5, 2.0]))
    better = narrow_interpolant(landscape, 0)
    figures = valley_figures(landscape, point, 0)
    good = {"name": "spurious-valley", "args": {"level": figures["level"], "better": better.tolist()}}
    assert run_check(good, landscape, point, Tolerances()).passed
    above = {"name": "spurious-valley", "args": {"level": figures["sphere_bound"] + 1e-3, "better": better.tolist()}}
    assert not run_check(above, landscape, point, Tolerances()).passed
    no_better = {"name": "spurious-valley", "args": {"level": figures["level"], "better": point.tolist()}}
    assert not run_check(no_better, landscape, point, Tolerances()).passed


def test_valley_points_with_repeated_neurons_have_rank_deficient_features():
    """Thm IV.1 is exercised where no output layer fits: rank Z_L(X) <= n - 1, also for d_L = n + 1."""
    from landscape.theorems.wide_nets import _valley_points

    for hidden in (3, 4):
        landscape = MLP((1, hidden, 1), "asinh", np.array([[-1.0, 0.5, 2.0]]), np.array([[1.0, -1.0, 0.5]]))
        points, labels = _valley_points(landscape, 2, 0)
        for point, label in zip(points, labels):
            if label.startswith("equal neurons"):
                features = landscape.features(torch.as_tensor(point)[None])[0].numpy()
                assert np.linalg.matrix_rank(features) <= landscape.n - 1
