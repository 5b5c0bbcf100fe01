"""Multilinear regression with a bottleneck: certified paths below the level to near-global minima."""

from __future__ import annotations

import numpy as np

from landscape.generators.data import Dataset
from landscape.oracles.landscapes import loss_at
from landscape.theorems.multilinear import (
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
