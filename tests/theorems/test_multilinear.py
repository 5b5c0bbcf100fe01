"""Multilinear regression with a bottleneck: certified paths below the level to near-global minima."""

from __future__ import annotations

import numpy as np

from landscape.generators.data import Dataset
from landscape.landscapes.base import loss_at
from landscape.theorems.sublevel.multilinear import (
    END_GAP_RTOL,
    MultilinearInstance,
    path_to_minimum,
)


def test_bottleneck_chain_paths_reach_both_branches_of_minima() -> None:
    x, y = np.array([[1.0, 2.0, -1.0]]), np.array([[2.0, 3.5, -2.5]])
    instance = MultilinearInstance((1, 1, 1), Dataset(x, y, "given", "full", 0))
    problem = instance.landscape()
    for start in (np.array([0.3, 0.4]), np.array([-0.3, -0.4])):  # the two components of a sublevel set
        nodes, top, gap = path_to_minimum(problem, start)
        assert top <= loss_at(problem, start) + 1e-9 * problem.loss_scale()
        assert gap <= END_GAP_RTOL * problem.loss_scale()
        assert np.sign(nodes[-1][0]) == np.sign(start[0])  # it stays in its own component


def test_orientation_certificate_separates_a_2x2_bottleneck_and_never_applies_to_wide_nets():
    from landscape.generators.data import regression_data
    from landscape.certificates.registry import run_check
    from landscape.oracles.classify import Tolerances
    from landscape.landscapes.deep_linear import DeepLinear
    from landscape.oracles.optimum import optimum_of
    from landscape.theorems.sublevel.orientation import orientation_separates, reflected, square_bottleneck

    data = regression_data(3, 3, 7, 3)
    landscape = DeepLinear((3, 2, 2, 3), data.x, data.y)
    best = optimum_of(landscape).point
    layer = square_bottleneck(landscape)
    other = reflected(landscape, best, layer)
    level = optimum_of(landscape).value * 1.001
    assert layer == 1 and orientation_separates(landscape, best, other, level) == layer
    entry = {"name": "orientation-separation", "args": {"layer": layer, "level": level, "other": other.tolist()}}
    assert run_check(entry, landscape, best, Tolerances()).passed
    assert not run_check(dict(entry, args=dict(entry["args"], other=best.tolist())), landscape, best, Tolerances()).passed
    assert square_bottleneck(DeepLinear((3, 4, 4, 3), data.x, data.y)) is None
