"""Theory-built critical points of deep linear networks and the rank decisions (001 Thm III.2; 003 Thm 1.4)."""

from __future__ import annotations

import numpy as np
import torch

from landscape.generators.data import regression_data
from landscape.oracles.classify import PointClass, classify
from landscape.landscapes.base import DTYPE
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.optimum import optimum_of
from landscape.theorems.linear_saddles import general_subset_point, middle, rank_status


def _landscape(widths):
    data = regression_data(widths[0], widths[-1], max(widths[0], widths[-1]) + 2, 5)
    return DeepLinear(widths, data.x, data.y)


def test_general_subset_points_are_critical_with_full_rank_middles():
    landscape = _landscape((3, 2, 3, 2))
    rng = np.random.default_rng(0)
    for subset in [(), (0,), (1,), (0, 1)]:
        point = general_subset_point(landscape, subset, rng)
        assert float(landscape.gradient(torch.as_tensor(point, dtype=DTYPE)[None]).norm()) < 1e-10
        assert rank_status(*middle(landscape, point)[:1], 2, middle(landscape, point)[1]) == "full"


def test_non_top_subset_with_full_rank_middle_is_a_strict_saddle():
    landscape = _landscape((2, 2, 2, 2))
    point = general_subset_point(landscape, (1,), np.random.default_rng(1))
    found = classify(landscape, point, optimum_of(landscape).value)
    assert found.kind is PointClass.STRICT_SADDLE


def test_rank_status_uses_the_natural_scale():
    assert rank_status(np.array([[1e-17, 0.0], [0.0, 1e-18]]), 1, 1.0) == "deficient"
    assert rank_status(np.diag([1.0, 0.5]), 2, 1.0) == "full"
    assert rank_status(np.diag([1.0, 1e-8]), 2, 1.0) == "ambiguous"
