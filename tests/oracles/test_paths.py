"""The sublevel-set path finder and the certificate of disconnection (seed 002)."""

from __future__ import annotations

import numpy as np

from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.paths import find_path, polynomial_maximum, separating_coordinate

TOY = DeepLinear((1, 1, 1), [[1.0]], [[1.0]])  # (vw - 1)^2 of seed 001 §III


def test_polynomial_maximum_finds_interior_maxima():
    # 1 - (t - 0.5)^2 = 0.75 + t - t^2: maximum 1 at t = 1/2
    assert abs(polynomial_maximum([0.75, 1.0, -1.0]) - 1.0) < 1e-9


def test_no_path_joins_the_two_branches_of_the_toy_and_a_coordinate_separates_them():
    a, b = np.array([1.0, 1.0]), np.array([-1.0, -1.0])
    assert not find_path(TOY, a, b, 0.5).certified
    coordinate = separating_coordinate(TOY, a, b, 0.5)
    assert coordinate == 0
    args = {"coordinate": coordinate, "level": 0.5, "other": b.tolist()}
    assert run_check({"name": "separating-coordinate", "args": args}, TOY, a, Tolerances()).passed
    assert separating_coordinate(TOY, a, b, 1.5) is None  # above F(0) = 1 the set is connected


def test_a_path_on_one_branch_is_certified_and_replays():
    a, b = np.array([2.0, 0.5]), np.array([0.5, 2.0])
    path = find_path(TOY, a, b, 0.01)
    assert path.certified and path.exact and path.maximum <= 0.01
    args = {"nodes": path.nodes.tolist(), "level": 0.01}
    assert run_check({"name": "path-below-level", "args": args}, TOY, a, Tolerances()).passed


def test_mirror_minima_of_a_wide_network_are_joined():
    landscape = DeepLinear((1, 2, 1), [[1.0, -1.0, 2.0]], [[2.0, -1.0, 3.0]])
    from landscape.theorems.sublevel import mirrored

    best = landscape.optimum()
    level = best.value + 0.05
    assert find_path(landscape, best.point, mirrored(landscape, best.point), level).certified
